/**
 * The official SDK, used only here, as a second opinion on our signer and emulator. It is a
 * devDependency and never imported from lib/ or functions/.
 */
import { createRequire } from "node:module";
import * as http from "node:http";
import * as net from "node:net";

const require = createRequire(import.meta.url);

export interface SdkSign {
  sign(secretKey: string, signStr: string, signMethod: string): string;
  sign3(input: {
    method?: string;
    url: string;
    payload: unknown;
    timestamp: number;
    service: string;
    secretId: string;
    secretKey: string;
    multipart?: boolean;
    headers?: Record<string, string>;
  }): string;
}

export const SdkSign: SdkSign = require("tencentcloud-sdk-nodejs-common/tencentcloud/common/sign.js").default;

// biome-ignore lint/suspicious/noExplicitAny: the SDK's client class is used untyped, as a second opinion on the wire
export const CvmClient: any = require("tencentcloud-sdk-nodejs-cvm").cvm.v20170312.Client;

/**
 * An agent that dials the emulator while the SDK keeps its default endpoint, so the credential
 * scope stays `cvm` and Host stays `cvm.tencentcloudapi.com` (ECOSYSTEM-NOTES).
 */
export function loopbackAgent(port: number): http.Agent {
  const agent = new http.Agent({ keepAlive: false });
  (agent as unknown as { createConnection: unknown }).createConnection = (
    _o: unknown,
    cb: (err: Error | null, s: net.Socket) => void,
  ) => {
    const s = net.createConnection({ host: "127.0.0.1", port });
    s.once("connect", () => cb(null, s));
    s.once("error", (e) => cb(e, s));
    return s;
  };
  return agent;
}

export function sdkCvm(
  port: number,
  creds: { secretId: string; secretKey: string },
  opts: { signMethod?: string; reqMethod?: string; region?: string } = {},
) {
  return new CvmClient({
    credential: creds,
    region: opts.region ?? "ap-guangzhou",
    profile: {
      signMethod: opts.signMethod ?? "TC3-HMAC-SHA256",
      httpProfile: {
        protocol: "http://",
        agent: loopbackAgent(port),
        reqMethod: opts.reqMethod ?? "POST",
        reqTimeout: 10,
      },
    },
  });
}
