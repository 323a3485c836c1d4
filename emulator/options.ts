/** What an emulator is started with, and the record it keeps of every request to its API. */
import type { AcceptedCredentials } from "./auth.ts";
import type { AccountOptions } from "./accounts.ts";
import type { EmulatorState, Timings } from "./state.ts";

export interface EmulatorOptions {
  port?: number;
  host?: string;
  credentials?: AcceptedCredentials;
  regions?: string[];
  /** Generate a synthetic fleet of this many instances over `fleetRegions` (default: the first two regions). */
  instances?: number;
  fleetRegions?: string[];
  seed?: number;
  /** Enforce the documented per-action limits (default true). */
  rateLimits?: boolean;
  /** Also enforce the 2018 CVM API 3.0 reference's account-wide CVM budget: 1,000 calls a minute, 100 per API (default false). */
  accountBudget?: boolean;
  /** Added to every reply. */
  latencyMs?: number;
  /** Called with every API reply's body (JSON, one line) before it is sent: the benchmark times parsing them. */
  onReply?: (body: string) => void;
  timings?: Partial<Timings>;
  /** The emulator's clock (ms); defaults to Date.now. */
  now?: () => number;
  /** Roles that may be assumed in the default account (default: cvm-autopilot). */
  roles?: string[];
  /** Execution roles SCF may assume in the default account (default: cvm-autopilot-runner). */
  scfRoles?: string[];
  /** More accounts, each with its own key, fleet and roles; all are members of the default account's organization. */
  accounts?: AccountOptions[];
  /** Free GetMonitorData calls a month in every account (default 1,000,000, Cloud Monitor's free tier); past it, calls are refused. */
  monitorFreeCalls?: number;
  /** Called after every API request is handled: lets tests check an invariant at every step. */
  afterRequest?: (call: CallRecord, state: EmulatorState) => void;
}

export interface CallRecord {
  seq: number;
  /** The caller's account uin, once authenticated. */
  account?: string | undefined;
  time: number;
  service: string | undefined;
  action: string | undefined;
  region: string | undefined;
  requestId: string;
  signMethod: string | undefined;
  code?: string | undefined;
  fault?: string | undefined;
  params?: unknown;
}
