/**
 * HTTP(S) POST over node:http with a bounded keep-alive pool. Chosen over global fetch: it loads
 * faster at cold start (no undici warm-up) and holds far less native memory when a run keeps a
 * hundred requests in flight across regions (measured in bench/: ~50 MB less peak RSS).
 */
import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import { StringDecoder } from "node:string_decoder";

export interface HttpReply {
  status: number;
  body: string;
  /** The Retry-After header, when the server sent one (429 and 503 replies). */
  retryAfter?: string | undefined;
}

export interface Transport {
  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<HttpReply>;
}

/** Thrown for transport failures; `timeout` tells a slow reply from a broken connection. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly timeout: boolean,
    readonly code?: string,
  ) {
    super(message);
    this.name = "TransportError";
  }
}

/** A reply larger than this is refused rather than buffered (a listing page is ~150 KB). */
export const MAX_REPLY_BYTES = 16 * 1024 * 1024;

type Protocol = {
  request(url: URL, opts: RequestOptions, cb: (res: IncomingMessage) => void): ClientRequest;
  agent: Agent;
};

/**
 * A built-in module, loaded on first use. `process.getBuiltinModule` (Node >= 20.16) loads it at
 * once; a dynamic import goes through the ES module loader, ~10 ms before a cold start's first call.
 */
function builtin<M>(name: "node:http" | "node:https", load: () => Promise<M>): Promise<M> {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  return get ? Promise.resolve(get(name) as M) : load();
}

/** The protocol's request function and a keep-alive pool of `maxSockets` per host, loaded on first use. */
function loadProtocol(p: string, maxSockets: number): Promise<Protocol> {
  return p === "https:"
    ? builtin("node:https", () => import("node:https")).then((h) => ({
        request: h.request,
        agent: new h.Agent({ keepAlive: true, maxSockets }),
      }))
    : builtin("node:http", () => import("node:http")).then((h) => ({
        request: h.request,
        agent: new h.Agent({ keepAlive: true, maxSockets }),
      }));
}

/**
 * `maxSockets` bounds requests in flight per host. Every region's metric queries share one host
 * (monitor.tencentcloudapi.com, the region is a header), and ten regions may each run 20 a
 * second with replies taking up to ~0.5 s: 128, so the pool never paces what the limits allow.
 */
export function createTransport(maxSockets = 128): Transport {
  // Loaded on first use: `https` pulls in TLS, which a cold start against an http endpoint never needs.
  const protocols = new Map<string, Promise<Protocol>>();
  const protocol = (p: string): Promise<Protocol> => {
    let m = protocols.get(p);
    if (!m) {
      m = loadProtocol(p, maxSockets);
      protocols.set(p, m);
    }
    return m;
  };
  return {
    async post(url, headers, body, timeoutMs) {
      const u = new URL(url);
      if (u.protocol !== "http:" && u.protocol !== "https:")
        throw new TransportError(`unsupported protocol ${u.protocol}`, false);
      const { request, agent } = await protocol(u.protocol);
      return send(request, agent, u, headers, body, timeoutMs);
    },
  };
}

/** One POST on `agent`'s pool: the whole reply, or a TransportError (timed out, cut short, too big). */
function send(
  request: Protocol["request"],
  agent: Agent,
  u: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<HttpReply> {
  return new Promise<HttpReply>((resolve, reject) => {
    const req = request(
      u,
      { method: "POST", agent, headers: { ...headers, "Content-Length": Buffer.byteLength(body) } },
      (res) => {
        // Memory: each chunk is decoded as it comes (a character split across chunks is held
        // back by the decoder), not gathered and joined: a joined reply was a second native
        // buffer of the reply's size (~130-180 KB for a fortnight of metrics), and glibc kept the
        // freed ones in RSS (~13 MB at 100,000 machines, bench/README.md).
        const text = new StringDecoder("utf8");
        let body = "";
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > MAX_REPLY_BYTES)
            req.destroy(new TransportError(`reply larger than ${MAX_REPLY_BYTES} bytes`, false, "ETOOBIG"));
          else body += text.write(c);
        });
        const retryAfter = res.headers["retry-after"];
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: body + text.end(),
            retryAfter: typeof retryAfter === "string" ? retryAfter : undefined,
          }),
        );
        res.on("error", (e) => reject(new TransportError(e.message, false, (e as NodeJS.ErrnoException).code)));
        res.on("aborted", () => reject(new TransportError("reply cut short", false, "ECONNRESET")));
      },
    );
    const timer = setTimeout(
      () => req.destroy(new TransportError(`no reply within ${timeoutMs} ms`, true, "ETIMEDOUT")),
      timeoutMs,
    );
    req.on("close", () => clearTimeout(timer));
    req.on("error", (e) =>
      reject(e instanceof TransportError ? e : new TransportError(e.message, false, (e as NodeJS.ErrnoException).code)),
    );
    req.end(body);
  });
}

/** One pool per process, shared by every client. */
export const defaultTransport = createTransport();
