/**
 * The world a simulation runs in, all in this process on 127.0.0.1:0: the emulator on the
 * simulated clock, the chat room, and `serve`'s HTTP server (its links), with the functions of the
 * registry loaded from one env and run through their entries, as the CLI, `serve` and the adapters
 * run them.
 */
import { startEmulator, type Emulator } from "../emulator/server.ts";
import { FUNCTIONS, REGISTRY } from "../functions/registry.ts";
import type { LoadedFunction } from "../lib/runtime/entry.ts";
import type { RunReport } from "../lib/report/report.ts";
import { createRunDeps } from "../lib/runtime/run-deps.ts";
import { startLocalServer, type LocalServer } from "../lib/host/local-server.ts";
import { createLogger } from "../lib/log/logger.ts";
import { startChat, type ChatRoom } from "./chat.ts";
import type { SimClock } from "./clock.ts";
import { functionEnv, REGIONS, type SimSettings } from "./options.ts";

export interface World {
  emu: Emulator;
  chat: ChatRoom;
  serve: LocalServer;
  env: Record<string, string>;
  /** Runs a function once through its entry at the step's instant; a throw is returned, not raised. */
  run(name: string, at: number, extraEnv?: Record<string, string>): Promise<{ report?: RunReport; thrown?: unknown }>;
  stop(): Promise<void>;
}

/** Logs go nowhere: the simulation judges the world, not what the code says of itself. */
const quiet = () => createLogger({ level: "error", sink: () => undefined });

export async function startWorld(clock: SimClock, settings: SimSettings, seed: number): Promise<World> {
  const emu = await startEmulator({
    seed,
    regions: [...REGIONS],
    now: () => clock.now(),
    // Throttling comes from the fault schedule, drawn from the seed, not from real time.
    rateLimits: false,
    timings: { stopMs: 0, startMs: 0, syncMs: 0, bindMs: 0, functionMs: 0 },
  });
  const chat = await startChat();
  const base = {
    emulatorUrl: emu.url,
    secretId: emu.credentials.secretId,
    secretKey: emu.credentials.secretKey,
    chatUrl: chat.url,
  };
  // serve's own settings need no link address: it is the address.
  const serve = await startLocalServer({
    functions: REGISTRY,
    env: functionEnv(settings, base),
    port: 0,
    logger: quiet(),
    say: () => undefined,
    schedules: false,
  });
  const env = functionEnv(settings, { ...base, linkUrl: serve.url });
  const loaded = new Map<string, LoadedFunction>();
  const load = (name: string, extra: Record<string, string>) => {
    const key = `${name} ${JSON.stringify(extra)}`;
    let f = loaded.get(key);
    if (!f) loaded.set(key, (f = FUNCTIONS[name]!.load({ ...env, ...extra })));
    return f;
  };
  return {
    emu,
    chat,
    serve,
    env,
    async run(name, at, extra = {}) {
      try {
        const fn = load(name, extra);
        const deps = createRunDeps(fn.config, {
          logger: quiet(),
          now: () => new Date(at),
          // A wait (a poll, a retry's backoff, the client's own rate limiter) moves the simulated clock.
          sleep: clock.sleep,
          client: {
            retry: { baseDelayMs: 50, maxDelayMs: 2000 },
            clock: { now: () => clock.now(), sleep: clock.sleep },
          },
        });
        return { report: await fn.run({ source: "timer" }, deps) };
      } catch (thrown) {
        return { thrown };
      }
    },
    async stop() {
      await serve.stop();
      await chat.stop();
      await emu.stop();
    },
  };
}
