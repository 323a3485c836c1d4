/**
 * `npm run simulate -- --days 30 --machines 300 --seed 1 [--verbose] [--json]`: runs one seeded
 * simulation and prints, for every invariant, whether it held; for each that failed, the seed, the
 * invariant and the trace of the machine concerned up to its first violation. Exit code 1 when
 * any invariant failed.
 */
import { parseArgs } from "./options.ts";
import { render, summary } from "./output.ts";
import { simulate } from "./simulate.ts";

async function main(): Promise<number> {
  let o: ReturnType<typeof parseArgs>;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`simulate: ${(err as Error).message}\n`);
    return 2;
  }
  const began = performance.now();
  const r = await simulate(o);
  const seconds = Math.round((performance.now() - began) / 100) / 10;
  process.stdout.write(o.json ? `${JSON.stringify(summary(r, seconds))}\n` : render(r, seconds, o.verbose ?? false));
  return r.violations.length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`simulate: the simulator itself failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
