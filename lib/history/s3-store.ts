/**
 * History in an object bucket over the S3 protocol: COS on SCF (cos.<region>.myqcloud.com, with
 * the function's SecretId/SecretKey as the key pair; COS "Using AWS S3 SDKs to access COS") and
 * S3 on Lambda, signed by our own SigV4 signer (lib/tencent/sigv4.ts) rather than
 * @aws-sdk/client-s3: three calls (PutObject, GetObject, ListObjectsV2) do not justify a 576 KB
 * bundle on SCF, where the runtime does not ship the AWS SDK (docs/design.md, "History").
 */
import { sha256Hex, signV4, uriEncode } from "../tencent/sigv4.ts";
import type { Credentials } from "../tencent/signer.ts";
import { checkKey, HistoryStoreError, type HistoryStore } from "./store.ts";

export interface BucketOptions {
  kind: "cos" | "s3";
  bucket: string;
  region: string;
  credentials: () => Credentials;
  /** A path-style base URL (the emulator, or an S3-compatible stand-in); unset: the cloud's virtual-hosted address. */
  endpoint?: string | undefined;
  /** Milliseconds since the epoch: the signature's time (tests run on the emulator's clock). */
  clock?: () => number;
  timeoutMs?: number;
}

/** The bucket's base URL and whether keys go in the path after the bucket's name. */
function base(o: BucketOptions): { url: URL; pathPrefix: string } {
  if (o.endpoint) return { url: new URL(o.endpoint), pathPrefix: `/${o.bucket}` };
  const host =
    o.kind === "cos" ? `${o.bucket}.cos.${o.region}.myqcloud.com` : `${o.bucket}.s3.${o.region}.amazonaws.com`;
  return { url: new URL(`https://${host}`), pathPrefix: "" };
}

/** The text of one XML element, entities decoded (our keys never need more than these five). */
const xmlText = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
const elements = (xml: string, tag: string) =>
  [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, "g"))].map((m) => xmlText(m[1]!));

/** One signed request; a reply that is not 2xx is a HistoryStoreError with S3's code, except a missing key on GET. */
export async function send(
  o: BucketOptions,
  method: string,
  key: string,
  query: Record<string, string>,
  body = "",
  extra: Record<string, string> = {},
) {
  const { url, pathPrefix } = base(o);
  const where = whereOf(o);
  const path = `${pathPrefix}/${uriEncode(key, true)}`;
  const headers = signV4({
    credentials: o.credentials(),
    service: "s3",
    region: o.region,
    method,
    path,
    query,
    headers: { host: url.host, ...(body ? { "content-type": "application/json" } : {}), ...extra },
    payloadHash: sha256Hex(body),
    time: (o.clock ?? Date.now)(),
  });
  const qs = new URLSearchParams(query).toString();
  const target = new URL(`${path}${qs ? `?${qs}` : ""}`, url);
  delete headers.host;
  let res: Response;
  try {
    res = await fetch(target, {
      method,
      headers,
      ...(method === "PUT" ? { body } : {}),
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
  } catch (e) {
    throw new HistoryStoreError(
      `${where}: ${method} ${key || "(list)"} failed: ${(e as Error).message}`,
      "NetworkError",
    );
  }
  const text = await res.text();
  if (res.ok) return { status: res.status, text };
  const code = elements(text, "Code")[0] ?? `HTTP${res.status}`;
  // A missing object is an answer; a missing bucket (NoSuchBucket, also a 404) is an error.
  if (method === "GET" && key && code === "NoSuchKey") return { status: 404, text };
  // HEAD has no body: its status is the answer (bucket-setup.ts asks whether a bucket exists).
  if (method === "HEAD") return { status: res.status, text };
  const message = elements(text, "Message")[0] ?? text.slice(0, 200);
  const requestId = elements(text, "RequestId")[0] ?? res.headers.get("x-cos-request-id") ?? undefined;
  throw new HistoryStoreError(`${where}: ${method} ${key || "(list)"}: ${code}: ${message}`, code, requestId);
}

export const whereOf = (o: BucketOptions) => `${o.kind} bucket ${o.bucket} (${o.region})`;

export function bucketStore(o: BucketOptions): HistoryStore {
  return {
    where: whereOf(o),
    async create(key, body) {
      await send(o, "PUT", checkKey(key), {}, body);
    },
    async get(key) {
      const r = await send(o, "GET", checkKey(key), {});
      return r.status === 404 ? undefined : r.text;
    },
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      // ListObjectsV2 gives at most 1,000 keys a page; a ceiling keeps a bad reply from looping.
      for (let page = 0; page < 10_000; page++) {
        const r = await send(o, "GET", "", {
          "list-type": "2",
          prefix: prefix ? checkKey(prefix) : "",
          ...(token ? { "continuation-token": token } : {}),
        });
        keys.push(...elements(r.text, "Key"));
        token =
          elements(r.text, "IsTruncated")[0] === "true" ? elements(r.text, "NextContinuationToken")[0] : undefined;
        if (!token) break;
      }
      return keys.sort();
    },
  };
}
