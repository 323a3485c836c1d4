/**
 * The invariants, each named, judged from what the simulation saw of the world: the emulator's
 * state and calls, the reports and messages, the pages people were shown. Never from what the
 * code under test says it decided, except its announcements, which are what people were told.
 */
import type { RunReport } from "../lib/report/report.ts";
import { officeWants } from "./fleet.ts";
import { type Journal, stamp } from "./journal.ts";
import type { SimSettings } from "./options.ts";

export const INVARIANTS = {
  "warned-before-stop":
    "no stop without this function's own announced warning, in the current running period, at least WARN minutes earlier",
  "kept-while-promised": "no stop of a snoozed machine, or one a link promised to keep, before that time",
  "stop-now-only-its-period":
    "a stop-now link acts only for its owner's confirmation, in the running period it was issued for",
  "page-tells-truth": "a page says only what is true: a machine it says keeps running is running, until a time to come",
  "get-changes-nothing": "a GET of a link (a chat previewer's) changes nothing",
  "dry-run-acts-not": "a dry run writes nothing and hands out nothing that acts",
  "office-hours-no-start-off-hours": "office-hours never starts a machine on a day off or outside its hours",
  "office-hours-lands": "a failed office-hours start or stop is retried until it lands",
  "no-crash": "no run ends in a crash: every failure is an error in the report (no unhandled rejection, no thrown run)",
  "guard-holds": "the blast-radius guard's limits hold in every run",
  "runs-report-their-writes": "every stop the cloud saw is one a run reported",
  "metric-budget-rotation": "under a metric budget, every candidate is checked within ⌈candidates ÷ admitted⌉ runs",
  "alarm-retry-heard":
    "every machine an alarm callback names is checked, refused callbacks through Cloud Monitor's retries",
  "keys-always-work": "key rotation never leaves an instance without a working key",
  "image-sync-within-quota": "image-sync never exceeds the image quota or deletes a source image",
  "resize-leaves-running":
    "a machine rightsize reports resized is running at the type its ResetInstancesType asked for once the run's requests, late copies included, have landed, unless another function's reported stop explains it",
} as const;
export type InvariantName = keyof typeof INVARIANTS;

const MIN = 60_000;
/** Warning functions and their settings. */
const WARNS = { "auto-stop-idle": "autoStopWarn", "office-hours": "officeWarn" } as const;

export class Judge {
  constructor(
    private readonly j: Journal,
    private readonly s: SimSettings,
  ) {}

  private fail(invariant: InvariantName, at: number, machine: string | undefined, detail: string): void {
    this.j.violate({ invariant, at, machine, detail });
  }

  /** A stop a scheduled run made. */
  stopByRun(fn: string, id: string, at: number): void {
    const m = this.j.get(id);
    if (!m) return;
    const key = WARNS[fn as keyof typeof WARNS];
    if (key) {
      const warn = this.s[key];
      const ok = (m.announced.get(fn) ?? []).some((a) => a.period === m.period && a.at + warn * MIN <= at);
      if (!ok) {
        const said = (m.announced.get(fn) ?? []).slice(-1)[0];
        this.fail(
          "warned-before-stop",
          at,
          id,
          `${fn} stopped it in running period ${m.period} (since ${stamp(m.periodSince)}) with no warning of its own announced in that period at least ${warn} min earlier${said ? ` (its last: ${stamp(said.at)}, period ${said.period})` : " (it never announced one)"}`,
        );
      }
    }
    this.promised(id, at, fn);
  }

  /** A stop rightsize's resize carried out (its report names the machine; the stop is judged only against promises). */
  stopByResize(id: string, at: number): void {
    this.promised(id, at, "rightsize's resize");
  }

  private promised(id: string, at: number, by: string): void {
    const p = this.j.get(id)?.promises.find((x) => x.until > at);
    if (p)
      this.fail(
        "kept-while-promised",
        at,
        id,
        `${by} stopped it; ${p.by} promised it keeps running until ${stamp(p.until)}`,
      );
  }

  /** A stop that happened while a link was followed. */
  stopByLink(
    id: string,
    at: number,
    f: { who: "owner" | "previewer"; kind: string; issuedIn?: number; fromDryRun: boolean },
  ): void {
    const m = this.j.get(id);
    if (!m) return;
    if (f.who === "previewer") return; // judged as a write by get-changes-nothing
    if (f.fromDryRun) this.fail("dry-run-acts-not", at, id, `a link from a dry run's message stopped it (${f.kind})`);
    else if (f.kind !== "stop" || f.issuedIn !== m.period)
      this.fail(
        "stop-now-only-its-period",
        at,
        id,
        `a ${f.kind} link issued in running period ${f.issuedIn} stopped it in period ${m.period}`,
      );
    else m.confirmedStop = m.period;
  }

  /** A start office-hours made. */
  startByRun(fn: string, id: string, at: number): void {
    if (fn === "office-hours" && !officeWants(at))
      this.fail(
        "office-hours-no-start-off-hours",
        at,
        id,
        `office-hours started it at ${stamp(at)}, outside its hours`,
      );
  }

  /** What a page said, against the machine's state now. Returns the promise it made, if any. */
  page(id: string, at: number, text: string, until: number | undefined, running: boolean, who: string): void {
    if (until === undefined) return;
    if (until <= at || !running)
      this.fail(
        "page-tells-truth",
        at,
        id,
        `the page shown to ${who} says "keeps running until ${stamp(until)}" at ${stamp(at)} while it is ${running ? "running" : "not running"}: "${text.slice(0, 160)}"`,
      );
    else this.j.promise(id, until, `the page shown to ${who}`);
  }

  /** Writes that happened while only links were fetched by previewers. */
  previewWrote(at: number, id: string | undefined, action: string, url: string): void {
    this.fail(
      "get-changes-nothing",
      at,
      id,
      `a previewer's GET of ${url.replace(/sig=[^&]+/, "sig=…")} led to ${action}`,
    );
  }

  dryRunWrote(at: number, id: string | undefined, action: string): void {
    this.fail("dry-run-acts-not", at, id, `a dry run of auto-stop-idle called ${action}`);
  }

  ran(fn: string, at: number, r: { report?: RunReport; thrown?: unknown }): void {
    if (r.thrown !== undefined)
      this.fail("no-crash", at, undefined, `${fn} threw: ${(r.thrown as Error)?.message ?? String(r.thrown)}`);
  }

  unhandled(at: number, reason: unknown): void {
    this.fail("no-crash", at, undefined, `unhandled rejection: ${(reason as Error)?.message ?? String(reason)}`);
  }

  /**
   * The guard: a run of auto-stop stops (rightsize resizes) at most its MAX_COUNT and at most
   * MAX_FRACTION of the machines; a tripped guard writes nothing.
   */
  guard(fn: string, at: number, acts: number, machines: number, report: RunReport | undefined, wrote: number): void {
    const max = fn === "auto-stop-idle" ? this.s.maxCount : fn === "rightsize" ? this.s.rightsizeMaxCount : undefined;
    if (max === undefined) return;
    const limit = Math.min(max, Math.floor(this.s.maxFraction * machines));
    if (acts > limit)
      this.fail(
        "guard-holds",
        at,
        undefined,
        `${fn} ${fn === "rightsize" ? "resized" : "stopped"} ${acts} machines in one run; the limit is ${limit}`,
      );
    if (report?.guard?.tripped && wrote)
      this.fail("guard-holds", at, undefined, `${fn}'s guard tripped, yet it wrote ${wrote} time(s)`);
  }

  unreported(fn: string, at: number, id: string): void {
    this.fail(
      "runs-report-their-writes",
      at,
      id,
      `the cloud saw a stop of it during ${fn}'s run, which no report lists as done`,
    );
  }

  private landed = new Set<string>();

  /**
   * After each step: an office machine nobody else touched since the schedule's last edge is as
   * scheduled once a start or stop has had time to land — its warning, and retries past the last
   * fault window or the end of a snooze (`since`, per machine).
   */
  converged(
    at: number,
    edge: number,
    machines: Iterable<{ id: string; running: boolean; eligible: boolean; since: number }>,
  ): void {
    const wanted = officeWants(at);
    for (const x of machines) {
      const m = this.j.get(x.id);
      if (!m || !x.eligible || x.running === wanted || at < x.since + (this.s.officeWarn + 20) * MIN) continue;
      if (m.lastTouch.at > edge && m.lastTouch.by !== "office-hours") continue;
      // One violation per machine and edge: the state it is stuck in says the rest.
      const key = `${x.id}@${edge}`;
      if (this.landed.has(key)) continue;
      this.landed.add(key);
      this.fail(
        "office-hours-lands",
        at,
        x.id,
        `the schedule wants it ${wanted ? "running" : "stopped"} since ${stamp(edge)}, and it is still ${x.running ? "running" : "stopped"} at ${stamp(at)} (its start or stop could land from ${stamp(x.since)})`,
      );
    }
  }

  rotation(at: number, id: string, runs: number, bound: number): void {
    this.fail(
      "metric-budget-rotation",
      at,
      id,
      `a candidate for ${runs} runs in a row with no metric query; a rotation covers all in ${bound}`,
    );
  }

  other(invariant: InvariantName, at: number, id: string | undefined, detail: string): void {
    this.fail(invariant, at, id, detail);
  }
}
