/** What a simulation prints: each invariant held or not, and for a failure its seed and the shortest trace we have. */
import { INVARIANTS, type InvariantName } from "./invariants.ts";
import type { SimResult } from "./simulate.ts";

export interface SimSummary {
  seed: number;
  days: number;
  machines: number;
  seconds: number;
  settings: SimResult["settings"];
  stats: Record<string, number>;
  /** Invariant name -> number of violations (0 for one that held). */
  invariants: Record<InvariantName, number>;
  first: Array<{ invariant: string; at: string; machine?: string | undefined; detail: string; trace: string[] }>;
}

export function summary(r: SimResult, seconds: number): SimSummary {
  const invariants = Object.fromEntries(Object.keys(INVARIANTS).map((k) => [k, 0])) as Record<InvariantName, number>;
  const first: SimSummary["first"] = [];
  for (const v of r.violations) {
    const name = v.invariant as InvariantName;
    if (!invariants[name]) first.push({ ...v, at: new Date(v.at).toISOString(), trace: r.journal.trace(v) });
    invariants[name] = (invariants[name] ?? 0) + 1;
  }
  return {
    seed: r.options.seed,
    days: r.options.days,
    machines: r.options.machines,
    seconds,
    settings: r.settings,
    stats: r.stats,
    invariants,
    first,
  };
}

export function render(r: SimResult, seconds: number, verbose: boolean): string {
  const s = summary(r, seconds);
  const lines = [
    `simulated ${s.days} days, ${s.machines} machines, seed ${s.seed} in ${seconds} s (${JSON.stringify(s.settings)})`,
    `  ${Object.entries(s.stats)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ")}`,
    "",
  ];
  for (const [name, n] of Object.entries(s.invariants))
    lines.push(
      `${n ? "FAILED" : "held  "} ${name}${n ? ` (${n} violation${n > 1 ? "s" : ""})` : ""}: ${INVARIANTS[name as InvariantName]}`,
    );
  const shown = verbose
    ? r.violations.map((v) => ({ ...v, at: new Date(v.at).toISOString(), trace: r.journal.trace(v) }))
    : s.first;
  for (const v of shown) {
    lines.push(
      "",
      `seed ${s.seed}: ${v.invariant} violated at ${v.at}${v.machine ? ` on ${v.machine}` : ""}`,
      `  ${v.detail}`,
      `  replay the shortest prefix: npm run simulate -- --days ${s.days} --machines ${s.machines} --seed ${s.seed} --until ${v.at.slice(0, 16)}Z`,
    );
    if (v.trace.length) lines.push("  trace of the machine since the start:", ...v.trace.map((e) => `    ${e}`));
  }
  if (r.faults.length && s.first.length) lines.push("", "fault windows:", ...r.faults.map((f) => `  ${f}`));
  lines.push(
    "",
    s.first.length
      ? `replay: npm run simulate -- --days ${s.days} --machines ${s.machines} --seed ${s.seed}`
      : "every invariant held",
  );
  return `${lines.join("\n")}\n`;
}
