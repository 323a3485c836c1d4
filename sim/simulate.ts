/**
 * The deterministic simulator (the way FoundationDB and TigerBeetle's VOPR test themselves): the real functions, through their entries, on their deployed schedules, against
 * the emulator on a simulated clock; owners, previewers, metrics and faults drawn from one seed;
 * every invariant checked after every step.
 */
import { CronExpressionParser } from "cron-parser";
import { REGISTRY } from "../functions/registry.ts";
import { loadSchedules, scheduleZone } from "../lib/deploy/schedules.ts";
import { accessViolations } from "../test/helpers/keys.ts";
import { SimClock } from "./clock.ts";
import { FaultSchedule } from "./faults.ts";
import { buildFleet, localTime, officeWants, publishImage, seedKeys, setMetrics, type SimMachine } from "./fleet.ts";
import { Judge } from "./invariants.ts";
import { Journal, type Violation } from "./journal.ts";
import { settingsFor, START_MS, STEP_MS, type SimOptions, type SimSettings } from "./options.ts";
import { Owners } from "./owners.ts";
import { alarmCallbacks } from "./alarms.ts";
import { candidate, dryRun, ownerFollows, previewers, scheduledRuns, type Ctx } from "./phases.ts";
import { Chance } from "./random.ts";
import { startWorld, type World } from "./world.ts";

export interface SimResult {
  options: SimOptions;
  settings: SimSettings;
  stats: Record<string, number>;
  violations: Violation[];
  journal: Journal;
  /** The fault windows and crashes, in order. */
  faults: string[];
}

/** When each function next fires, on its deployed schedule (SCHEDULE_<NAME> overrides honoured). */
function scheduleOf(env: Record<string, string>) {
  const exprs = loadSchedules(REGISTRY, env);
  const tz = scheduleZone(env);
  const next = (expr: string, after: number) =>
    CronExpressionParser.parse(expr, { tz, currentDate: new Date(after) })
      .next()
      .getTime();
  const at = new Map(REGISTRY.map((f) => [f.name, next(exprs[f.name]!, START_MS - 1)]));
  return (t: number): string[] => {
    const due = [...at].filter(([, n]) => n <= t).map(([name]) => name);
    for (const name of due) at.set(name, next(exprs[name]!, t));
    return due;
  };
}

export async function simulate(o: SimOptions): Promise<SimResult> {
  const clock = new SimClock(START_MS);
  const restore = clock.install();
  const c = new Chance(o.seed);
  const settings = settingsFor(o);
  const j = new Journal(START_MS);
  const judge = new Judge(j, settings);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  let world: World | undefined;
  const faultLog: string[] = [];
  try {
    world = await startWorld(clock, settings, o.seed);
    const machines: SimMachine[] = buildFleet(world.emu, o.machines, c);
    const keyed = seedKeys(world.emu, 2);
    const sources = [publishImage(world.emu, 1).ImageId];
    for (const m of machines) j.add(m.id, m.inst.InstanceState === "RUNNING");
    const faults = new FaultSchedule(world.emu, new Chance(o.seed ^ 0xfa17));
    const owners = new Owners(world.emu, machines, j, c);
    const ctx: Ctx = { world, j, judge, owners, faults, machines, stats: {} };
    const due = scheduleOf(world.env);
    let edge = START_MS;
    const end = Math.min(
      START_MS + o.days * 86_400_000,
      o.until === undefined ? Number.POSITIVE_INFINITY : o.until + 1,
    );
    for (let t = START_MS; t < end; t += STEP_MS) {
      clock.set(t);
      if (officeWants(t) !== officeWants(t - STEP_MS)) edge = t;
      setMetrics(machines, t);
      for (const f of faults.step(t)) faultLog.push(`${new Date(t).toISOString()} ${f}`);
      owners.act(t);
      const follows = owners.due(t);
      for (const f of follows.filter((x) => !x.race)) await ownerFollows(ctx, t, f);
      // Cloud Monitor calls back about idle machines now and then, before the step's scheduled runs.
      if (c.chance(1 / 24)) {
        const idle = machines.filter((m) => m.pattern === "idle" && candidate(ctx, m));
        const a = c.pick(idle);
        const b = c.pick(idle.filter((m) => m !== a));
        if (b)
          await alarmCallbacks(
            ctx,
            t,
            [a, b].map((m) => ({ id: m.id, region: m.region })),
          );
      }
      const fns = due(t);
      for (const f of faults.beforeRuns(t, fns)) faultLog.push(`${new Date(t).toISOString()} ${f}`);
      faults.forTheseRuns(owners.beforeRuns(t, fns));
      const local = localTime(t);
      if (fns.includes("image-sync") && local.day === 3)
        sources.push(publishImage(world.emu, sources.length + 1).ImageId);
      await scheduledRuns(
        ctx,
        t,
        fns,
        follows.filter((x) => x.race),
      );
      await previewers(ctx, t, false);
      // An operator tries a dry run now and then (about six times a day).
      if (c.chance(1 / 48)) await dryRun(ctx, t);
      // Whatever else changed a machine's state (a forced stop of key rotation) is credited to no one.
      for (const m of machines)
        j.observe(m.id, world.emu.state.settle(m.inst).InstanceState === "RUNNING", t, "nobody we saw");
      judge.converged(
        t,
        edge,
        officeMachines(world, machines, j, t, faults.names.length ? t : Math.max(edge, faults.lastEnd)),
      );
      if (fns.includes("key-rotation") || fns.includes("image-sync"))
        checkKeysAndImages(world, judge, t, keyed, sources);
      for (const reason of unhandled.splice(0)) judge.unhandled(t, reason);
    }
    if (faults.heldTotal) ctx.stats["writes held past the timeout"] = faults.heldTotal;
    return { options: o, settings, stats: ctx.stats, violations: j.violations, journal: j, faults: faultLog };
  } finally {
    process.off("unhandledRejection", onUnhandled);
    await world?.stop();
    restore();
  }
}

/**
 * Office machines the schedule alone should decide (pay-as-you-go, still tagged), and from when a
 * start or stop could land: after the edge, the last fault window, and (for a stop) any snooze. A
 * snooze that is not a time holds a stop for good: such a machine is not judged while it should stop.
 */
function officeMachines(world: World, machines: readonly SimMachine[], j: Journal, at: number, after: number) {
  const stop = !officeWants(at);
  return machines
    .filter((m) => m.office)
    .map((m) => {
      const inst = world.emu.state.settle(m.inst);
      const tags = new Map((inst.Tags ?? []).map((t) => [t.Key, t.Value]));
      const snooze = tags.get("autopilot:snooze-until");
      // The tag may be gone (a run removes an ended snooze): the promises people were given say when it ended.
      const promised = Math.max(0, ...(j.get(m.id)?.promises.map((p) => p.until) ?? []));
      const until = snooze === undefined ? promised : Math.max(promised, Date.parse(snooze));
      const eligible =
        inst.InstanceChargeType === "POSTPAID_BY_HOUR" &&
        tags.get("autopilot:office-hours") === "office" &&
        !(stop && Number.isNaN(until));
      return {
        id: m.id,
        running: inst.InstanceState === "RUNNING",
        eligible,
        since: stop && until > after ? until : after,
      };
    });
}

function checkKeysAndImages(world: World, judge: Judge, t: number, keyed: string[], sources: string[]): void {
  for (const v of accessViolations(world.emu.state)) {
    const id = /ins-[a-z0-9]{8}/.exec(v)?.[0];
    if (id && keyed.includes(id)) judge.other("keys-always-work", t, id, v);
  }
  const st = world.emu.state;
  for (const region of st.regions) {
    const n = [...st.images.values()].filter((i) => i.Region === region && i.ImageType === "PRIVATE_IMAGE").length;
    if (n > st.imageQuota)
      judge.other(
        "image-sync-within-quota",
        t,
        undefined,
        `${region} holds ${n} custom images; the quota is ${st.imageQuota}`,
      );
  }
  for (const id of sources)
    if (!st.images.has(id)) judge.other("image-sync-within-quota", t, undefined, `source image ${id} was deleted`);
}
