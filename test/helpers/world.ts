/** Test set-up: a real emulator on 127.0.0.1:0 and a client pointed at it. */
import { afterEach } from "vitest";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../emulator/server.ts";
import { TencentCloudClient, type ClientOptions } from "../../lib/tencent/client.ts";
import { systemClock, type Clock } from "../../lib/tencent/rate-limiter.ts";
import { memoryLogger } from "../../lib/log/logger.ts";
import { recorded, recording } from "./recorder.ts";
import { REGISTRY } from "../../functions/registry.ts";
import { roleFor } from "../../lib/deploy/scf-role.ts";

/** The execution roles a deploy with the default SCF_ROLE needs: one per function (and the prefix itself, for stubs). */
export const SCF_ROLES = ["cvm-autopilot-runner", ...REGISTRY.map((f) => roleFor("cvm-autopilot-runner", f.name))];

const running: Emulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
  // Every request the test sent must conform to the official model of its action.
  const wrong = [...new Set(recorded.splice(0))];
  if (wrong.length) throw new Error(`requests the official models reject:\n  ${wrong.join("\n  ")}`);
});

/**
 * Starts an emulator that is stopped after the current test, with the request recorder on.
 * Rate limits off unless asked for.
 */
export async function emulator(opts: EmulatorOptions & { modelCheck?: boolean } = {}): Promise<Emulator> {
  // modelCheck: false only for a test that sends what the model rejects on purpose, to see the emulator refuse it.
  const { modelCheck = true, ...rest } = opts;
  const afterRequest = modelCheck ? recording(rest.afterRequest) : rest.afterRequest;
  const emu = await startEmulator({
    rateLimits: false,
    scfRoles: SCF_ROLES,
    timings: { stopMs: 0, startMs: 0, syncMs: 0, bindMs: 0, functionMs: 0 },
    ...rest,
    afterRequest,
  });
  running.push(emu);
  return emu;
}

/**
 * A client's clock that moves with the emulator's `advance`, so that a test waiting by moving the
 * emulator's clock past 5 minutes still signs requests the emulator accepts.
 */
export const emulatorClock = (emu: Emulator): Clock => ({
  now: () => Date.now() + emu.advanced(),
  sleep: systemClock.sleep,
});

/** A client for an emulator, logging to memory, with fast retries. */
export function clientFor(emu: Emulator, opts: Partial<ClientOptions> = {}) {
  const log = memoryLogger();
  const client = new TencentCloudClient({
    credentials: emu.credentials,
    endpoint: emu.url,
    logger: log,
    retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 4, maxTotalMs: 5000 },
    ...opts,
  });
  return { client, log };
}
