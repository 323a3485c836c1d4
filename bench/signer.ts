/** Signing throughput, ours vs the official SDK's, on the same 10,000 requests. */
import { createRequire } from "node:module";
import { flattenParams, legacyStringToSign, signLegacy, signTc3 } from "../lib/tencent/signer.ts";

const require = createRequire(import.meta.url);
const Sdk = require("tencentcloud-sdk-nodejs-common/tencentcloud/common/sign.js").default;

const CREDS = { secretId: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE" };
const N = 10_000;

function requests() {
  return Array.from({ length: N }, (_, i) => ({
    timestamp: 1_700_000_000 + i,
    params: {
      Limit: 100,
      Offset: (i % 50) * 100,
      Filters: [
        { Name: "instance-charge-type", Values: ["POSTPAID_BY_HOUR"] },
        { Name: "tag:env", Values: ["dev", `team-${i % 7}`] },
      ],
    },
  }));
}

/** Median of 9 rounds for each side, the two sides interleaved so drift hits both alike. */
function timePair(a: () => void, b: () => void): [number, number] {
  const ta: number[] = [];
  const tb: number[] = [];
  const once = (fn: () => void) => {
    const t0 = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  for (let round = 0; round < 9; round++) {
    ta.push(once(a));
    tb.push(once(b));
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[4]!;
  return [median(ta), median(tb)];
}

export interface SignerRow {
  method: string;
  oursOpsPerSec: number;
  sdkOpsPerSec: number;
  ratio: number;
}

export function signerBench(): SignerRow[] {
  const reqs = requests();
  const host = "cvm.tencentcloudapi.com";
  const [tc3Ours, tc3Sdk] = timePair(
    () => {
      for (const r of reqs)
        signTc3({
          credentials: CREDS,
          service: "cvm",
          host,
          timestamp: r.timestamp,
          payload: JSON.stringify(r.params),
        });
    },
    () => {
      for (const r of reqs)
        Sdk.sign3({
          method: "POST",
          url: `https://${host}/`,
          payload: r.params,
          timestamp: r.timestamp,
          service: "cvm",
          secretId: CREDS.secretId,
          secretKey: CREDS.secretKey,
          headers: { "Content-Type": "application/json" },
        });
    },
  );
  const common = (r: (typeof reqs)[number]) => ({
    Action: "DescribeInstances",
    Nonce: 11886,
    Region: "ap-guangzhou",
    SecretId: CREDS.secretId,
    SignatureMethod: "HmacSHA256",
    Timestamp: r.timestamp,
    Version: "2017-03-12",
  });
  // The same 10,000 complete requests for both sides, built before timing.
  const full = reqs.map((r) => ({ ...r.params, ...common(r) }));
  const legacyOurs = () => {
    for (const r of full) {
      const form = flattenParams(r);
      signLegacy(legacyStringToSign("POST", host, "/", form), CREDS.secretKey, "HmacSHA256");
    }
  };
  // The SDK's own legacy steps, on a client instance: mergeData (flatten), formatSignString
  // (sort and join), then Sign.sign.
  const { cvm } = require("tencentcloud-sdk-nodejs-cvm");
  const client = new cvm.v20170312.Client({
    credential: CREDS,
    region: "ap-guangzhou",
    profile: { signMethod: "HmacSHA256", httpProfile: { reqMethod: "POST" } },
  });
  const legacySdk = () => {
    for (const r of full) {
      const flat = client.mergeData(r);
      Sdk.sign(CREDS.secretKey, client.formatSignString(flat), "HmacSHA256");
    }
  };
  const [legacyOursMs, legacySdkMs] = timePair(legacyOurs, legacySdk);
  const row = (method: string, ours: number, sdk: number): SignerRow => ({
    method,
    oursOpsPerSec: Math.round((N / ours) * 1000),
    sdkOpsPerSec: Math.round((N / sdk) * 1000),
    ratio: +(sdk / ours).toFixed(2),
  });
  return [row("TC3-HMAC-SHA256", tc3Ours, tc3Sdk), row("HmacSHA256", legacyOursMs, legacySdkMs)];
}
