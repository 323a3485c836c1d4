/**
 * rightsize's resizes, judged from outside: the report says which machines it resized; the
 * emulator's calls say which type each ResetInstancesType asked for, and its state where the
 * machine stands once the run's requests (a late copy of a stop included) have landed.
 */
import type { RunReport } from "../lib/report/report.ts";
import type { CallView } from "./observe.ts";
import { bump, running, type Ctx } from "./ctx.ts";

type Ran = { fn: string; report?: RunReport | undefined };

/**
 * After a phase of runs: notes the types machines were reset to, then judges each machine
 * rightsize reported resized. Returns the machines it reported resizing, whatever the outcome: their
 * stops and starts are the resize's (its report names them), not stops to judge as a stop's are.
 */
export function resizes(c: Ctx, at: number, runs: readonly Ran[], seen: CallView): Set<string> {
  for (const w of seen.writes)
    if (w.action === "ResetInstancesType" && w.instanceType)
      for (const id of w.ids) {
        const m = c.j.get(id);
        if (m) m.resetTo = w.instanceType;
      }
  const ids = new Set<string>();
  for (const x of runs.find((r) => r.fn === "rightsize")?.report?.results ?? []) {
    // A resize the guard held back, or a dry run's, sent nothing.
    if (x.action !== "resize" || x.outcome === "skipped-by-guard" || x.outcome === "planned") continue;
    ids.add(x.id);
    const held = heldStops(seen, x.id);
    if (held) bump(c, "resize stops held past the timeout");
    bump(c, x.outcome === "done" ? "resizes by rightsize" : "resizes not done");
    const to = c.j.get(x.id)?.resetTo;
    c.j.event(
      x.id,
      at,
      `rightsize reported a resize${to ? ` to ${to}` : ""}: ${x.outcome}${x.code ? ` (${x.code})` : ""}`,
    );
    if (x.outcome === "done") leftRunning(c, at, runs, seen, x.id, held);
    c.j.observe(x.id, running(c, x.id), at, "rightsize's resize");
  }
  return ids;
}

/** StopInstances naming the machine that the emulator held (a `slow` fault): the client gave up on them. */
const heldStops = (seen: CallView, id: string) =>
  seen.all.filter(
    (r) => r.action === "StopInstances" && r.fault === "slow" && JSON.stringify(r.params ?? {}).includes(id),
  ).length;

/** resize-leaves-running for one machine reported resized. */
function leftRunning(c: Ctx, at: number, runs: readonly Ran[], seen: CallView, id: string, held: number): void {
  // Another function's reported stop in the same phase explains a stopped machine (owners act between phases).
  const other = runs.find(
    (r) =>
      r.fn !== "rightsize" && r.report?.results.some((y) => y.id === id && y.action === "stop" && y.outcome === "done"),
  );
  if (other) return;
  const inst = c.world.emu.state.instances.get(id);
  const now = inst ? c.world.emu.state.settle(inst) : undefined;
  const to = c.j.get(id)?.resetTo;
  if (now && to && now.InstanceState === "RUNNING" && now.InstanceType === to) return;
  const stops = seen.writes.filter((w) => w.action === "StopInstances" && w.ids.includes(id)).length;
  c.judge.other(
    "resize-leaves-running",
    at,
    id,
    `rightsize reported it resized; once the run's requests had landed it is ${now ? `${now.InstanceState} at ${now.InstanceType}` : "gone"}, ${to ? `not running at ${to}, the type its ResetInstancesType asked for` : "and no ResetInstancesType for it ever landed"} (${stops} StopInstances for it carried out in the run, ${held} of them held past the client's timeout)`,
  );
}
