/**
 * The fault schedule, drawn from the seed: windows of throttling, refused calls that are not
 * retried, the free tier of GetMonitorData running out, HTTP 5xx; and now and then a run that
 * crashes part way (its connections dropped after a few calls: what it wrote stays written, the
 * rest never happens). Applied through the emulator's fault injector (emulator/faults.ts).
 */
import type { Emulator } from "../emulator/server.ts";
import type { FaultRule } from "../emulator/faults.ts";
import type { Chance } from "./random.ts";

type Kind = "throttle" | "monitor-refused" | "start-refused" | "stop-refused" | "free-tier" | "http5xx";

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
      });
      const w: Window = { kind, until: at + this.c.int(2, 12) * 5 * 60_000, rules: this.rulesFor(kind) };
      this.active.push(w);
      said.push(`fault begins: ${kind}${w.rules[0]?.code ? ` (${w.rules[0].code})` : ""}`);
      this.apply();
    }
    return said;
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
      case "free-tier":
        return [];
    }
  }

  private apply(): void {
    this.emu.faults.clear();
    for (const w of this.active) this.emu.faults.add(...w.rules);
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
