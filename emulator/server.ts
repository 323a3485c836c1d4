/**
 * The local Tencent Cloud emulator: a real HTTP server on loopback that verifies every
 * signature, enforces the documented per-action limits and error codes, moves resources
 * through their states, and injects faults on request. `/_emulator/*` is for inspection.
 */
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { ServerLimiter } from "./limits.ts";
import type { AcceptedCredentials } from "./auth.ts";
import { FaultInjector } from "./faults.ts";
import { inspection } from "./inspection.ts";
import { generateFleet } from "./fleet.ts";
import { ObjectStorage } from "./handlers/cos.ts";
import { buildAccounts, type AccountRegistry, type EmuAccount } from "./accounts.ts";
import { DEFAULT_REGIONS, EmulatorState } from "./state.ts";
import type { CallRecord, EmulatorOptions } from "./options.ts";
import { services } from "./routes.ts";
import { handleRequest, send, type World } from "./request.ts";

/** Credentials the emulator accepts when none are configured (shown in the README's `call` example). */
export { DEMO_UIN, type AccountOptions } from "./accounts.ts";
export type { CallRecord, EmulatorOptions } from "./options.ts";

export const DEMO_CREDENTIALS: AcceptedCredentials = {
  secretId: "AKIDautopilotDEMO0000000000000000000",
  secretKey: "autopilotDemoSecretKey0000000000",
};

export interface Emulator {
  url: string;
  port: number;
  state: EmulatorState;
  faults: FaultInjector;
  calls: CallRecord[];
  credentials: AcceptedCredentials;
  /** Every account the emulator serves, the default one first. */
  accounts: AccountRegistry;
  /** One account by uin (throws for an unknown one). */
  account(uin: string): EmuAccount;
  /** COS buckets (the S3 protocol, path-style on this address): tests create them and look inside. */
  storage: ObjectStorage;
  /** Moves the emulator clock forward (pending transitions settle accordingly). */
  advance(ms: number): void;
  /** How far `advance` has moved the clock (ms): a caller signing requests adds it to its own clock, or past 5 minutes its signatures expire. */
  advanced(): number;
  /** Calls that reached the API (not the inspection endpoints), optionally for one action. */
  callsFor(action?: string): CallRecord[];
  stop(): Promise<void>;
}

/** The world a new emulator starts with: its clock, state and fleet, accounts, faults and limits. */
function buildWorld(opts: EmulatorOptions, clock: { offset: number }): World & { credentials: AcceptedCredentials } {
  const baseNow = opts.now ?? Date.now;
  const now = () => baseNow() + clock.offset;
  const regions = opts.regions ?? DEFAULT_REGIONS;
  const state = new EmulatorState(regions, now, opts.seed ?? 1);
  if (opts.timings) state.timings = { ...state.timings, ...opts.timings };
  if (opts.instances) {
    generateFleet(state, {
      instances: opts.instances,
      regions: opts.fleetRegions ?? regions.slice(0, 2),
      seed: opts.seed ?? 1,
    });
  }
  const credentials = opts.credentials ?? DEMO_CREDENTIALS;
  const accounts = buildAccounts({ ...opts, credentials, seed: opts.seed ?? 1 }, state, regions, now);
  if (opts.monitorFreeCalls !== undefined)
    for (const a of accounts.byUin.values()) a.state.monitorFreeCalls = opts.monitorFreeCalls;
  const faults = new FaultInjector(opts.seed ?? 1);
  const calls: CallRecord[] = [];
  let seq = 0;
  const advance = (ms: number) => void (clock.offset += ms);
  return {
    opts,
    state,
    accounts,
    services: services(accounts),
    faults,
    limiter: new ServerLimiter(),
    calls,
    storage: new ObjectStorage(),
    now,
    nextSeq: () => ++seq,
    admin: inspection({ state, faults, calls, now, advance, send }),
    credentials,
  };
}

/** Starts an emulator; resolves once it listens. Port 0 picks a free port. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const clock = { offset: 0 };
  const w = buildWorld(opts, clock);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handleRequest(w, req, res).catch((err) => {
      console.error("emulator: request failed", err);
      if (!res.headersSent) send(res, 500, JSON.stringify({ error: "emulator failure" }));
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const { state, faults, calls, credentials, accounts, storage } = w;
  return {
    url: `http://${opts.host ?? "127.0.0.1"}:${port}`,
    port,
    state,
    faults,
    calls,
    credentials,
    accounts,
    storage,
    account: (uin) => {
      const a = accounts.byUin.get(uin);
      if (!a) throw new Error(`the emulator has no account ${uin}`);
      return a;
    },
    advance: (ms) => {
      clock.offset += ms;
    },
    advanced: () => clock.offset,
    callsFor: (action) => calls.filter((c) => !action || c.action === action),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
