// `node bench/profile-top.mjs FILE.cpuprofile [N]`: self time by function in a V8 CPU profile
// (from `npm run bench -- --cpu-prof DIR`), the N largest first, with a bundle's positions read
// back through its source map (the bundle's folder must still exist). BY_FILE=1 sums by file;
// BY_PART=1 by part of the run (garbage collection, reply parsing, the client, the function and
// runtime, Node's HTTP stack, start-up), the shares bench/README.md gives.
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";

const profile = JSON.parse(readFileSync(process.argv[2], "utf8"));
const top = Number(process.argv[3] ?? 25);
const maps = new Map();

function mapOf(url) {
  if (!url.endsWith("index.js")) return null;
  if (!maps.has(url)) {
    const file = url.startsWith("file:") ? fileURLToPath(url) : url;
    maps.set(url, existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8"))) : null);
  }
  return maps.get(url);
}

/** Which part of a run a frame belongs to (BY_PART): `source` is its original path when the bundle's map names one. */
function partOf(source, frame) {
  const name = frame.functionName;
  if (name === "(garbage collector)") return "garbage collection";
  if (source?.includes("node_modules")) return "libraries (zod, luxon, cron-parser, ...)";
  if (source?.endsWith("lib/tencent/reply.ts") || name === "parse") return "reply: JSON.parse and checks";
  if (source?.includes("lib/tencent/")) return "client, signing, series";
  if (source) return "function and runtime";
  const url = frame.url || "";
  if (
    name === "(program)" ||
    /cjs\/loader|bootstrap|esm\/|pre_execution|index\.js$/.test(url) ||
    /^(compileFunction|readFileUtf8|internalModuleStat)$/.test(name)
  )
    return "start-up";
  return "Node: HTTP, sockets, streams, timers, crypto";
}

function where(frame) {
  const entry = mapOf(frame.url || "")?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry?.originalSource) {
    if (process.env.BY_PART) return partOf(entry.originalSource, frame);
    const file = entry.originalSource.split("/").slice(-3).join("/");
    return process.env.BY_FILE
      ? file
      : `${entry.name ?? frame.functionName ?? "(anonymous)"} ${file}:${entry.originalLine + 1}`;
  }
  if (process.env.BY_PART) return partOf(undefined, frame);
  const file = (frame.url || "").split("/").slice(-2).join("/");
  return process.env.BY_FILE
    ? file || frame.functionName
    : `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber}`;
}

const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
let idle = 0;
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const frame = nodes.get(profile.samples[i]).callFrame;
  const us = profile.timeDeltas[i] ?? 0;
  total += us;
  if (frame.functionName === "(idle)") idle += us;
  else self.set(where(frame), (self.get(where(frame)) ?? 0) + us);
}
const busy = total - idle;
console.log(`busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled`);
for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${name}`);
