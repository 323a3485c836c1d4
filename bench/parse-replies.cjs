// Times JSON.parse of every reply body in a file (one a line), one at a time as they are read, so
// a 100,000-machine run's replies never sit in memory together; prints {parseMs, replies}.
const { createReadStream } = require("node:fs");
const { createInterface } = require("node:readline");

let ns = 0n;
let replies = 0;
const lines = createInterface({
  input: createReadStream(process.argv[2], "utf8"),
  crlfDelay: Number.POSITIVE_INFINITY,
});
lines.on("line", (line) => {
  if (!line) return;
  const t0 = process.hrtime.bigint();
  JSON.parse(line);
  ns += process.hrtime.bigint() - t0;
  replies++;
});
lines.on("close", () => process.stdout.write(`${JSON.stringify({ parseMs: Number(ns) / 1e6, replies })}\n`));
