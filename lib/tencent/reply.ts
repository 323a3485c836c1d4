/**
 * Reading what the API answered to one attempt: its `Response`, or the typed error the reply is or
 * carries (split from client.ts, which signs, sends and retries).
 */
import { CLIENT_CODES, type TencentCloudApiError } from "./errors.ts";

/** An API 3.0 reply's `Response`, which always carries its RequestId. */
export type ApiResponse<T = Record<string, unknown>> = T & { RequestId: string };

/** Builds the error of one attempt; `extra` only on the paths that fail. */
export type Fail = (
  code: string,
  message: string,
  extra?: { requestId?: string; httpStatus?: number; cause?: unknown },
) => TencentCloudApiError;

/** Reads an API 3.0 reply: its `Response`, or the error it carries or is. */
export function readReply<T>(status: number, text: string, fail: Fail): ApiResponse<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    if (status !== 200)
      throw fail(CLIENT_CODES.httpStatus, `HTTP ${status} with a non-JSON body`, { httpStatus: status });
    throw fail(CLIENT_CODES.badResponse, `reply is not JSON (${text.length} bytes)`, {
      httpStatus: status,
      cause: err,
    });
  }
  // A reply nested past any real API shape (a hostile or broken server) would overflow the
  // stack of whatever walks it later: refused here, in words. Checked on the parsed value (V8's
  // JSON.parse is not recursive, so it takes any depth): a walk of its objects and arrays costs
  // a tenth of a scan of every character, which was 8% of a 10,000-machine renew-flag run.
  if (deeperThan(parsed, MAX_REPLY_DEPTH))
    throw fail(CLIENT_CODES.badResponse, `reply nests deeper than ${MAX_REPLY_DEPTH} levels: not an API reply`, {
      httpStatus: status,
    });
  const response = (parsed as { Response?: Record<string, unknown> } | null)?.Response;
  if (!response || typeof response !== "object") {
    throw fail(
      status === 200 ? CLIENT_CODES.badResponse : CLIENT_CODES.httpStatus,
      `reply has no Response object (HTTP ${status})`,
      { httpStatus: status },
    );
  }
  const requestId = typeof response.RequestId === "string" ? response.RequestId : undefined;
  const error = response.Error as { Code?: unknown; Message?: unknown } | undefined;
  if (error) {
    // Code and Message are strings in every API 3.0 reply; anything else is said as what it is, not "[object Object]".
    const code = typeof error.Code === "string" && error.Code ? error.Code : CLIENT_CODES.badResponse;
    const message = typeof error.Message === "string" ? error.Message : (JSON.stringify(error.Message ?? "") ?? "");
    const said =
      code === error.Code
        ? message
        : `reply's Error.Code is not a string (${JSON.stringify(error.Code)?.slice(0, 100)}): ${message}`;
    throw fail(code, said, { requestId, httpStatus: status });
  }
  if (status !== 200) throw fail(CLIENT_CODES.httpStatus, `HTTP ${status}`, { requestId, httpStatus: status });
  if (!requestId) throw fail(CLIENT_CODES.badResponse, "reply has no Response.RequestId", { httpStatus: status });
  return response as ApiResponse<T>;
}

/** API 3.0 replies nest a few levels (Response, a set, a row, a field, a list); 64 is far past any. */
export const MAX_REPLY_DEPTH = 64;

/** Whether objects and arrays nest deeper than `limit` levels in a parsed value (recursion stops past it). */
export function deeperThan(value: unknown, limit: number, depth = 0): boolean {
  if (value === null || typeof value !== "object") return false;
  if (depth >= limit) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (v !== null && typeof v === "object" && deeperThan(v, limit, depth + 1)) return true;
    }
    return false;
  }
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== null && typeof v === "object" && deeperThan(v, limit, depth + 1)) return true;
  }
  return false;
}
