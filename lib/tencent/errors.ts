/** Typed failures of a Tencent Cloud API call. Messages never carry credentials or signatures. */

export interface ApiErrorFields {
  code: string;
  message: string;
  requestId: string | undefined;
  action: string;
  region: string | undefined;
  service: string;
  httpStatus?: number | undefined;
  /** How long the server asked us to wait (Retry-After), in ms. */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

/** An API's message is kept to this many characters: a reply may carry megabytes, and every log line and report repeats it. */
export const MAX_MESSAGE_CHARS = 2000;

/** Text cut to `max` characters, saying how much was cut. */
export const capText = (s: string, max: number) =>
  s.length <= max ? s : `${s.slice(0, max)}… (${s.length - max} more characters cut)`;

/** The API answered with `Response.Error`, or the exchange failed in a way we classify with a code. */
export class TencentCloudApiError extends Error {
  readonly code: string;
  readonly requestId: string | undefined;
  readonly action: string;
  readonly region: string | undefined;
  readonly service: string;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** The API's own Message, without the action / code / RequestId prefix. */
  readonly apiMessage: string;

  constructor(f0: ApiErrorFields) {
    const f = { ...f0, code: capText(f0.code, 200), message: capText(f0.message, MAX_MESSAGE_CHARS) };
    super(
      `${f.action}${f.region ? ` (${f.region})` : ""}: ${f.code}: ${f.message}${f.requestId ? ` [RequestId ${f.requestId}]` : ""}`,
      {
        cause: f.cause,
      },
    );
    this.name = "TencentCloudApiError";
    this.code = f.code;
    this.requestId = f.requestId;
    this.action = f.action;
    this.region = f.region;
    this.service = f.service;
    this.httpStatus = f.httpStatus;
    this.retryAfterMs = f.retryAfterMs;
    this.apiMessage = f.message;
  }
}

/** Codes the client itself assigns when no API error body could be read. */
export const CLIENT_CODES = {
  network: "ClientError.Network",
  timeout: "ClientError.Timeout",
  badResponse: "ClientError.BadResponse",
  httpStatus: "ClientError.HttpStatus",
  /** A listing that cannot be trusted to be whole (no TotalCount, cut short, past the page ceiling). */
  listing: "ClientError.IncompleteListing",
} as const;

/**
 * Retry only what can succeed on a second try: throttling, server faults and transport
 * failures. Auth and parameter errors never are (Cloud Custodian's client).
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof TencentCloudApiError)) return false;
  if (isThrottling(err)) return true;
  if (err.code === "InternalError" || err.code.startsWith("InternalError.") || err.code === "InternalServerError")
    return true;
  if (err.code === CLIENT_CODES.network || err.code === CLIENT_CODES.timeout) return true;
  // A 5xx without an API error in its body: a server fault.
  if (err.code === CLIENT_CODES.httpStatus || err.code === CLIENT_CODES.badResponse)
    return (err.httpStatus ?? 0) >= 500;
  return false;
}

/**
 * A refusal for the rate: the server says it did not carry the request out (RequestLimitExceeded,
 * HTTP 429). Every other retryable failure (a timeout, a dropped connection, a server fault) leaves
 * the request's fate unknown: it may have been carried out, or may still be.
 */
export function isThrottling(err: unknown): boolean {
  if (!(err instanceof TencentCloudApiError)) return false;
  if (err.code === "RequestLimitExceeded" || err.code.startsWith("RequestLimitExceeded.")) return true;
  // HTTP 429 is throttling whatever its body says (a gateway's own JSON may name another code).
  return err.httpStatus === 429;
}

/**
 * A failure after which the call may or may not have been carried out: retryable (a timeout, a
 * dropped connection, a server fault) but not throttling, where the server says it did not act.
 * A call that must not be carried out twice is not sent again after one (CallOptions.atMostOnce);
 * its caller learns its fate from the resource.
 */
export const fateUnknown = (err: unknown): boolean => isRetryable(err) && !isThrottling(err);

/** Retry-After as delta-seconds or an HTTP date (RFC 9110 10.2.3), in ms from `nowMs`; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Reads a code off anything thrown, for reports. */
export function errorRecord(err: unknown): {
  code: string;
  message: string;
  requestId?: string | undefined;
  action?: string;
} {
  if (err instanceof TencentCloudApiError)
    return { code: err.code, message: err.apiMessage, requestId: err.requestId, action: err.action };
  return { code: "UnexpectedError", message: err instanceof Error ? err.message : String(err) };
}
