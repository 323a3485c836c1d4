/**
 * Tencent Cloud API request signing: the legacy HmacSHA1 / HmacSHA256 methods (the 2018 CVM API 3.0 reference,
 * "Signature") and TC3-HMAC-SHA256 (Tencent Cloud API 3.0 "Signature v3"). Every input,
 * the timestamp included, is an argument: nothing here reads the clock or the network.
 */
import { createHash, createHmac, createSecretKey, type KeyObject } from "node:crypto";

export type SignMethod = "TC3-HMAC-SHA256" | "HmacSHA256" | "HmacSHA1";
export const SIGN_METHODS: readonly SignMethod[] = ["TC3-HMAC-SHA256", "HmacSHA256", "HmacSHA1"];

export interface Credentials {
  secretId: string;
  secretKey: string;
  token?: string | undefined;
}

const sha256Hex = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();

/** UTC calendar date of a Unix timestamp, as TC3's credential scope wants it (YYYY-MM-DD). */
export function utcDate(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

/**
 * The TC3 signing key depends only on the secret key, the UTC date and the service, so it is
 * derived once per day and service rather than three HMACs per request. The cache is bounded.
 */
const keyCache = new Map<string, KeyObject>();
function signingKey(secretKey: string, date: string, service: string): KeyObject {
  const id = `${date}\n${service}\n${secretKey}`;
  let k = keyCache.get(id);
  if (!k) {
    k = createSecretKey(hmac(hmac(hmac(`TC3${secretKey}`, date), service), "tc3_request"));
    if (keyCache.size >= 64) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(id, k);
  }
  return k;
}

export interface Tc3Input {
  credentials: Credentials;
  /** Service name for the credential scope, e.g. `cvm`, `monitor`. */
  service: string;
  /** Host as signed: the hostname without port (the SDK signs `URL.hostname`). */
  host: string;
  timestamp: number;
  method?: "POST" | "GET";
  /** Exact body bytes for POST; empty for GET. */
  payload?: string;
  /** The already-encoded query string for GET, exactly as sent. */
  query?: string;
  contentType?: string;
}

export interface Tc3Signature {
  authorization: string;
  signature: string;
  credentialScope: string;
  canonicalRequest: string;
  stringToSign: string;
}

/** TC3-HMAC-SHA256: canonical request over content-type and host, scope `date/service/tc3_request`. */
export function signTc3(input: Tc3Input): Tc3Signature {
  const method = input.method ?? "POST";
  const contentType =
    input.contentType ?? (method === "GET" ? "application/x-www-form-urlencoded" : "application/json");
  const signedHeaders = "content-type;host";
  const canonicalHeaders = `content-type:${contentType}\nhost:${input.host}\n`;
  const payload = method === "GET" ? "" : (input.payload ?? "");
  const canonicalRequest = [
    method,
    "/",
    method === "GET" ? (input.query ?? "") : "",
    canonicalHeaders,
    signedHeaders,
    sha256Hex(payload),
  ].join("\n");
  const date = utcDate(input.timestamp);
  const credentialScope = `${date}/${input.service}/tc3_request`;
  const stringToSign = ["TC3-HMAC-SHA256", String(input.timestamp), credentialScope, sha256Hex(canonicalRequest)].join(
    "\n",
  );
  const kSigning = signingKey(input.credentials.secretKey, date, input.service);
  const signature = createHmac("sha256", kSigning).update(stringToSign, "utf8").digest("hex");
  const authorization =
    `TC3-HMAC-SHA256 Credential=${input.credentials.secretId}/${credentialScope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { authorization, signature, credentialScope, canonicalRequest, stringToSign };
}

/**
 * The legacy string to sign (the 2018 CVM API 3.0 reference "Signature" 2.1-2.3): METHOD + host + path + "?" +
 * params sorted by name, raw (not URL-encoded) `k=v` joined by `&`. `Signature` itself is excluded.
 */
export function legacyStringToSign(
  method: "GET" | "POST",
  host: string,
  path: string,
  params: Record<string, string>,
): string {
  const keys = Object.keys(params).sort();
  let out = `${method}${host}${path}?`;
  let first = true;
  for (const k of keys) {
    if (k === "Signature") continue;
    out += `${(first ? "" : "&") + k}=${params[k]}`;
    first = false;
  }
  return out;
}

/** HMAC keys are prepared once per secret key (a KeyObject skips re-deriving the key block). */
const hmacKeys = new Map<string, KeyObject>();
function hmacKey(secretKey: string): KeyObject {
  let k = hmacKeys.get(secretKey);
  if (!k) {
    k = createSecretKey(Buffer.from(secretKey, "utf8"));
    if (hmacKeys.size >= 16) hmacKeys.delete(hmacKeys.keys().next().value!);
    hmacKeys.set(secretKey, k);
  }
  return k;
}

/** Base64 HMAC of the legacy string to sign (the 2018 CVM API 3.0 reference "Signature" 2.4). */
export function signLegacy(stringToSign: string, secretKey: string, method: "HmacSHA1" | "HmacSHA256"): string {
  const algorithm = method === "HmacSHA1" ? "sha1" : "sha256";
  return createHmac(algorithm, hmacKey(secretKey)).update(stringToSign, "utf8").digest("base64");
}

type Flattenable = string | number | boolean | null | undefined | Flattenable[] | { [k: string]: Flattenable };

/**
 * Flattens a nested request for the legacy form encoding: arrays become `Name.0`, objects
 * `Name.Field` (the 2018 CVM API 3.0 reference "Ids.N"; `Filters.0.Values.1`). Booleans are sent as `true`/`false`,
 * as the official SDK sends them (its `mergeData`): the seed's examples show `ForceStop=FALSE`,
 * which proves upper case is accepted, not that lower case is not, and the SDK's spelling is the
 * one proven in production. Null and undefined are dropped.
 */
export function flattenParams(
  value: Record<string, unknown>,
  prefix = "",
  out: Record<string, string> = {},
): Record<string, string> {
  for (const key in value) {
    const v = value[key] as Flattenable;
    if (v === null || v === undefined) continue;
    const name = prefix + key;
    if (typeof v !== "object") out[name] = scalar(v);
    else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const item = v[i];
        if (item === null || item === undefined) continue;
        if (typeof item === "object") flattenParams(item as Record<string, unknown>, `${name}.${i}.`, out);
        else out[`${name}.${i}`] = scalar(item);
      }
    } else flattenParams(v, `${name}.`, out);
  }
  return out;
}

function scalar(v: string | number | boolean): string {
  if (typeof v === "boolean") return v ? "true" : "false";
  return String(v);
}
