/**
 * Verifies a request's signature exactly as Tencent Cloud would, for all three methods, and
 * extracts action, version, region and parameters. Failures use the seed's AuthFailure codes.
 *
 * The signatures are computed by the official SDK's own signer (tencentcloud-sdk-nodejs-common's
 * `Sign`), not by the product's: a witness that shares no code with what it checks, so a signing
 * mistake of ours fails every test instead of being confirmed by both sides.
 */
import { timingSafeEqual } from "node:crypto";
import { createRequire } from "node:module";
import { ApiFault } from "./api-fault.ts";

interface SdkSigner {
  sign(secretKey: string, signStr: string, signMethod: string): string;
  sign3(input: {
    method: string;
    url: string;
    payload: unknown;
    timestamp: number;
    service: string;
    secretId: string;
    secretKey: string;
    headers: Record<string, string>;
  }): string;
}
const Sign: SdkSigner = createRequire(import.meta.url)(
  "tencentcloud-sdk-nodejs-common/tencentcloud/common/sign.js",
).default;

/** `YYYY-MM-DD` of a Unix time, in UTC (the TC3 credential scope's date). */
const utcDate = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);

/** The legacy string to sign (seed "Signature Method"): METHOD + host + path + "?" + sorted k=v, Signature left out. */
function legacyStringToSign(method: string, host: string, path: string, params: Record<string, string>): string {
  const query = Object.keys(params)
    .filter((k) => k !== "Signature")
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join("&");
  return `${method}${host}${path}?${query}`;
}

export interface AcceptedCredentials {
  secretId: string;
  secretKey: string;
  /** When set, requests must carry this session token. */
  token?: string | undefined;
  /** Temporary credentials: refused after this Unix second (AuthFailure.TokenFailure). */
  expiresAtS?: number | undefined;
}

/** The credentials a SecretId belongs to, if any (the emulator's accounts and STS sessions). */
export type CredentialLookup = (secretId: string) => AcceptedCredentials | undefined;

export interface RawRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface AuthenticatedRequest {
  action: string;
  version: string | undefined;
  region: string | undefined;
  /** The service named in a TC3 credential scope (may be an IP's first label, as the SDK sends). */
  scopeService: string | undefined;
  signMethod: "TC3-HMAC-SHA256" | "HmacSHA256" | "HmacSHA1";
  params: Record<string, unknown>;
  /** Whose request it is. */
  secretId: string;
  /** The request's signed timestamp (s): a request arriving more than MAX_CLOCK_SKEW_S after it is refused. */
  signedAt: number;
}

/** Seed "Common Params": a timestamp too far from now fails with SignatureExpire (5 minutes, per the current API docs). */
export const MAX_CLOCK_SKEW_S = 300;

const header = (h: RawRequest["headers"], name: string): string | undefined => {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The signed host may carry the port or not: the official SDK signs `URL.hostname`. */
function hostVariants(host: string | undefined): string[] {
  if (!host) return [""];
  const noPort = host.replace(/:\d+$/, "");
  return noPort === host ? [host] : [host, noPort];
}

/** `A.0.B.1=x` -> {A: [{B: [, "x"]}]}: the legacy flat form back into the JSON shape. */
export function unflatten(flat: Record<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(flat)) {
    const parts = path.split(".");
    let node: Record<string, unknown> | unknown[] = root;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(parts[i + 1]!);
      const slot = node as Record<string, unknown>;
      if (last) slot[part] = value;
      else {
        if (slot[part] === undefined || typeof slot[part] !== "object") slot[part] = nextIsIndex ? [] : {};
        node = slot[part] as Record<string, unknown>;
      }
    });
  }
  return root;
}

/** A request whose signed timestamp is more than MAX_CLOCK_SKEW_S from the server's time, however late it arrived, is refused. */
export function checkSignedAt(timestamp: number, nowS: number): void {
  if (!Number.isFinite(timestamp) || Math.abs(nowS - timestamp) > MAX_CLOCK_SKEW_S) {
    throw new ApiFault(
      "AuthFailure.SignatureExpire",
      `Signature expired: the request timestamp ${timestamp} is more than ${MAX_CLOCK_SKEW_S} s from server time ${nowS}.`,
    );
  }
}

function checkIdentity(
  lookup: CredentialLookup,
  secretId: string | undefined,
  timestamp: number,
  nowS: number,
  token: string | undefined,
): AcceptedCredentials {
  const creds = secretId ? lookup(secretId) : undefined;
  if (!creds)
    throw new ApiFault(
      "AuthFailure.SecretIdNotFound",
      "The SecretId is not found, please ensure that your SecretId is correct.",
    );
  checkSignedAt(timestamp, nowS);
  if (creds.token !== undefined && token !== creds.token)
    throw new ApiFault("AuthFailure.TokenFailure", "The session token is invalid or missing.");
  if (creds.expiresAtS !== undefined && nowS > creds.expiresAtS)
    throw new ApiFault(
      "AuthFailure.TokenFailure",
      `The temporary credentials expired at ${new Date(creds.expiresAtS * 1000).toISOString()}.`,
    );
  return creds;
}

function verifyTc3(req: RawRequest, lookup: CredentialLookup, nowS: number): AuthenticatedRequest {
  const auth = header(req.headers, "authorization")!;
  const m =
    /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m)
    throw new ApiFault(
      "AuthFailure.InvalidAuthorization",
      "The Authorization header is not a valid TC3-HMAC-SHA256 authorization.",
    );
  const [, secretId, date, scopeService, signedHeaders, signature] = m as unknown as string[];
  const action = header(req.headers, "x-tc-action");
  if (!action) throw new ApiFault("MissingParameter", "The request is missing a required parameter `X-TC-Action`.");
  const timestamp = Number(header(req.headers, "x-tc-timestamp"));
  const creds = checkIdentity(lookup, secretId, timestamp, nowS, header(req.headers, "x-tc-token"));
  if (date !== utcDate(timestamp))
    throw new ApiFault("AuthFailure.SignatureFailure", "The credential scope date does not match X-TC-Timestamp.");
  if (signedHeaders !== "content-type;host")
    throw new ApiFault("AuthFailure.SignatureFailure", "SignedHeaders must be content-type;host.");
  const method = req.method === "GET" ? "GET" : "POST";
  const query = req.url.includes("?") ? req.url.slice(req.url.indexOf("?") + 1) : "";
  const contentType = header(req.headers, "content-type") ?? "";
  // The SDK signs the Host's name without its port, and hashes exactly the bytes sent (GET: an empty payload).
  const host = (header(req.headers, "host") ?? "").replace(/:\d+$/, "");
  const authorization = Sign.sign3({
    method,
    url: `http://${host}/${query ? `?${query}` : ""}`,
    payload: method === "GET" ? "" : req.body,
    timestamp,
    service: scopeService!,
    secretId: secretId!,
    secretKey: creds.secretKey,
    headers: { "Content-Type": contentType },
  });
  const ok = sameText(/Signature=([0-9a-f]{64})$/.exec(authorization)?.[1] ?? "", signature!);
  if (!ok)
    throw new ApiFault(
      "AuthFailure.SignatureFailure",
      "The provided credentials could not be validated. Please check your signature is correct.",
    );
  return {
    action,
    version: header(req.headers, "x-tc-version"),
    region: header(req.headers, "x-tc-region"),
    scopeService,
    signMethod: "TC3-HMAC-SHA256",
    params: tc3Params(method, query, req.body),
    secretId: secretId!,
    signedAt: timestamp,
  };
}

/** A TC3 request's parameters: a GET's from its query string, a POST's from its JSON body, which must be an object. */
function tc3Params(method: "GET" | "POST", query: string, body: Buffer): Record<string, unknown> {
  if (method === "GET") return unflatten(Object.fromEntries(new URLSearchParams(query)));
  let params: Record<string, unknown>;
  try {
    params = body.length ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>) : {};
  } catch {
    throw new ApiFault("InvalidParameter", "The request body is not valid JSON.");
  }
  if (!params || typeof params !== "object" || Array.isArray(params))
    throw new ApiFault("InvalidParameter", "The request body must be a JSON object.");
  return params;
}

function verifyLegacy(req: RawRequest, lookup: CredentialLookup, nowS: number): AuthenticatedRequest {
  const method = req.method === "GET" ? "GET" : "POST";
  const q = req.url.includes("?") ? req.url.slice(req.url.indexOf("?") + 1) : "";
  const flat = Object.fromEntries(new URLSearchParams(method === "GET" ? q : req.body.toString("utf8")));
  const { Action: action, Signature: signature, SignatureMethod: sm = "HmacSHA1" } = flat;
  if (!action) throw new ApiFault("MissingParameter", "The request is missing a required parameter `Action`.");
  if (!signature) throw new ApiFault("AuthFailure.SignatureFailure", "The request is not signed.");
  if (sm !== "HmacSHA1" && sm !== "HmacSHA256")
    throw new ApiFault("InvalidParameterValue", "SignatureMethod must be HmacSHA1 or HmacSHA256.");
  const creds = checkIdentity(lookup, flat.SecretId, Number(flat.Timestamp), nowS, flat.Token);
  const path = new URL(req.url, "http://x").pathname;
  const ok = hostVariants(header(req.headers, "host")).some((host) =>
    sameText(Sign.sign(creds.secretKey, legacyStringToSign(method, host, path, flat), sm), signature),
  );
  if (!ok)
    throw new ApiFault(
      "AuthFailure.SignatureFailure",
      "The provided credentials could not be validated. Please check your signature is correct.",
    );
  const business: Record<string, string> = {};
  const common = new Set([
    "Action",
    "Version",
    "Region",
    "Timestamp",
    "Nonce",
    "SecretId",
    "Signature",
    "SignatureMethod",
    "Token",
    "RequestClient",
    "Language",
  ]);
  for (const [k, v] of Object.entries(flat)) if (!common.has(k)) business[k] = v;
  return {
    action,
    version: flat.Version,
    region: flat.Region,
    scopeService: undefined,
    signMethod: sm,
    params: unflatten(business),
    secretId: flat.SecretId!,
    signedAt: Number(flat.Timestamp),
  };
}

/** Authenticates a request or throws the AuthFailure the real service would return. */
export function authenticate(
  req: RawRequest,
  creds: AcceptedCredentials | CredentialLookup,
  nowS: number,
): AuthenticatedRequest {
  const lookup: CredentialLookup =
    typeof creds === "function" ? creds : (id) => (id === creds.secretId ? creds : undefined);
  const auth = header(req.headers, "authorization");
  if (auth?.startsWith("TC3-HMAC-SHA256")) return verifyTc3(req, lookup, nowS);
  if (auth) throw new ApiFault("AuthFailure.InvalidAuthorization", "Unsupported Authorization scheme.");
  return verifyLegacy(req, lookup, nowS);
}
