/**
 * The floor of a fleet row: the CPU no implementation of the same run can avoid. Starting Node
 * with the function's bundle, and `JSON.parse` of every reply body the run received (the
 * emulator appends each reply to a file, `--reply-log`; they are parsed afterwards in a fresh
 * process with the function's heap, one at a time, timing the parse alone). Both are measured in
 * the same run as the row, on the same machine, so its load weighs on both sides.
 */
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../lib/deploy/build.ts";

export interface Floor {
  /** Starting Node and loading the bundle (median of 5 fresh starts). */
  startMs: number;
  /** JSON.parse of every reply body the run received (median of 3 fresh processes). */
  parseMs: number;
  replies: number;
  replyMb: number;
  floorMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function node(heapFlags: readonly string[], args: string[]): { ms: number; out: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...heapFlags, ...args], { encoding: "utf8", env: { PATH: process.env.PATH } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed: ${r.stderr}`);
  return { ms, out: r.stdout };
}

/** The floor of one run whose replies are in `replyLog` (one JSON body a line), with the heap the function ran with. */
export function measureFloor(bundle: string, replyLog: string, heapFlags: readonly string[]): Floor {
  const startMs = median(
    Array.from({ length: 5 }, () => node(heapFlags, ["-e", `require(${JSON.stringify(bundle)})`]).ms),
  );
  const passes = Array.from({ length: 3 }, () =>
    JSON.parse(node(heapFlags, [join(ROOT, "bench/parse-replies.cjs"), replyLog]).out),
  );
  const parseMs = median(passes.map((p: { parseMs: number }) => p.parseMs));
  return {
    startMs: Math.round(startMs),
    parseMs: Math.round(parseMs),
    replies: passes[0].replies,
    replyMb: +(statSync(replyLog).size / 1024 / 1024).toFixed(1),
    floorMs: Math.round(startMs + parseMs),
  };
}
