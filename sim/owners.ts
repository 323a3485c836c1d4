/**
 * The owners: people who start and stop their machines by hand, edit tags (hand-written
 * `autopilot:*` tags included), and follow the links in chat — late, twice, after a restart.
 * What they do goes straight to the emulator's state, as a console would; only the code under
 * test goes through the API, so its log of calls is the code's alone.
 */
import type { FaultRule } from "../emulator/faults.ts";
import type { Emulator } from "../emulator/server.ts";
import type { EmuInstance } from "../emulator/state.ts";
import { TYPES } from "../emulator/instance-types.ts";
import { instantTag, SNOOZE_TAG } from "../lib/snooze/snooze.ts";
import { STEADY, type SimMachine } from "./fleet.ts";
import type { Journal } from "./journal.ts";
import type { Chance } from "./random.ts";

export const STATE_TAG = "autopilot:office-hours-last";
/** Warning tags a tenant may write by hand: the shared one of old, and a function's own (with no valid seal). */
const HAND_WARNINGS = ["autopilot:stop-after", "autopilot:warning:auto-stop-idle", "autopilot:warning:office-hours"];
const MIN = 60_000;

/** A link an owner will follow, and what they knew of it. */
export interface PlannedFollow {
  at: number;
  url: string;
  label: string;
  instance: string;
  kind: "keep" | "stop";
  /** The running period the link's warning was issued in. */
  issuedIn: number;
  fromDryRun: boolean;
  /** Followed while a scheduled run is in flight. */
  race: boolean;
}

export class Owners {
  follows: PlannedFollow[] = [];
  private starts: Array<{ at: number; id: string }> = [];

  constructor(
    private readonly emu: Emulator,
    private readonly machines: readonly SimMachine[],
    private readonly j: Journal,
    private readonly c: Chance,
  ) {}

  private consoleOps = 0;

  /** A start or stop in the console is an API operation too: DescribeInstances shows it as the latest one. */
  private operated(inst: EmuInstance, action: string): void {
    this.emu.state.operated(inst, action, `console-${++this.consoleOps}`);
  }

  private setTag(inst: EmuInstance, key: string, value: string | undefined): void {
    const rest = (inst.Tags ?? []).filter((t) => t.Key !== key);
    inst.Tags = value === undefined ? rest : [...rest, { Key: key, Value: value }];
  }

  /** Hand actions at one step: starts, stops and tag edits. */
  act(at: number): void {
    const due = this.starts.filter((s) => s.at <= at);
    this.starts = this.starts.filter((s) => s.at > at);
    for (const s of due) this.start(s.id, at, "its owner (restarted after a stop)");
    for (const m of this.machines) {
      const inst = this.emu.state.settle(m.inst);
      if (inst.InstanceState === "RUNNING" && this.c.chance(0.0015)) {
        inst.InstanceState = "STOPPED";
        this.operated(inst, "StopInstances");
        this.j.observe(m.id, false, at, "its owner, by hand");
      } else if (inst.InstanceState === "STOPPED" && this.c.chance(0.002)) this.start(m.id, at, "its owner, by hand");
      if (this.c.chance(0.0005)) this.editTags(m, at);
      if (m.pattern === "steady" && inst.InstanceType !== STEADY.type && this.c.chance(0.004)) this.growBack(inst, at);
    }
  }

  /** The owner's own snooze tag: their latest word replaces what earlier pages promised (it may shorten them). */
  private snooze(m: SimMachine, until: number): string {
    this.setTag(m.inst, SNOOZE_TAG, instantTag(until));
    const rec = this.j.get(m.id);
    if (rec) rec.promises = [];
    this.j.promise(m.id, until, "its owner's own snooze tag");
    return `${SNOOZE_TAG}=${instantTag(until)}`;
  }

  /**
   * Before the step's runs: as rightsize's daily run begins, now and then the owner of a machine
   * tagged for it, still at its big type, snoozes it for the evening (working late). A snooze drawn
   * by the clock alone would meet that one run a day a few times a year. Returns the rules for the
   * runs: one time in two, another such owner snoozes theirs while the run is at work, as the run's
   * first resize stop arrives (after its plan, before that machine's turn).
   */
  beforeRuns(at: number, due: readonly string[]): FaultRule[] {
    if (!due.includes("rightsize")) return [];
    const big = this.machines.filter((m) => {
      const inst = this.emu.state.settle(m.inst);
      return m.pattern === "steady" && inst.InstanceType === STEADY.type && inst.InstanceState === "RUNNING";
    });
    const late = big.filter(() => this.c.chance(1 / 4));
    for (const m of late)
      this.j.event(m.id, at, `its owner wrote ${this.snooze(m, at + this.c.int(1, 3) * 60 * MIN)} (working late)`);
    const meanwhile = this.c.chance(1 / 2) ? big.filter((m) => !late.includes(m)) : [];
    if (meanwhile.length < 2) return [];
    const until = at + this.c.int(1, 3) * 60 * MIN;
    const ids = new Set(meanwhile.map((m) => m.id));
    let stopping: string | undefined;
    let done = false;
    return [
      {
        action: "StopInstances",
        kind: "slow",
        delayMs: 1,
        count: 1,
        match: (p) => {
          const [id, more] = Array.isArray(p.InstanceIds) ? p.InstanceIds.map(String) : [];
          if (!id || more || !ids.has(id)) return false;
          stopping ??= id;
          return true;
        },
        until: () => {
          if (done) return true;
          done = true;
          const other = meanwhile.find((m) => m.id !== stopping);
          if (other) this.j.event(other.id, at, `its owner wrote ${this.snooze(other, until)} while rightsize ran`);
          return true;
        },
      },
    ];
  }

  /**
   * A machine rightsize shrank given its big type back in the console (a busy week coming; the
   * console's stop, change and start all within the step): its `done>` tag no longer names its
   * type, so the next run judges it on its whole look-back again and resizes keep coming all month.
   */
  private growBack(inst: EmuInstance, at: number): void {
    const from = inst.InstanceType;
    inst.InstanceType = STEADY.type;
    inst.CPU = TYPES[STEADY.type]!.cpu;
    inst.Memory = TYPES[STEADY.type]!.memory;
    this.j.event(inst.InstanceId, at, `its owner changed its type back from ${from} to ${STEADY.type} by hand`);
  }

  private start(id: string, at: number, by: string): void {
    const inst = this.emu.state.instances.get(id);
    if (!inst || this.emu.state.settle(inst).InstanceState !== "STOPPED") return;
    inst.InstanceState = "RUNNING";
    this.operated(inst, "StartInstances");
    this.j.observe(id, true, at, by);
  }

  private editTags(m: SimMachine, at: number): void {
    const edit = this.c.weighted({
      snooze: 3,
      unsnooze: 2,
      "stop-after-past": 2,
      "state-future": m.office ? 2 : 0,
      garbage: 1,
    });
    let wrote: string;
    if (edit === "snooze") wrote = this.snooze(m, at + this.c.int(1, 8) * 60 * MIN);
    else if (edit === "unsnooze") {
      this.setTag(m.inst, SNOOZE_TAG, undefined);
      const rec = this.j.get(m.id);
      // Withdrawn by its owner; a stop it held back (a snooze that was not a time holds one for good) may come from now on.
      if (rec) rec.promises = [{ until: at, by: "its owner's removal of the snooze tag" }];
      wrote = `${SNOOZE_TAG} removed`;
    } else if (edit === "stop-after-past") {
      const key = this.c.pick(HAND_WARNINGS);
      const past = instantTag(at - 10 * MIN);
      const value =
        key === HAND_WARNINGS[0]
          ? past
          : `at=${instantTag(at - 60 * MIN)} stop=${past} run=none seal=handwritten0000000000`;
      wrote = `${key}=${value}`;
      this.setTag(m.inst, key, value);
    } else if (edit === "state-future") {
      const v = `${this.c.pick(["start", "stop"])}@${new Date(at + 2 * 86_400_000).toISOString().slice(0, 16)}Z`;
      this.setTag(m.inst, STATE_TAG, v);
      wrote = `${STATE_TAG}=${v}`;
    } else {
      this.setTag(m.inst, SNOOZE_TAG, "tomorrow");
      wrote = `${SNOOZE_TAG}=tomorrow`;
    }
    this.j.event(m.id, at, `its owner wrote the tag ${wrote} by hand`);
  }

  /** A machine a function (or a link) stopped: its owner may need it and start it again soon. */
  stoppedByOthers(id: string, at: number): void {
    if (this.c.chance(0.25)) this.starts.push({ at: at + 5 * MIN, id });
  }

  /** Decides what the owner of a warned machine does with a message's links. */
  plan(
    at: number,
    links: Array<{ url: string; label: string; instance: string; kind: "keep" | "stop" }>,
    fromDryRun: boolean,
  ): void {
    const byMachine = new Map<string, typeof links>();
    for (const l of links) byMachine.set(l.instance, [...(byMachine.get(l.instance) ?? []), l]);
    for (const [id, ls] of byMachine) {
      const rec = this.j.get(id);
      if (!rec) continue;
      const choice = this.c.weighted({
        ignore: 45,
        keep: 20,
        "keep-late": 8,
        stop: 15,
        "stop-restart-stop": 5,
        "keep-twice": 7,
      });
      if (choice === "ignore") continue;
      const keep = ls.filter((l) => l.kind === "keep");
      const stop = ls.find((l) => l.kind === "stop");
      const plan = (l: (typeof links)[number] | undefined, afterMin: number) => {
        if (!l) return;
        this.follows.push({
          ...l,
          at: at + afterMin * MIN,
          issuedIn: rec.period,
          fromDryRun,
          race: l.kind === "keep" && this.c.chance(0.3),
        });
      };
      if (choice === "keep") plan(this.c.pick(keep.length ? keep : ls), this.c.pick([0, 5, 15, 30]));
      else if (choice === "keep-late")
        plan(this.c.pick(keep.length ? keep : ls), this.c.pick([90, 125, 150, 200, 600, 905]));
      else if (choice === "keep-twice") {
        const l = this.c.pick(keep.length ? keep : ls);
        plan(l, 0);
        plan(l, this.c.pick([10, 60, 130]));
      } else if (choice === "stop") plan(stop, this.c.pick([0, 5, 20]));
      else {
        // Stop now, start it again, then the same link once more: it belonged to the earlier running period.
        plan(stop, 0);
        this.starts.push({ at: at + 10 * MIN, id });
        plan(stop, 15);
      }
    }
  }

  /** Follows due at `at`. */
  due(at: number): PlannedFollow[] {
    const now = this.follows.filter((f) => f.at <= at);
    this.follows = this.follows.filter((f) => f.at > at);
    return now;
  }
}
