/**
 * One request to the emulator, as a pipeline: parse (body size, inspection, COS), record,
 * authenticate, route (routes.ts), limits, faults (request-faults.ts), dispatch to the handler,
 * reply. A refusal at any step is the API's error reply, recorded with its code.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ACCOUNT_BUDGET, DEFAULT_RATE_LIMIT, RATE_LIMITS, type ServerLimiter } from "./limits.ts";
import { redact } from "../lib/log/redact.ts";
import { ApiFault } from "./api-fault.ts";
import { authenticate, type AuthenticatedRequest } from "./auth.ts";
import { camAllows, unauthorizedMessage } from "./cam.ts";
import { alterReply, type FaultInjector } from "./faults.ts";
import { isObjectRequest, type ObjectStorage, objectRequest } from "./handlers/cos.ts";
import type { AccountRegistry, EmuAccount } from "./accounts.ts";
import type { EmulatorState } from "./state.ts";
import type { CallRecord, EmulatorOptions } from "./options.ts";
import { route, type Services } from "./routes.ts";
import type { Handler } from "./handlers/context.ts";
import { applyFaults } from "./request-faults.ts";
import { replyBody } from "./reply.ts";

/** API 3.0 takes request bodies up to 10 MB (a function's base64 code upload is the largest we send). */
const MAX_BODY_BYTES = 10 << 20;

/** What every request reads and adds to: the emulator's world. */
export interface World {
  opts: EmulatorOptions;
  state: EmulatorState;
  accounts: AccountRegistry;
  services: Services;
  faults: FaultInjector;
  limiter: ServerLimiter;
  calls: CallRecord[];
  storage: ObjectStorage;
  now(): number;
  nextSeq(): number;
  admin(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const send = (res: ServerResponse, status: number, body: string | Buffer, type = "application/json") => {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
};

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

/** Parse: the body within its limit; the inspection endpoints and COS's object requests answered apart. */
export async function handleRequest(w: World, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  if (body === null) return send(res, 413, JSON.stringify({ error: "request body too large" }));
  if ((req.url ?? "").startsWith("/_emulator")) return w.admin(req, res, body);
  const requestId = randomUUID();
  if (isObjectRequest(req.url ?? "/")) {
    const r = await objectRequest(w.storage, req, body, (id) => w.accounts.lookup(id), w.now(), requestId);
    res.setHeader("x-cos-request-id", requestId);
    return send(res, r.status, r.body, r.type);
  }
  return apiCall(w, req, res, body, requestId);
}

/** An API 3.0 call: recorded, then the pipeline; any refusal becomes the API's error reply. */
async function apiCall(w: World, req: IncomingMessage, res: ServerResponse, body: Buffer, requestId: string) {
  const record: CallRecord = {
    seq: w.nextSeq(),
    time: w.now(),
    service: undefined,
    action: undefined,
    region: undefined,
    requestId,
    signMethod: undefined,
  };
  w.calls.push(record);
  const reply = async (fields: Record<string, unknown>) => {
    // Serialise first: the reply is a snapshot of the state when the request was handled.
    const body = replyBody(fields, requestId);
    w.opts.onReply?.(body);
    if (!w.opts.latencyMs) return send(res, 200, body);
    // Held as UTF-8 outside the JS heap through the latency: as a string, a 100-row page would
    // outlive young-generation collections and be copied by each (a fifth of a page's CPU).
    const bytes = Buffer.from(body);
    await sleep(w.opts.latencyMs);
    send(res, 200, bytes);
  };
  try {
    const { authed, account } = authenticateCall(w, req, body, record);
    const { service, handler } = route(w.services, authed, account.state.regions, record);
    checkCam(w, authed, service);
    checkLimits(w, account.uin, service, authed);
    const picked = w.faults.pick(authed.action, authed.region, authed.params, account.uin);
    const after = await applyFaults(
      picked,
      { req, res, requestId, ...authed, latencyMs: w.opts.latencyMs, send },
      account.state,
      record,
    );
    if (after === "answered") return;
    const fields = dispatch(w, handler, authed, account, requestId);
    for (const f of after) alterReply(fields, f);
    w.opts.afterRequest?.(record, account.state);
    await reply(fields);
  } catch (err) {
    const fault = err instanceof ApiFault ? err : new ApiFault("InternalError", "An internal error occurred.");
    if (!(err instanceof ApiFault)) console.error("emulator: unexpected error", err);
    record.code = fault.code;
    w.opts.afterRequest?.(record, w.state);
    if (!res.headersSent && !res.destroyed) await reply({ Error: { Code: fault.code, Message: fault.message } });
  }
}

/** Auth: the signature verified (auth.ts), and the caller's account noted on the record. */
function authenticateCall(w: World, req: IncomingMessage, body: Buffer, record: CallRecord) {
  const authed = authenticate(
    { method: req.method ?? "POST", url: req.url ?? "/", headers: req.headers, body },
    (id) => w.accounts.lookup(id),
    Math.floor(w.now() / 1000),
  );
  const account = w.accounts.byUin.get(w.accounts.lookup(authed.secretId)!.uin)!;
  record.account = account.uin;
  record.action = authed.action;
  record.region = authed.region;
  record.signMethod = authed.signMethod;
  record.params = redact(authed.params);
  return { authed, account };
}

/** CAM (cam.ts): a key carrying a policy (a sub-user's, an assumed role's) calls only what it allows. */
function checkCam(w: World, authed: AuthenticatedRequest, service: string): void {
  const policy = w.accounts.policyOf(authed.secretId);
  if (policy && !camAllows(policy, service, authed.action))
    throw new ApiFault("AuthFailure.UnauthorizedOperation", unauthorizedMessage(service, authed.action));
}

/** Limits: the documented per-action rate, per account, and (when asked) the account-wide CVM budget. */
function checkLimits(w: World, uin: string, service: string, authed: AuthenticatedRequest): void {
  const { limiter, opts } = w;
  const now = w.now();
  const limit = RATE_LIMITS[authed.action] ?? DEFAULT_RATE_LIMIT;
  // Limits are per account: ten accounts may each call at the full rate.
  if (
    opts.rateLimits !== false &&
    !limiter.admit(`${uin}/${service}/${authed.action}/${authed.region ?? ""}`, limit, now)
  )
    throw new ApiFault(
      "RequestLimitExceeded",
      `Your request frequency for ${authed.action} exceeds ${limit} per second.`,
    );
  if (!opts.accountBudget || service !== "cvm") return;
  const overall = limiter.admit(`${uin}/budget/cvm`, ACCOUNT_BUDGET.perMinute, now, 60_000);
  if (!overall || !limiter.admit(`${uin}/budget/cvm/${authed.action}`, ACCOUNT_BUDGET.perActionPerMinute, now, 60_000))
    throw new ApiFault(
      "RequestLimitExceeded",
      `The account's CVM budget is spent: at most ${ACCOUNT_BUDGET.perMinute} calls a minute, ${ACCOUNT_BUDGET.perActionPerMinute} per API.`,
    );
}

/** Dispatch: the handler, in the caller's account, with the SCF execution roles it may hand out. */
function dispatch(
  w: World,
  handler: Handler,
  authed: AuthenticatedRequest,
  account: EmuAccount,
  requestId: string,
): Record<string, unknown> {
  const roleCredentials = (role: string) => {
    if (!account.scfRoles?.has(role)) return undefined;
    const t = w.accounts.issue(account.uin, 3600, account.rolePolicies?.get(role));
    return { secretId: t.secretId, secretKey: t.secretKey, token: t.token };
  };
  return handler({
    state: account.state,
    region: authed.region ?? "",
    params: authed.params,
    account: account.uin,
    requestId,
    roleCredentials,
  });
}
