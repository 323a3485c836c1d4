/**
 * AWS Signature Version 4 for object storage requests (AWS "Signature Version 4 signing process",
 * S3's "Authenticating Requests: Using the Authorization Header"). COS answers the S3 protocol on
 * cos.<region>.myqcloud.com with SecretId/SecretKey as the access key pair (COS "Using AWS S3
 * SDKs to access COS"), so one signer serves COS and S3. Like signer.ts, every input, the time
 * included, is an argument: nothing here reads the clock or the network.
 */
import { createHash, createHmac } from "node:crypto";
import type { Credentials } from "./signer.ts";

export const sha256Hex = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();

/** RFC 3986 encoding, as SigV4 wants it: every byte but A–Z a–z 0–9 - . _ ~ percent-encoded ('/' kept in paths). */
export function uriEncode(s: string, keepSlash = false): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(keepSlash ? /%2F/g : /(?!)/g, "/");
}

export interface SigV4Input {
  credentials: Credentials;
  /** `s3` for both S3 and COS. */
  service: string;
  region: string;
  method: string;
  /** The path as sent, already encoded (S3 encodes each key segment once). */
  path: string;
  /** Query parameters, unencoded; sorted and encoded here. */
  query?: Record<string, string>;
  /** Headers to sign (host included), any case. x-amz-date and x-amz-content-sha256 are added. */
  headers: Record<string, string>;
  /** The body's SHA-256 in hex (`UNSIGNED-PAYLOAD` is not used: the store's bodies are small). */
  payloadHash: string;
  /** Milliseconds since the epoch. */
  time: number;
}

/** `20130524T000000Z`: the request time as SigV4 writes it. */
export const amzDate = (time: number) =>
  new Date(time)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

/** The headers to send, the Authorization header among them. */
export function signV4(i: SigV4Input): Record<string, string> {
  const date = amzDate(i.time);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(i.headers)) headers[k.toLowerCase()] = v.trim().replace(/\s+/g, " ");
  headers["x-amz-date"] = date;
  headers["x-amz-content-sha256"] = i.payloadHash;
  if (i.credentials.token) headers["x-amz-security-token"] = i.credentials.token;
  const names = Object.keys(headers).sort();
  const query = Object.entries(i.query ?? {})
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonical = [
    i.method,
    i.path,
    query,
    ...names.map((n) => `${n}:${headers[n]}`),
    "",
    names.join(";"),
    i.payloadHash,
  ].join("\n");
  const scope = `${date.slice(0, 8)}/${i.region}/${i.service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", date, scope, sha256Hex(canonical)].join("\n");
  const key = hmac(
    hmac(hmac(hmac(`AWS4${i.credentials.secretKey}`, date.slice(0, 8)), i.region), i.service),
    "aws4_request",
  );
  const signature = createHmac("sha256", key).update(toSign, "utf8").digest("hex");
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${i.credentials.secretId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`,
  };
}
