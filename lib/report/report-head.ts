/** The common head of every report (a function's run, a coordinator's fan-out), and its error entries. */
import type { Trigger } from "./trigger.ts";

export interface ReportBase {
  function: string;
  runId: string;
  trigger: Trigger["source"];
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  regions: string[];
  errors: ErrorEntry[];
  /** What became of each NOTIFY_URLS message; absent when none was sent. */
  notifications?: Delivery[] | undefined;
}

export interface ErrorEntry {
  /** The account's uin, in a run over several accounts, and its name where known. */
  account?: string | undefined;
  accountName?: string | undefined;
  region?: string | undefined;
  id?: string | undefined;
  action?: string | undefined;
  code: string;
  message: string;
  requestId?: string | undefined;
}

/** What became of one chat destination's message(s) for a run. */
export interface Delivery {
  /** The service and host: never the URL, which carries a token. */
  to: string;
  ok: boolean;
  attempts: number;
  status?: number | undefined;
  error?: string | undefined;
  /** A run that needs several messages: how many reached the robot, of how many. */
  messages?: { sent: number; of: number } | undefined;
}
