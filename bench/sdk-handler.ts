// The comparison point for bundle size and cold start: an equivalent handler built on the
// official SDK. Benchmark-only; never part of a function bundle.
import { cvm } from "tencentcloud-sdk-nodejs-cvm";

export async function main_handler(): Promise<unknown> {
  const client = new cvm.v20170312.Client({
    credential: {
      secretId: process.env.TENCENTCLOUD_SECRET_ID ?? "",
      secretKey: process.env.TENCENTCLOUD_SECRET_KEY ?? "",
    },
    region: process.env.TENCENTCLOUD_REGION ?? "ap-guangzhou",
  });
  return client.DescribeInstances({
    Limit: 100,
    Filters: [{ Name: "instance-charge-type", Values: ["POSTPAID_BY_HOUR"] }],
  });
}
