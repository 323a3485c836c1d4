/**
 * The fault schedule, drawn from the seed: windows of throttling, refused calls that are not
 * retried, the free tier of GetMonitorData running out, HTTP 5xx, writes whose reply comes after
 * the client gave up; and now and then a run that crashes part way (its connections dropped after
 * a few calls: what it wrote stays written, the rest never happens). Applied through the
 * emulator's fault injector (emulator/faults.ts).
 */
import type { Emulator } from "../emulator/server.ts";
import type { FaultRule } from "../emulator/faults.ts";
import type { Chance } from "./random.ts";

type Kind = "throttle" | "monitor-refused" | "start-refused" | "stop-refused" | "free-tier" | "http5xx" | "slow-writes";

/**
 * How long a slow-writes window holds a write: until the simulated clock has moved 5 s (the
 * emulator's `slow` fault; in the simulation its real time is the clock too, which real time moves
 * within a step), so past the client's 500 ms timeout (options.ts TIMEOUT_MS) unless a wait moves
 * the clock first. A caller that waits on the machine (rightsize polls about a minute for a stop
 * with no reply) sees it land; one that moved on meets it later, at the latest when the runs end.
 */
const HOLD_MS = 5_000;
/** The writes held: a stop or a start whose late copy lands on a machine someone has moved since. */
const HELD_ACTIONS = ["StopInstances", "StartInstances"];
const idsOf = (p: Record<string, unknown>) => (Array.isArray(p.InstanceIds) ? p.InstanceIds.map(String) : []);

interface Window {
  kind: Kind;
  until: number;
  rules: FaultRule[];
}

const FREE_CALLS = 1_000_000;

export class FaultSchedule {
  private active: Window[] = [];
  /** When the last window ended: a failed start or stop has had its chance to land only after it. */
  lastEnd = 0;
  /** Writes are held only while scheduled runs are in flight, and all land before their phase ends. */
  private inRuns = false;
  private releasing = false;
  private holding = 0;
  /** Writes held in the whole simulation. */
  heldTotal = 0;

  constructor(
    private readonly emu: Emulator,
    private readonly c: Chance,
  ) {}

  get names(): string[] {
    return this.active.map((w) => w.kind);
  }

  /** Ends windows whose time is up and may open one; returns what changed, for the trace. */
  step(at: number): string[] {
    const said: string[] = [];
    const ended = this.active.filter((w) => w.until <= at);
    if (ended.length) {
      this.active = this.active.filter((w) => w.until > at);
      for (const w of ended) said.push(`fault ends: ${w.kind}`);
      this.lastEnd = at;
      this.apply();
    }
    if (this.c.chance(1 / 100)) {
      const kind = this.c.weighted<Kind>({
        throttle: 3,
        "monitor-refused": 4,
        "start-refused": 2,
        "stop-refused": 2,
        "free-tier": 1,
        http5xx: 2,
        "slow-writes": 2,
      });
      said.push(this.open(kind, at));
    }
    return said;
  }

  /**
   * Before the step's runs: two times in three, a slow-writes window opens as rightsize's daily run
   * begins. Its resize's stop is the write a late copy hurts most (left stopped at its new type),
   * and a window drawn by the clock alone would meet its one run a day a few times a year.
   */
  beforeRuns(at: number, due: readonly string[]): string[] {
    return due.includes("rightsize") && this.c.chance(2 / 3) ? [this.open("slow-writes", at)] : [];
  }

  private open(kind: Kind, at: number): string {
    const w: Window = { kind, until: at + this.c.int(2, 12) * 5 * 60_000, rules: this.rulesFor(kind) };
    this.active.push(w);
    this.apply();
    return `fault begins: ${kind}${w.rules[0]?.code ? ` (${w.rules[0].code})` : ""}`;
  }

  /**
   * Runs the scheduled runs with slow-writes windows holding writes, then releases what is still
   * held and waits for it to land: a late copy lands in the phase that sent it, where its writes
   * are credited, after the runs that gave up on it returned.
   */
  async duringRuns<T>(runs: () => Promise<T>): Promise<T> {
    this.inRuns = true;
    try {
      return await runs();
    } finally {
      this.inRuns = false;
      if (this.thisPhase.length) {
        this.thisPhase = [];
        this.apply();
      }
      if (this.holding) {
        this.releasing = true;
        // A held request checks every 5 ms of real time (emulator/request-faults.ts) and is then
        // carried out at once: a timer set after the release, firing later than theirs, finds them landed.
        await new Promise((r) => setTimeout(r, 20));
        this.releasing = false;
        this.holding = 0;
      }
    }
  }

  /** The first write naming a machine in the window is held (its retry is not: the write lands, late or not). */
  private slowWrites(): FaultRule[] {
    const seen = new Set<string>();
    const first = (p: Record<string, unknown>) => {
      const ids = idsOf(p);
      if (!this.inRuns || !ids.length || ids.some((id) => seen.has(id))) return false;
      for (const id of ids) seen.add(id);
      this.holding++;
      this.heldTotal++;
      return true;
    };
    return HELD_ACTIONS.map((action) => ({
      action,
      kind: "slow",
      delayMs: HOLD_MS,
      match: first,
      until: () => this.releasing,
    }));
  }

  private rulesFor(kind: Kind): FaultRule[] {
    switch (kind) {
      case "throttle":
        return [{ action: "*", kind: "error", code: "RequestLimitExceeded", rate: 0.2 }];
      case "monitor-refused":
        return [
          {
            action: "GetMonitorData",
            kind: "error",
            code: this.c.pick(["LimitExceeded", "UnauthorizedOperation", "FailedOperation"]),
            rate: 0.5,
          },
        ];
      case "start-refused":
        return [
          { action: "StartInstances", kind: "error", code: "ResourceInsufficient.ZoneSoldOutForSpecifiedInstance" },
        ];
      case "stop-refused":
        return [{ action: "StopInstances", kind: "error", code: this.c.pick(["InternalError", "FailedOperation"]) }];
      case "http5xx":
        return [{ action: "*", kind: "http5xx", status: 503, rate: 0.1 }];
      case "slow-writes":
        return this.slowWrites();
      case "free-tier":
        return [];
    }
  }

  /** Rules for the coming runs alone (an owner acting as a run's request arrives), dropped after them. */
  private thisPhase: FaultRule[] = [];

  /** Adds rules that hold only for the runs of the coming phase. */
  forTheseRuns(rules: readonly FaultRule[]): void {
    this.thisPhase = [...rules];
    this.apply();
  }

  private apply(): void {
    this.emu.faults.clear();
    for (const w of this.active) this.emu.faults.add(...w.rules);
    this.emu.faults.add(...this.thisPhase);
    const spent = this.active.some((w) => w.kind === "free-tier");
    for (const a of this.emu.accounts.byUin.values()) a.state.monitorFreeCalls = spent ? 0 : FREE_CALLS;
  }

  /** Whether the next run crashes part way; if so, its connections drop after `after` calls until `recover` is called. */
  crash(): { after: number; recover: () => void } | undefined {
    if (!this.c.chance(1 / 300)) return undefined;
    const after = this.c.int(1, 12);
    const rule: FaultRule = { action: "*", kind: "drop", after };
    this.emu.faults.add(rule);
    return { after, recover: () => this.apply() };
  }
}
