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
  /** The monthly digest, when this was a timer run on the 1st (lib/host/monthly-digest.ts). */
  monthlyDigest?: MonthlyDigestRecord | undefined;
}

/** What a timer run on the 1st did about last month's digest. */
export interface MonthlyDigestRecord {
  /** The month the digest is about (UTC). */
  month: string;
  status: "sent" | "not delivered" | "already sent" | "being sent by another run" | "dry run: not sent" | "store error";
  realised?: number | undefined;
  currency?: string | undefined;
  /** Whether the message carried the dashboard's link. */
  dashboardLink?: boolean | undefined;
  deliveries?: Delivery[] | undefined;
  error?: string | undefined;
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
