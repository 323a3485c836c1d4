/**
 * What the simulation saw, kept from outside the code under test: every machine's running periods
 * (from the emulator's state), what each function announced (its reports), what people were
 * promised (the pages they were shown, the tags they wrote), and a trace of events per machine
 * for the report of a violation.
 */
import { dateAt } from "./clock.ts";

export interface Violation {
  invariant: string;
  at: number;
  machine?: string | undefined;
  detail: string;
}

export interface MachineRecord {
  events: string[];
  running: boolean;
  /** Counts running periods: a start begins a new one, a stop ends it. */
  period: number;
  periodSince: number;
  /** Warnings each function announced: when, and in which running period. */
  announced: Map<string, Array<{ at: number; period: number }>>;
  /** "Keeps running until" promises, and who made them. */
  promises: Array<{ until: number; by: string }>;
  /** The running period an owner confirmed "stop now" for, from a link of a warning of that period. */
  confirmedStop?: number | undefined;
  /** Who last changed the machine's state, and when. */
  lastTouch: { by: string; at: number };
  /** Consecutive auto-stop runs it was a candidate and got no metric query. */
  unqueriedRuns: number;
  /** The type the last ResetInstancesType that landed for it asked for. */
  resetTo?: string | undefined;
}

/** Beijing time, to the minute: how the owners read the clock. */
export const stamp = (ms: number) =>
  `${dateAt(ms + 8 * 3600_000)
    .toISOString()
    .slice(5, 16)
    .replace("T", " ")}+08`;

export class Journal {
  readonly machines = new Map<string, MachineRecord>();
  readonly violations: Violation[] = [];

  constructor(private readonly t0: number) {}

  add(id: string, running: boolean): void {
    this.machines.set(id, {
      events: [`${stamp(this.t0)} ${running ? "running" : "stopped"} at the start`],
      running,
      period: running ? 1 : 0,
      periodSince: this.t0,
      announced: new Map(),
      promises: [],
      lastTouch: { by: "start", at: this.t0 },
      unqueriedRuns: 0,
    });
  }

  get(id: string): MachineRecord | undefined {
    return this.machines.get(id);
  }

  event(id: string, at: number, what: string): void {
    this.machines.get(id)?.events.push(`${stamp(at)} ${what}`);
  }

  /** A state the world shows now; a change begins or ends a running period, credited to `by`. */
  observe(id: string, running: boolean, at: number, by: string): void {
    const m = this.machines.get(id);
    if (!m || m.running === running) return;
    m.running = running;
    m.lastTouch = { by, at };
    if (running) {
      m.period++;
      m.periodSince = at;
    }
    this.event(id, at, `${running ? "started" : "stopped"} by ${by}${running ? ` (running period ${m.period})` : ""}`);
  }

  announce(fn: string, id: string, at: number, what: string): void {
    const m = this.machines.get(id);
    if (!m) return;
    const list = m.announced.get(fn) ?? [];
    list.push({ at, period: m.period });
    m.announced.set(fn, list);
    this.event(id, at, `${fn} announced: ${what}`);
  }

  promise(id: string, until: number, by: string): void {
    this.machines.get(id)?.promises.push({ until, by });
  }

  violate(v: Violation): void {
    this.violations.push(v);
    if (v.machine) this.event(v.machine, v.at, `VIOLATION ${v.invariant}: ${v.detail}`);
  }

  /** The machine's trace up to its first violation of `invariant`. */
  trace(v: Violation): string[] {
    const m = v.machine ? this.machines.get(v.machine) : undefined;
    if (!m) return [];
    const end = m.events.findIndex((e) => e.includes(`VIOLATION ${v.invariant}:`));
    return end < 0 ? m.events : m.events.slice(0, end + 1);
  }
}
