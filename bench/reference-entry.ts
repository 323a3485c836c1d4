/**
 * The reference run's process (bench/reference.ts), bundled like a function and started with
 * its heap flags: `node index.js auto-stop-idle|renew-flag`, with the function's environment
 * (credentials, REGIONS, CVM_AUTOPILOT_ENDPOINT). Prints one JSON line: wall and CPU time of the
 * run (from its first call, as a function's wall counts from its handler), peak RSS, calls made.
 */
import { TencentCloudClient } from "../lib/tencent/client.ts";
import { referenceAutoStop, referenceRenew } from "./reference.ts";

const env = process.env;
const client = new TencentCloudClient({
  credentials: { secretId: env.TENCENTCLOUD_SECRET_ID!, secretKey: env.TENCENTCLOUD_SECRET_KEY! },
  endpoint: env.CVM_AUTOPILOT_ENDPOINT,
});
async function main(fn: string | undefined, regions: string[]): Promise<void> {
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const now = new Date();
  await Promise.all(
    regions.map((r) => (fn === "renew-flag" ? referenceRenew(client, r) : referenceAutoStop(client, r, now))),
  );
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    `${JSON.stringify({
      wallMs: Number(process.hrtime.bigint() - t0) / 1e6,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssKb: process.resourceUsage().maxRSS,
      calls: client.stats.calls,
    })}\n`,
  );
}

main(process.argv[2], env.REGIONS!.split(",")).catch((err: Error) => {
  process.stderr.write(`reference run failed: ${err.message}\n`);
  process.exit(1);
});
