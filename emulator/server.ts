/**
 * The local Tencent Cloud emulator: a real HTTP server on loopback that verifies every
 * signature, enforces the documented per-action limits and error codes, moves resources
 * through their states, and injects faults on request. `/_emulator/*` is for inspection.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { ACCOUNT_BUDGET, DEFAULT_RATE_LIMIT, RATE_LIMITS, ServerLimiter, VERSIONS } from "./limits.ts";
import { redact } from "../lib/log/redact.ts";
import { ApiFault } from "./api-fault.ts";
import { authenticate, type AcceptedCredentials } from "./auth.ts";
import { alterReply, FaultInjector, type FaultRule } from "./faults.ts";
import { inspection } from "./inspection.ts";
import { generateFleet } from "./fleet.ts";
import { imageHandlers } from "./handlers/images.ts";
import { instanceHandlers } from "./handlers/instances.ts";
import { keyHandlers } from "./handlers/keys.ts";
import { monitorHandlers } from "./handlers/monitor.ts";
import { alarmHandlers } from "./handlers/alarms.ts";
import { priceHandlers } from "./handlers/prices.ts";
import { chargeAndTypeHandlers } from "./handlers/charge-and-type.ts";
import { regionApiHandlers, regionHandlers } from "./handlers/regions.ts";
import { ssmHandlers } from "./handlers/ssm.ts";
import { scfHandlers } from "./handlers/scf.ts";
import { tagHandlers } from "./handlers/tags.ts";
import { isObjectRequest, ObjectStorage, objectRequest } from "./handlers/cos.ts";
import type { Handler } from "./handlers/context.ts";
import { camHandlers, organizationHandlers, stsHandlers } from "./handlers/identity.ts";
import { buildAccounts, type AccountOptions, type AccountRegistry, type EmuAccount } from "./accounts.ts";
import { DEFAULT_REGIONS, EmulatorState, type Timings } from "./state.ts";

/** Credentials the emulator accepts when none are configured (shown in the README's `call` example). */
export { DEMO_UIN, type AccountOptions } from "./accounts.ts";

export const DEMO_CREDENTIALS: AcceptedCredentials = {
  secretId: "AKIDautopilotDEMO0000000000000000000",
  secretKey: "autopilotDemoSecretKey0000000000",
};

const services = (accounts: AccountRegistry): Record<string, Record<string, Handler>> => ({
  cvm: {
    ...regionHandlers,
    ...instanceHandlers,
    ...imageHandlers,
    ...keyHandlers,
    ...priceHandlers,
    ...chargeAndTypeHandlers,
  },
  monitor: { ...monitorHandlers, ...alarmHandlers },
  ssm: ssmHandlers,
  scf: scfHandlers,
  sts: stsHandlers(accounts),
  organization: organizationHandlers(accounts),
  cam: camHandlers(accounts),
  tag: tagHandlers,
  region: regionApiHandlers,
});
// Organization and Tag are global services: their APIs take no Region.
const REGIONLESS = new Set(["DescribeRegions", "DescribeOrganizationMembers", "TagResources", "UnTagResources"]);

/** API 3.0 takes request bodies up to 10 MB (a function's base64 code upload is the largest we send). */
const MAX_BODY_BYTES = 10 << 20;

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
  /** Calls that reached the API (not the inspection endpoints), optionally for one action. */
  callsFor(action?: string): CallRecord[];
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) resolve(null);
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Starts an emulator; resolves once it listens. Port 0 picks a free port. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  let offset = 0;
  const baseNow = opts.now ?? Date.now;
  const now = () => baseNow() + offset;
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
  const SERVICES = services(accounts);
  const faults = new FaultInjector(opts.seed ?? 1);
  const limiter = new ServerLimiter();
  const calls: CallRecord[] = [];
  const storage = new ObjectStorage();
  const sockets = new Set<Socket>();
  let seq = 0;

  const send = (res: ServerResponse, status: number, body: string, type = "application/json") => {
    res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  };

  const admin = inspection({ state, faults, calls, now, advance: (ms) => void (offset += ms), send });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    if (body === null) return send(res, 413, JSON.stringify({ error: "request body too large" }));
    if ((req.url ?? "").startsWith("/_emulator")) return admin(req, res, body);
    const requestId = randomUUID();
    if (isObjectRequest(req.url ?? "/")) {
      const r = await objectRequest(storage, req, body, (id) => accounts.lookup(id), now(), requestId);
      res.setHeader("x-cos-request-id", requestId);
      return send(res, r.status, r.body, r.type);
    }
    const record: CallRecord = {
      seq: ++seq,
      time: now(),
      service: undefined,
      action: undefined,
      region: undefined,
      requestId,
      signMethod: undefined,
    };
    calls.push(record);
    const reply = async (fields: Record<string, unknown>) => {
      // Serialise first: the reply is a snapshot of the state when the request was handled.
      const body = JSON.stringify({ Response: { ...fields, RequestId: requestId } });
      if (opts.latencyMs) await sleep(opts.latencyMs);
      send(res, 200, body);
    };
    try {
      const authed = authenticate(
        { method: req.method ?? "POST", url: req.url ?? "/", headers: req.headers, body },
        (id) => accounts.lookup(id),
        Math.floor(now() / 1000),
      );
      const account = accounts.byUin.get(accounts.lookup(authed.secretId)!.uin)!;
      const acctState = account.state;
      record.account = account.uin;
      record.action = authed.action;
      record.region = authed.region;
      record.signMethod = authed.signMethod;
      record.params = redact(authed.params);
      const known = authed.scopeService && SERVICES[authed.scopeService] ? authed.scopeService : undefined;
      // Without a TC3 scope (legacy signatures) an action two services share (DescribeRegions:
      // cvm and region) is routed by the version the request names.
      const having = Object.keys(SERVICES).filter((s) => SERVICES[s]![authed.action]);
      const service = known ?? having.find((s) => VERSIONS[s] === authed.version) ?? having[0];
      const handler = service ? SERVICES[service]![authed.action] : undefined;
      record.service = service;
      if (!service || !handler)
        throw new ApiFault(
          "InvalidAction",
          `The action \`${authed.action}\` does not exist${known ? ` in ${known}` : ""}.`,
        );
      const version = VERSIONS[service];
      if (authed.version !== version)
        throw new ApiFault(
          "NoSuchVersion",
          `The API version \`${authed.version}\` does not exist for ${service}; use ${version}.`,
        );
      if (!authed.region && !REGIONLESS.has(authed.action))
        throw new ApiFault("MissingParameter", "The request is missing a required parameter `Region`.");
      if (authed.region && !acctState.regions.includes(authed.region))
        throw new ApiFault("UnsupportedRegion", `The region \`${authed.region}\` is not supported.`);
      const limit = RATE_LIMITS[authed.action] ?? DEFAULT_RATE_LIMIT;
      // Limits are per account: ten accounts may each call at the full rate.
      if (
        opts.rateLimits !== false &&
        !limiter.admit(`${account.uin}/${service}/${authed.action}/${authed.region ?? ""}`, limit, now())
      ) {
        throw new ApiFault(
          "RequestLimitExceeded",
          `Your request frequency for ${authed.action} exceeds ${limit} per second.`,
        );
      }
      if (opts.accountBudget && service === "cvm") {
        const overall = limiter.admit(`${account.uin}/budget/cvm`, ACCOUNT_BUDGET.perMinute, now(), 60_000);
        if (
          !overall ||
          !limiter.admit(`${account.uin}/budget/cvm/${authed.action}`, ACCOUNT_BUDGET.perActionPerMinute, now(), 60_000)
        ) {
          throw new ApiFault(
            "RequestLimitExceeded",
            `The account's CVM budget is spent: at most ${ACCOUNT_BUDGET.perMinute} calls a minute, ${ACCOUNT_BUDGET.perActionPerMinute} per API.`,
          );
        }
      }
      const after: FaultRule[] = [];
      for (const f of faults.pick(authed.action, authed.region, authed.params, account.uin)) {
        record.fault = f.kind;
        switch (f.kind) {
          case "shiftListing":
            acctState.shiftListing(authed.action, authed.region ?? "", f.shift ?? "remove");
            break;
          case "omit":
          case "dropPoints":
            after.push(f);
            break;
          case "drop":
            req.socket.destroy();
            return;
          case "http5xx":
            if (opts.latencyMs) await sleep(opts.latencyMs);
            if (f.retryAfter !== undefined) res.setHeader("Retry-After", f.retryAfter);
            return send(
              res,
              f.status ?? 503,
              f.status === 429 ? "Too Many Requests" : "Service Unavailable",
              "text/plain",
            );
          case "nonJson":
            return send(res, 200, "<html><body>502 Bad Gateway</body></html>", "text/html");
          case "truncate":
            return send(res, 200, `{"Response":{"RequestId":"${requestId}","Inst`);
          case "body":
            return send(res, f.status ?? 200, f.body ?? "");
          case "slow": {
            const deadline = Date.now() + (f.delayMs ?? 2000);
            if (!f.until) await sleep(f.delayMs ?? 2000);
            else while (!f.until() && Date.now() < deadline) await sleep(5);
            break;
          }
          case "error":
            throw new ApiFault(f.code ?? "InternalError", f.message ?? "Injected fault.");
          case "stateChange": {
            const id = Array.isArray(authed.params.InstanceIds) ? String(authed.params.InstanceIds[0]) : undefined;
            const inst = id ? acctState.instances.get(id) : undefined;
            if (inst) {
              inst.InstanceState = f.toState ?? "STOPPED";
              inst.transition = undefined;
            }
            break;
          }
        }
      }
      const roleCredentials = (role: string) => {
        if (!account.scfRoles?.has(role)) return undefined;
        const t = accounts.issue(account.uin, 3600);
        return { secretId: t.secretId, secretKey: t.secretKey, token: t.token };
      };
      const fields = handler({
        state: acctState,
        region: authed.region ?? "",
        params: authed.params,
        account: account.uin,
        requestId,
        roleCredentials,
      });
      for (const f of after) alterReply(fields, f);
      opts.afterRequest?.(record, acctState);
      await reply(fields);
    } catch (err) {
      const fault = err instanceof ApiFault ? err : new ApiFault("InternalError", "An internal error occurred.");
      if (!(err instanceof ApiFault)) console.error("emulator: unexpected error", err);
      record.code = fault.code;
      opts.afterRequest?.(record, state);
      if (!res.headersSent && !res.destroyed) await reply({ Error: { Code: fault.code, Message: fault.message } });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
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
      offset += ms;
    },
    callsFor: (action) => calls.filter((c) => !action || c.action === action),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
