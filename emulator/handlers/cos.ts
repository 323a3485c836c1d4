/**
 * Object storage as COS serves it over the S3 protocol (cos.<region>.myqcloud.com; COS "Using
 * AWS S3 SDKs to access COS"), path-style on the emulator's own address: PutObject, GetObject and
 * ListObjectsV2, each request's AWS SigV4 signature verified. The signature is recomputed by the
 * AWS SDK's own signer (@smithy/signature-v4), not by the product's: a witness sharing no code
 * with what it checks. Error codes and statuses are S3's ("Error Responses", ListObjectsV2):
 * NoSuchBucket 404, NoSuchKey 404, AccessDenied 403, SignatureDoesNotMatch 403,
 * RequestTimeTooSkewed 403 (15 minutes), XAmzContentSHA256Mismatch 400, InvalidAccessKeyId 403.
 */
import { createHash, createHmac } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";

interface StoredObject {
  body: Buffer;
  etag: string;
  lastModified: number;
}

export interface Bucket {
  name: string;
  region: string;
  /** The account that owns it: only its keys may read or write. */
  owner: string;
  objects: Map<string, StoredObject>;
  /** Writes refused with AccessDenied, as a bucket policy denying PutObject (or a quota) would. */
  refuseWrites?: boolean;
  /** Keys a ListObjectsV2 page holds (S3's MaxKeys default and ceiling: 1,000). */
  pageSize?: number;
  /** The lifecycle configuration as last put (PutBucketLifecycleConfiguration's XML). */
  lifecycle?: string;
}

/** The emulator's buckets, by name. */
export class ObjectStorage {
  readonly buckets = new Map<string, Bucket>();
  create(name: string, region: string, owner: string): Bucket {
    const b: Bucket = { name, region, owner, objects: new Map() };
    this.buckets.set(name, b);
    return b;
  }
}

export interface ObjectReply {
  status: number;
  body: string;
  type: string;
}

class S3Fault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const bytes = (d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof d === "string"
    ? d
    : ArrayBuffer.isView(d)
      ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
      : new Uint8Array(d);

/** SHA-256 for the witness signer, from node:crypto (it wants the @aws-crypto Hash shape). */
class NodeSha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.h.update(bytes(data));
  }
  digest() {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
}

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const errorXml = (code: string, message: string, requestId: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message><RequestId>${requestId}</RequestId></Error>`;
const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Whether a request is for object storage: any path but the API's `/` (and the inspection paths). */
export const isObjectRequest = (url: string) => !/^\/(\?|$)/.test(url) && !url.startsWith("/_emulator");

type Lookup = (secretId: string) => { secretKey: string; token?: string | undefined; uin: string } | undefined;

/** Checks the request's SigV4 signature; answers the caller's account. */
async function verify(req: IncomingMessage, url: URL, body: Buffer, lookup: Lookup, nowMs: number): Promise<string> {
  const auth = header(req, "authorization") ?? "";
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) throw new S3Fault(403, "AccessDenied", "Anonymous access is denied: sign the request with AWS SigV4.");
  const [, id, , region, signed, signature] = m;
  const creds = lookup(id!);
  if (!creds) throw new S3Fault(403, "InvalidAccessKeyId", "The access key ID you provided does not exist.");
  if (creds.token !== undefined && header(req, "x-amz-security-token") !== creds.token)
    throw new S3Fault(403, "InvalidToken", "The provided token is malformed or otherwise invalid.");
  const date = header(req, "x-amz-date") ?? "";
  const at = Date.parse(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"));
  if (!Number.isFinite(at) || Math.abs(nowMs - at) > 15 * 60_000)
    throw new S3Fault(
      403,
      "RequestTimeTooSkewed",
      "The difference between the request time and the server's time is too large.",
    );
  if (header(req, "x-amz-content-sha256") !== createHash("sha256").update(body).digest("hex"))
    throw new S3Fault(
      400,
      "XAmzContentSHA256Mismatch",
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  const headers: Record<string, string> = {};
  for (const n of signed!.split(";")) headers[n] = header(req, n) ?? "";
  const witness = new SignatureV4({
    credentials: { accessKeyId: id!, secretAccessKey: creds.secretKey },
    region: region!,
    service: "s3",
    sha256: NodeSha256,
    uriEscapePath: false,
  });
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const again = await witness.sign(
    {
      method: req.method ?? "GET",
      protocol: "http:",
      hostname: url.hostname,
      path: url.pathname,
      query,
      headers,
      body,
    },
    { signingDate: new Date(at) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(again.headers.authorization))?.[1];
  if (expected !== signature)
    throw new S3Fault(
      403,
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided.",
    );
  return creds.uin;
}

function listXml(b: Bucket, url: URL): string {
  const prefix = url.searchParams.get("prefix") ?? "";
  const after = url.searchParams.get("continuation-token") ?? "";
  const size = b.pageSize ?? 1000;
  const keys = [...b.objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
  const page = keys.slice(0, size);
  const more = keys.length > size;
  const contents = page
    .map((k) => `<Contents><Key>${xml(k)}</Key><Size>${b.objects.get(k)!.body.length}</Size></Contents>`)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${b.name}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${size}</MaxKeys><IsTruncated>${more}</IsTruncated>${more ? `<NextContinuationToken>${xml(page.at(-1)!)}</NextContinuationToken>` : ""}${contents}</ListBucketResult>`;
}

/**
 * Requests on the bucket itself (no key): HeadBucket (no body: 200, 403 or 404), CreateBucket
 * (409 BucketAlreadyOwnedByYou / BucketAlreadyExists when taken; the region is the signature's),
 * and Put/GetBucketLifecycleConfiguration (PUT needs Content-MD5: S3's InvalidRequest without it,
 * InvalidDigest when it does not match, MalformedXML without an expiring rule).
 */
function bucketRequest(
  storage: ObjectStorage,
  req: IncomingMessage,
  url: URL,
  r: { name: string; key: string; bucket: Bucket | undefined; caller: string; body: Buffer },
): ObjectReply | undefined {
  if (r.key) return undefined;
  const lifecycle = url.searchParams.has("lifecycle");
  const empty = (status: number): ObjectReply => ({ status, body: "", type: "text/plain" });
  if (req.method === "HEAD") return empty(!r.bucket ? 404 : r.bucket.owner === r.caller ? 200 : 403);
  if (req.method === "PUT" && !lifecycle) {
    if (r.bucket?.owner === r.caller)
      throw new S3Fault(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded.");
    if (r.bucket) throw new S3Fault(409, "BucketAlreadyExists", "The requested bucket name is not available.");
    const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(header(req, "authorization") ?? "")?.[1] ?? "";
    storage.create(r.name, region, r.caller);
    return empty(200);
  }
  if (!lifecycle) return undefined;
  if (!r.bucket) throw new S3Fault(404, "NoSuchBucket", "The specified bucket does not exist.");
  if (r.bucket.owner !== r.caller) throw new S3Fault(403, "AccessDenied", "Access Denied.");
  if (req.method === "GET") {
    if (!r.bucket.lifecycle)
      throw new S3Fault(404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist.");
    return { status: 200, body: r.bucket.lifecycle, type: "application/xml" };
  }
  if (req.method !== "PUT") return undefined;
  const md5 = header(req, "content-md5");
  if (!md5) throw new S3Fault(400, "InvalidRequest", "Missing required header for this request: Content-Md5.");
  if (md5 !== createHash("md5").update(r.body).digest("base64"))
    throw new S3Fault(400, "InvalidDigest", "The Content-MD5 you specified was invalid.");
  const text = r.body.toString("utf8");
  if (!/<Rule>[\s\S]*<Expiration>\s*<Days>\d+<\/Days>[\s\S]*<\/Rule>/.test(text))
    throw new S3Fault(400, "MalformedXML", "The XML you provided was not well-formed or did not validate.");
  r.bucket.lifecycle = text;
  return empty(200);
}

/** Answers one object-storage request. */
export async function objectRequest(
  storage: ObjectStorage,
  req: IncomingMessage,
  body: Buffer,
  lookup: Lookup,
  nowMs: number,
  requestId: string,
): Promise<ObjectReply> {
  const url = new URL(req.url ?? "/", "http://emulator");
  try {
    const caller = await verify(req, url, body, lookup, nowMs);
    const [, name = "", ...rest] = url.pathname.split("/");
    const key = decodeURIComponent(rest.join("/"));
    const b = storage.buckets.get(name);
    const bucketLevel = bucketRequest(storage, req, url, { name, key, bucket: b, caller, body });
    if (bucketLevel) return bucketLevel;
    if (!b) throw new S3Fault(404, "NoSuchBucket", "The specified bucket does not exist.");
    if (b.owner !== caller) throw new S3Fault(403, "AccessDenied", "Access Denied.");
    if (req.method === "GET" && !key && url.searchParams.get("list-type") === "2")
      return { status: 200, body: listXml(b, url), type: "application/xml" };
    if (req.method === "GET" && key) {
      const o = b.objects.get(key);
      if (!o) throw new S3Fault(404, "NoSuchKey", "The specified key does not exist.");
      return { status: 200, body: o.body.toString("utf8"), type: "application/octet-stream" };
    }
    if (req.method === "PUT" && key) {
      if (b.refuseWrites) throw new S3Fault(403, "AccessDenied", "Access Denied.");
      const etag = createHash("md5").update(body).digest("hex");
      b.objects.set(key, { body, etag, lastModified: nowMs });
      return { status: 200, body: "", type: "text/plain" };
    }
    throw new S3Fault(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
  } catch (e) {
    if (!(e instanceof S3Fault)) throw e;
    return { status: e.status, body: errorXml(e.code, e.message, requestId), type: "application/xml" };
  }
}
