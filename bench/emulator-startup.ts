/** Emulator start-up to first answered request, through the CLI, for fleets of 250 and 10,000. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../lib/deploy/build.ts";
import { DEMO_CREDENTIALS } from "../emulator/server.ts";
import { TencentCloudClient } from "../lib/tencent/client.ts";
import { memoryLogger } from "../lib/log/logger.ts";

export interface StartupRow {
  instances: number;
  firstResponseMs: number;
}

export async function emulatorStartup(sizes = [250, 10_000]): Promise<StartupRow[]> {
  const rows: StartupRow[] = [];
  for (const instances of sizes) {
    const t0 = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      [join(ROOT, "bin/cvm-autopilot.js"), "emulator", "--port", "0", "--instances", String(instances)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const url = await new Promise<string>((resolve) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        const m = /listening on (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
    });
    const client = new TencentCloudClient({ credentials: DEMO_CREDENTIALS, endpoint: url, logger: memoryLogger() });
    await client.call("cvm", "DescribeInstances", { Limit: 1 }, { region: "ap-guangzhou" });
    rows.push({ instances, firstResponseMs: Math.round(Number(process.hrtime.bigint() - t0) / 1e6) });
    child.kill("SIGINT");
  }
  return rows;
}
