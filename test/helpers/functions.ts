/** Running a function end to end against an emulator, with its log captured. */
import type { Emulator } from "../../emulator/server.ts";
import { memoryLogger } from "../../lib/log/logger.ts";
import { createRunDeps } from "../../lib/runtime/run-deps.ts";
import type { Trigger } from "../../lib/report/trigger.ts";
import { FUNCTIONS } from "../../functions/registry.ts";
import type { Clock } from "../../lib/tencent/rate-limiter.ts";
import { emulatorClock } from "./world.ts";
import { camPolicyFor } from "../../lib/deploy/cam-policy.ts";
import type { HistorySink } from "../../lib/history/recorder.ts";

export function envFor(emu: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
    TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
    TENCENTCLOUD_REGION: "ap-guangzhou",
    CVM_AUTOPILOT_ENDPOINT: emu.url,
    CVM_AUTOPILOT_MAX_ATTEMPTS: "6",
    // These tests mean to act on the emulator: unset, DRY_RUN is a dry run.
    DRY_RUN: "false",
    ...extra,
  };
}

export async function runFunction<R>(
  name: string,
  emu: Emulator,
  extra: Record<string, string> = {},
  trigger: Partial<Trigger> = {},
  opts: { now?: () => Date; clock?: Clock; history?: HistorySink } = {},
) {
  const fn = FUNCTIONS[name]!;
  // The run signs as a CAM sub-user holding only its function's policy, so the emulator refuses
  // (AuthFailure.UnauthorizedOperation) any action the function did not declare, as CAM would.
  const user = emu.accounts.addUser(emu.accounts.management.uin, camPolicyFor(fn));
  const keys = { TENCENTCLOUD_SECRET_ID: user.secretId, TENCENTCLOUD_SECRET_KEY: user.secretKey };
  const loaded = fn.load(envFor(emu, { ...keys, ...extra }));
  const config = loaded.config;
  const log = memoryLogger();
  // Waiting moves the emulator's clock, so polls for asynchronous operations cost no real time;
  // the client's clock moves with it, so its signatures stay within the API's 5 minutes.
  const sleep = async (ms: number) => emu.advance(ms);
  const clock = opts.clock ?? emulatorClock(emu);
  // Fast retries: the backoff itself is tested in the client suite.
  const deps = createRunDeps(config, {
    logger: log,
    sleep,
    client: { retry: { baseDelayMs: 5, maxDelayMs: 50 }, clock },
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.history ? { history: opts.history } : {}),
  });
  const from = emu.calls.length;
  const report = (await loaded.run({ source: "test", ...trigger }, deps)) as R;
  // Every action the run sent is one its own CAM policy allows (derived from FunctionSpec.calls).
  const allowed = new Set(camPolicyFor(fn).statement[0]!.action.map((a) => a.split(":")[1]));
  // A request refused before its action was read (a bad signature) names none.
  const sent = emu.calls.slice(from).flatMap((c) => (c.action ? [c.action] : []));
  const undeclared = [...new Set(sent)].filter((a) => !allowed.has(a));
  if (undeclared.length) throw new Error(`${name} called ${undeclared.join(", ")}, which its calls do not declare`);
  return { report, log, client: deps.client };
}

/** RequestIds the function logged for successful API calls. */
export const loggedRequestIds = (log: ReturnType<typeof memoryLogger>) =>
  log
    .records()
    .filter((r) => r.msg === "api call")
    .map((r) => r.requestId as string);
