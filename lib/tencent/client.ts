/**
 * One generic Tencent Cloud API client: sign, send, parse, classify, retry, rate-limit, log.
 * Typed service methods (services.ts, generated from the action table in actions.ts) are thin layers over `call`.
 */
import { randomInt, randomUUID } from "node:crypto";
import { actionSpec, DEFAULT_RATE_LIMIT, SERVICE_VERSIONS } from "./actions.ts";
import { resolveEndpoint } from "./endpoints.ts";
import {
  CLIENT_CODES,
  fateUnknown,
  isRetryable,
  isThrottling,
  parseRetryAfter,
  TencentCloudApiError,
} from "./errors.ts";
import { readReply, type ApiResponse, type Fail } from "./reply.ts";
import { LimiterRegistry, systemClock, type Clock } from "./rate-limiter.ts";
import { backoffDelay, DEFAULT_RETRY, type RetryPolicy } from "./retry.ts";
import { flattenParams, legacyStringToSign, signLegacy, signTc3, type Credentials, type SignMethod } from "./signer.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { defaultTransport, TransportError, type HttpReply, type Transport } from "./transport.ts";
import { registerSecret } from "../log/redact.ts";

/**
 * Credentials that change while a run goes on: an assumed role's, refreshed before they expire.
 * `invalidate` is called when the API says the token is no longer good (a clock
 * apart from the cloud's, a role revoked), so the next `get` assumes again.
 */
export interface CredentialSource {
  get(): Promise<Credentials>;
  invalidate(): void;
}

/** What the API answers for temporary credentials past their expiry (the 2018 CVM API 3.0 reference's common codes). */
const EXPIRED_CREDENTIAL_CODES = new Set(["AuthFailure.TokenFailure", "AuthFailure.SecretIdNotFound"]);

export interface ClientOptions {
  /** Fixed credentials; with `credentialSource` set, only a placeholder for the source's. */
  credentials: Credentials;
  /** Where temporary credentials come from, re-read on every call. */
  credentialSource?: CredentialSource | undefined;
  /** CVM_AUTOPILOT_ENDPOINT: one base URL for every service (the emulator, a proxy). */
  endpoint?: string | undefined;
  /** The site whose hosts are used when no endpoint is set: China's (default) or the international one's. */
  site?: "china" | "intl" | undefined;
  signMethod?: SignMethod;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Client-side per-action limits; on by default. */
  rateLimit?: boolean;
  /**
   * The seed's account-wide CVM budget: "Total 1,000 times per minute (100 times/min for a single
   * API)". Off by default: the current API documents per-second limits per action instead.
   */
  accountBudget?: boolean;
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
  transport?: Transport;
}

export interface CallOptions {
  region?: string | undefined;
  version?: string;
  /** Error codes the caller expects and handles (a not-found while planning): logged at debug, not as a failure. */
  expected?: ReadonlySet<string> | undefined;
  /**
   * Sent again only when the server refused it for the rate (isThrottling). After a timeout, a
   * dropped connection or a server fault its fate is unknown, and a second copy could be carried
   * out after the caller's next step (a stop held by the network landing after the start that
   * follows it): the caller is told, and learns the fate from the resource itself.
   */
  atMostOnce?: boolean | undefined;
}

export interface ClientStats {
  calls: number;
  attempts: number;
  retries: number;
  throttled: number;
  failures: number;
  byAction: Record<string, number>;
}

/** The 2018 CVM API 3.0 reference, "Usage restrictions": CVM API calls per account per minute, in all and per API. */
export const ACCOUNT_BUDGET = { perMinute: 1000, perActionPerMinute: 100 } as const;

/** The longest per-request timeout accepted (CVM_AUTOPILOT_TIMEOUT_MS's ceiling too). */
export const MAX_TIMEOUT_MS = 120_000;

export type { ApiResponse } from "./reply.ts";

export class TencentCloudClient {
  readonly stats: ClientStats = { calls: 0, attempts: 0, retries: 0, throttled: 0, failures: 0, byAction: {} };
  private readonly limiters: LimiterRegistry;
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  private readonly transport: Transport;
  readonly logger: Logger;

  constructor(private readonly opts: ClientOptions) {
    // Node clamps a timer past 2^31-1 ms to 1 ms: every call would "time out" after its write.
    if (opts.timeoutMs !== undefined && !(opts.timeoutMs >= 1 && opts.timeoutMs <= MAX_TIMEOUT_MS)) {
      throw new RangeError(`timeoutMs must be from 1 to ${MAX_TIMEOUT_MS}, got ${opts.timeoutMs}`);
    }
    this.clock = opts.clock ?? systemClock;
    this.limiters = new LimiterRegistry(this.clock);
    this.retry = { ...DEFAULT_RETRY, ...(opts.retry ?? {}) };
    this.random = opts.random ?? Math.random;
    this.transport = opts.transport ?? defaultTransport;
    this.logger = opts.logger ?? createLogger();
    registerSecret(opts.credentials.secretKey);
    registerSecret(opts.credentials.token);
  }

  get signMethod(): SignMethod {
    return this.opts.signMethod ?? "TC3-HMAC-SHA256";
  }

  /**
   * One API call with retries. Resolves with `Response` (RequestId included) or throws TencentCloudApiError.
   * The rate-limit slots are awaited here, not in a helper, so an attempt awaits no more than it must.
   */
  async call<T = Record<string, unknown>>(
    service: string,
    action: string,
    params: Record<string, unknown> = {},
    options: CallOptions = {},
  ): Promise<ApiResponse<T>> {
    const spec = actionSpec(action);
    const version = options.version ?? (SERVICE_VERSIONS as Record<string, string>)[service];
    if (!version) throw new TypeError(`No API version known for service "${service}": pass --version`);
    const region = options.region;
    this.stats.calls++;
    this.stats.byAction[action] = (this.stats.byAction[action] ?? 0) + 1;
    const started = this.clock.now();
    let reassumed = false;
    for (let attempt = 1; ; attempt++) {
      const budget = this.opts.accountBudget && service === "cvm" ? await this.takeBudget(action) : [];
      const perAction =
        this.opts.rateLimit !== false
          ? await this.limiters.take(`${service}/${action}/${region ?? ""}`, spec?.rateLimit ?? DEFAULT_RATE_LIMIT)
          : undefined;
      const release = () => {
        perAction?.();
        for (const r of budget) r();
      };
      const t0 = this.clock.now();
      this.stats.attempts++;
      try {
        const credentials = this.opts.credentialSource
          ? await this.opts.credentialSource.get().catch((e: unknown) => {
              release();
              throw e;
            })
          : this.opts.credentials;
        const res = await this.once<T>(service, action, version, region, params, credentials).finally(release);
        const durationMs = this.clock.now() - t0;
        this.logger.info("api call", { service, action, region, requestId: res.RequestId, durationMs, attempt });
        return res;
      } catch (err) {
        const e = err as TencentCloudApiError;
        if (isThrottling(e)) this.stats.throttled++;
        // Temporary credentials the API no longer takes: assume again, once per call.
        if (!reassumed && this.droppedRefused(e, service, action, region)) {
          reassumed = true;
          continue;
        }
        const elapsed = this.clock.now() - started;
        const fields = attemptFields(service, action, region, e, this.clock.now() - t0, attempt);
        const delay = this.retryDelay(e, attempt, elapsed);
        if (delay !== undefined && !(options.atMostOnce && fateUnknown(e))) {
          this.stats.retries++;
          // A retry is routine (throttling, a 5xx); a call that still fails is logged as a failure below.
          this.logger.info("api call retry", { ...fields, delayMs: delay });
          await this.clock.sleep(delay);
          continue;
        }
        this.failed(e, fields, options.expected);
        throw e;
      }
    }
  }

  /** Counts and logs a call that failed for good. */
  private failed(e: TencentCloudApiError, fields: AttemptFields, expected: ReadonlySet<string> | undefined): void {
    this.stats.failures++;
    // An answer the caller asked for (deploy's "is it there yet?") is no failure to report.
    if (expected?.has(e.code)) this.logger.debug("api call answered as expected", fields);
    else this.logger.warn("api call failed", fields);
  }

  /** Whether a refusal of temporary credentials was answered by dropping them, so the next attempt assumes again. */
  private droppedRefused(
    e: TencentCloudApiError,
    service: string,
    action: string,
    region: string | undefined,
  ): boolean {
    if (!this.opts.credentialSource || !EXPIRED_CREDENTIAL_CODES.has(e.code)) return false;
    this.opts.credentialSource.invalidate();
    this.logger.warn("credentials refused; assuming the role again", {
      service,
      action,
      region,
      requestId: e.requestId,
      code: e.code,
    });
    return true;
  }

  /** How long to wait before the next attempt after `e`, or undefined when `e` is final. */
  private retryDelay(e: TencentCloudApiError, attempt: number, elapsed: number): number | undefined {
    // A server's Retry-After is honoured, but only inside the total time budget: asked to
    // wait past it, we stop rather than retry early. The backoff is drawn for every failure,
    // retried or not, so a seeded `random` gives the same delays as ever.
    const wait = Math.max(backoffDelay(this.retry, attempt, this.random), e.retryAfterMs ?? 0);
    const budget = this.retry.maxTotalMs - elapsed;
    if (
      isRetryable(e) &&
      attempt < this.retry.maxAttempts &&
      budget > 0 &&
      (e.retryAfterMs === undefined || e.retryAfterMs <= budget)
    )
      return Math.min(wait, budget);
    return undefined;
  }

  /** Slots in the account-wide CVM budget: the whole account's minute, then this action's. */
  private async takeBudget(action: string): Promise<Array<() => void>> {
    const total = await this.limiters.take("budget/cvm", ACCOUNT_BUDGET.perMinute, 60_000);
    const one = await this.limiters.take(`budget/cvm/${action}`, ACCOUNT_BUDGET.perActionPerMinute, 60_000);
    return [total, one];
  }

  /** One attempt: sign, send, and read the reply. */
  private async once<T>(
    service: string,
    action: string,
    version: string,
    region: string | undefined,
    params: Record<string, unknown>,
    credentials: Credentials,
  ): Promise<ApiResponse<T>> {
    const endpoint = resolveEndpoint(service, region, this.opts.endpoint, this.opts.site);
    const timestamp = Math.floor(this.clock.now() / 1000);
    let headers: Record<string, string>;
    let body: string;
    if (this.signMethod === "TC3-HMAC-SHA256") {
      body = JSON.stringify(params);
      headers = tc3Headers(service, action, version, region, credentials, endpoint.signedHost, timestamp, body);
    } else {
      body = legacyBody(action, version, region, params, credentials, endpoint.signedHost, timestamp, this.signMethod);
      headers = { "Content-Type": "application/x-www-form-urlencoded" };
    }
    let retryAfterMs: number | undefined;
    const fail: Fail = (code, message, extra = {}) =>
      new TencentCloudApiError({
        code,
        message,
        action,
        region,
        service,
        requestId: extra.requestId,
        httpStatus: extra.httpStatus,
        retryAfterMs,
        cause: extra.cause,
      });

    let reply: HttpReply;
    const timeoutMs = this.opts.timeoutMs ?? 10000;
    try {
      reply = await this.transport.post(`${endpoint.url}/`, headers, body, timeoutMs);
      retryAfterMs = parseRetryAfter(reply.retryAfter, this.clock.now());
    } catch (err) {
      if (err instanceof TransportError && err.timeout)
        throw fail(CLIENT_CODES.timeout, `no reply within ${timeoutMs} ms`, { cause: err });
      const code = (err as TransportError).code;
      throw fail(CLIENT_CODES.network, `network error: ${code ?? (err as Error).message}`, { cause: err });
    }
    return readReply<T>(reply.status, reply.body, fail);
  }
}

/** What a failed attempt's log lines say. */
function attemptFields(
  service: string,
  action: string,
  region: string | undefined,
  e: TencentCloudApiError,
  durationMs: number,
  attempt: number,
) {
  return { service, action, region, requestId: e.requestId, code: e.code, durationMs, attempt };
}
type AttemptFields = ReturnType<typeof attemptFields>;

/** The headers of a TC3-HMAC-SHA256 request over `body` (API 3.0 "Signature v3"). */
function tc3Headers(
  service: string,
  action: string,
  version: string,
  region: string | undefined,
  credentials: Credentials,
  host: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  const sig = signTc3({ credentials, service, host, timestamp, payload: body });
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Authorization: sig.authorization,
    "X-TC-Action": action,
    "X-TC-Version": version,
    "X-TC-Timestamp": String(timestamp),
    "X-TC-RequestClient": "cvm-autopilot",
    "X-TC-TraceId": randomUUID(),
  };
  if (region) headers["X-TC-Region"] = region;
  if (credentials.token) headers["X-TC-Token"] = credentials.token;
  return headers;
}

/** The form body of a request signed the legacy way (HmacSHA1 / HmacSHA256), its signature included. */
function legacyBody(
  action: string,
  version: string,
  region: string | undefined,
  params: Record<string, unknown>,
  credentials: Credentials,
  host: string,
  timestamp: number,
  signMethod: Exclude<SignMethod, "TC3-HMAC-SHA256">,
): string {
  const form: Record<string, string> = {
    ...flattenParams(params),
    Action: action,
    Version: version,
    Timestamp: String(timestamp),
    Nonce: String(randomInt(1, 2 ** 31 - 1)),
    SecretId: credentials.secretId,
    SignatureMethod: signMethod,
  };
  if (region) form.Region = region;
  if (credentials.token) form.Token = credentials.token;
  form.Signature = signLegacy(legacyStringToSign("POST", host, "/", form), credentials.secretKey, signMethod);
  return new URLSearchParams(form).toString();
}
