/**
 * One step's phases, each observed from outside: links followed by owners, scheduled runs
 * (overlapping when several are due), previewers fetching every link of every new message, and
 * an operator's dry run. After each, the writes the emulator saw are credited to whoever acted.
 */
import type { RunReport } from "../lib/report/report.ts";
import { follow, keepsRunningUntil, linkOf, preview } from "./links.ts";
import { takeCalls, type CallView } from "./observe.ts";
import type { PlannedFollow } from "./owners.ts";
import type { SimMachine } from "./fleet.ts";
import { bump, running, type Ctx } from "./ctx.ts";
import { resizes } from "./resizes.ts";

export type { Ctx };

const idsOf = (v: CallView, action: string) => v.writes.filter((w) => w.action === action).flatMap((w) => w.ids);

/** An owner follows one link, alone in the world for the moment. */
export async function ownerFollows(c: Ctx, at: number, f: PlannedFollow): Promise<void> {
  takeCalls(c.world.emu);
  const page = await follow(f.url);
  bump(c, "link follows");
  const seen = takeCalls(c.world.emu);
  afterFollow(c, at, f, page, seen);
}

function afterFollow(c: Ctx, at: number, f: PlannedFollow, page: Awaited<ReturnType<typeof follow>>, seen: CallView) {
  c.j.event(
    f.instance,
    at,
    `its owner followed "${f.label}"${f.fromDryRun ? " (from a dry run's message)" : ""}${page.posted ? " and confirmed" : ""}: ${page.status} "${page.text.slice(0, 120)}"`,
  );
  if (f.fromDryRun)
    for (const w of seen.writes)
      for (const id of w.ids) c.judge.dryRunWrote(at, id, `${w.action} (through its owner following "${f.label}")`);
  for (const id of idsOf(seen, "StopInstances")) {
    c.judge.stopByLink(id, at, { who: "owner", kind: f.kind, issuedIn: f.issuedIn, fromDryRun: f.fromDryRun });
    c.j.observe(id, false, at, `the "${f.label}" link`);
    c.owners.stoppedByOthers(id, at);
  }
  // A follow that raced a run is judged on the state its page read, as it rendered it: the order of
  // its tag write and the run's stop within the step is not observed (a known blind spot).
  const runningThen = f.race ? /State now running/i.test(page.text) || running(c, f.instance) : running(c, f.instance);
  c.judge.page(f.instance, at, page.text, keepsRunningUntil(page.text), runningThen, "its owner");
}

/** Previewers fetch every link of every new message; the GETs must change nothing. Their pages are promises too. */
export async function previewers(c: Ctx, at: number, fromDryRun: boolean): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const messages = c.world.chat.take();
    if (!messages.length) return;
    bump(c, "messages", messages.length);
    for (const msg of messages) {
      announced(c, at, msg.text);
      const links = msg.links.flatMap((l) => {
        const k = linkOf(l.url, l.label);
        return k ? [{ ...l, ...k }] : [];
      });
      for (const l of links) {
        takeCalls(c.world.emu);
        const page = await preview(l.url);
        bump(c, "previewer GETs");
        const seen = takeCalls(c.world.emu);
        for (const w of seen.writes) {
          for (const id of w.ids.length ? w.ids : [l.instance]) {
            c.judge.previewWrote(at, id, w.action, l.url);
            if (fromDryRun) c.judge.dryRunWrote(at, id, `${w.action} (through a previewer's GET of its link)`);
          }
        }
        for (const id of idsOf(seen, "StopInstances")) {
          c.j.observe(id, false, at, `a previewer's GET of "${l.label}"`);
          c.owners.stoppedByOthers(id, at);
        }
        c.judge.page(
          l.instance,
          at,
          page.text,
          keepsRunningUntil(page.text),
          running(c, l.instance),
          "a chat previewer",
        );
      }
      if (links.length) c.owners.plan(at, links, fromDryRun);
    }
  }
}

/** Runs the due functions together (overlapping runs of different functions), with owners' racing follows. */
export async function scheduledRuns(c: Ctx, at: number, due: string[], racing: PlannedFollow[]): Promise<void> {
  takeCalls(c.world.emu);
  const crash = due.length ? c.faults.crash() : undefined;
  const before = new Map(c.machines.map((m) => [m.id, candidate(c, m)]));
  const scope = c.machines.filter((m) => inScope(c, m));
  const [runs, pages] = await c.faults.duringRuns(() =>
    Promise.all([
      Promise.all(due.map(async (fn) => ({ fn, ...(await c.world.run(fn, at)) }))),
      Promise.all(racing.map(async (f) => ({ f, page: await follow(f.url) }))),
    ]),
  );
  crash?.recover();
  if (crash)
    c.j.event(
      c.machines[0]!.id,
      at,
      `crash: the runs of ${due.join(", ")} lost their connections after ${crash.after} calls`,
    );
  const seen = takeCalls(c.world.emu);
  bump(c, "runs", runs.length);
  const claimed = (id: string, action: string) =>
    runs.find((r) => r.report?.results.some((x) => x.id === id && x.action === action && x.outcome === "done"))?.fn;
  const resized = resizes(c, at, runs, seen);
  for (const action of ["StopInstances", "StartInstances"] as const) {
    const verb = action === "StopInstances" ? "stop" : "start";
    for (const id of idsOf(seen, action)) {
      const fn = claimed(id, verb);
      if (!fn && resized.has(id)) {
        // A resize's stop is judged against the promises too: its owner was told the machine keeps running.
        if (verb === "stop") c.judge.stopByResize(id, at);
        continue;
      }
      if (!fn) {
        if (!runs.some((r) => r.thrown !== undefined) && !crash) c.judge.unreported(due.join("+"), at, id);
        c.j.observe(id, verb === "start", at, `an unreported ${verb} during ${due.join(", ")}`);
        continue;
      }
      bump(c, `${verb}s by ${fn}`);
      if (verb === "stop") {
        c.judge.stopByRun(fn, id, at);
        c.j.observe(id, false, at, fn);
        c.owners.stoppedByOthers(id, at);
      } else {
        c.judge.startByRun(fn, id, at);
        c.j.observe(id, true, at, fn);
      }
    }
  }
  for (const r of runs) {
    c.judge.ran(r.fn, at, r);
    announce(c, r.fn, at, r.report);
    const act = r.fn === "rightsize" ? "resize" : "stop";
    const acts = r.report?.results.filter((x) => x.action === act && x.outcome === "done").length ?? 0;
    c.judge.guard(r.fn, at, acts, c.machines.length, r.report, acts);
    // A run that crashed or failed somewhere could not ask for its turn: it neither counts nor resets the count.
    if (r.fn === "auto-stop-idle" && r.report && !r.report.errors.length && !crash)
      rotation(c, at, before, scope, seen.asked);
  }
  for (const p of pages) afterFollow(c, at, p.f, p.page, { writes: [], queried: new Set(), asked: new Set(), all: [] });
}

/**
 * What a run told people, from its message: the runs `serve` makes (a link's stop-now, an alarm
 * callback's check) report only to the page or the callback, so their warnings are read here. A
 * resource line reads `• name (ins-…, region): done: …warned…`.
 */
function announced(c: Ctx, at: number, text: string): void {
  const fn = /cvm-autopilot ([a-z-]+)/.exec(text)?.[1];
  if (!fn || /dry run/.test(text.split("\n")[0] ?? "")) return;
  for (const m of text.matchAll(/\((ins-[a-z0-9]{8}), [a-z0-9-]+\): done: ([^\n]*warn[^\n]*)/gi)) {
    const rec = c.j.get(m[1]!);
    if (rec?.announced.get(fn)?.some((a) => a.at === at)) continue;
    c.j.announce(fn, m[1]!, at, `(in its message) ${m[2]!.slice(0, 90)}`);
  }
}

/** What each run told people it will do: its warnings, from its report. */
function announce(c: Ctx, fn: string, at: number, report: RunReport | undefined): void {
  for (const x of report?.results ?? []) {
    if (x.action !== "warn" || x.outcome !== "done") continue;
    bump(c, `warnings by ${fn}`);
    c.j.announce(fn, x.id, at, x.reason.slice(0, 100));
  }
}

/** A machine auto-stop may check: running, pay-as-you-go, not opted out. */
function inScope(c: Ctx, m: SimMachine): boolean {
  const inst = c.world.emu.state.settle(m.inst);
  return (
    inst.InstanceState === "RUNNING" &&
    inst.InstanceChargeType === "POSTPAID_BY_HOUR" &&
    !(inst.Tags ?? []).some((t) => t.Key === "autopilot:auto-stop")
  );
}

/** A machine auto-stop must check: running, pay-as-you-go, not opted out, no snooze or warning of ours on it. */
export function candidate(c: Ctx, m: SimMachine): boolean {
  const inst = c.world.emu.state.settle(m.inst);
  const keys = new Set((inst.Tags ?? []).map((t) => t.Key));
  return (
    inst.InstanceState === "RUNNING" &&
    inst.InstanceChargeType === "POSTPAID_BY_HOUR" &&
    !keys.has("autopilot:auto-stop") &&
    !keys.has("autopilot:snooze-until") &&
    ![...keys].some((k) => k === "autopilot:stop-after" || k.startsWith("autopilot:warning:"))
  );
}

/** Under a metric budget, a rotation reaches every candidate within ⌈candidates ÷ admitted⌉ runs (plus two: the set of candidates moves). */
function rotation(c: Ctx, at: number, before: Map<string, boolean>, scope: SimMachine[], queried: Set<string>): void {
  const budget = Number(c.world.env.AUTO_STOP_METRIC_BUDGET ?? 0);
  if (!budget) return;
  const admitted = Math.floor(Math.floor(budget / 2) / 3) * 50;
  const perRegion = new Map<string, number>();
  // The bound counts every machine the function may query as the run began (a warned one is checked again before its stop).
  for (const m of scope) perRegion.set(m.region, (perRegion.get(m.region) ?? 0) + 1);
  for (const m of c.machines) {
    const rec = c.j.get(m.id);
    if (!rec) continue;
    if (!before.get(m.id) || queried.has(m.id)) {
      rec.unqueriedRuns = 0;
      continue;
    }
    rec.unqueriedRuns++;
    const bound = Math.ceil((perRegion.get(m.region) ?? 0) / admitted);
    if (rec.unqueriedRuns > bound + 2) {
      c.judge.rotation(at, m.id, rec.unqueriedRuns, bound);
      rec.unqueriedRuns = 0;
    }
  }
}

/** An operator's dry run of auto-stop: it writes nothing, and its links act on nothing (an owner follows one through). */
export async function dryRun(c: Ctx, at: number): Promise<void> {
  takeCalls(c.world.emu);
  const r = await c.world.run("auto-stop-idle", at, { DRY_RUN: "true" });
  c.judge.ran("auto-stop-idle (dry run)", at, r);
  bump(c, "dry runs");
  for (const w of takeCalls(c.world.emu).writes)
    for (const id of w.ids.length ? w.ids : [undefined]) c.judge.dryRunWrote(at, id, w.action);
  await previewers(c, at, true);
}
