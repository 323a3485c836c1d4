/**
 * `serverless invoke local` (Serverless Framework v3) runs each packaged function the way Lambda
 * would load it, with the template's environment: no Tencent key in it, only the secret's name.
 * Each function reads its key from a local stand-in of AWS Secrets Manager and runs against the
 * emulator (issue 17).
 */
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { copyFileSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { REGISTRY } from "../functions/registry.ts";
import { buildBundles, ROOT } from "../lib/deploy/build.ts";
import { emulator } from "./helpers/world.ts";

function invokeLocal(
  dir: string,
  fn: string,
  eventFile: string,
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, "node_modules/serverless/bin/serverless.js"), "invoke", "local", "-f", fn, "-p", eventFile],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          SLS_TELEMETRY_DISABLED: "1",
          SLS_NOTIFICATIONS_MODE: "off",
          SLS_DEPRECATION_DISABLE: "*",
          ...env,
        },
      },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe("serverless invoke local", () => {
  it("every function reads its Tencent key from the Secrets Manager stand-in and runs", {
    timeout: 120_000,
  }, async () => {
    // A service folder of its own (serverless.yml, its dist/, the project's node_modules), so no
    // other test's build of dist/ can change the bundles under it.
    const dir = mkdtempSync(join(tmpdir(), "sls-local-"));
    copyFileSync(join(ROOT, "serverless.yml"), join(dir, "serverless.yml"));
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    await buildBundles(REGISTRY, join(dir, "dist"), {});
    const emu = await emulator({ instances: 30, fleetRegions: ["ap-guangzhou"] });
    const asked: string[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c));
      req.on("end", () => {
        asked.push(`${String(req.headers["x-amz-target"])} ${(JSON.parse(body) as { SecretId: string }).SecretId}`);
        res.writeHead(200, { "Content-Type": "application/x-amz-json-1.1" }).end(
          JSON.stringify({
            Name: "cvm-autopilot",
            SecretString: JSON.stringify({
              TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
              TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
            }),
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const eventFile = join(tmpdir(), `eventbridge-${process.pid}.json`);
      writeFileSync(
        eventFile,
        JSON.stringify({
          version: "0",
          id: "local-1",
          "detail-type": "Scheduled Event",
          source: "aws.events",
          time: new Date().toISOString(),
          detail: {},
        }),
      );
      // The shell a deployer packages from: settings, no Tencent key.
      const env = {
        AWS_ACCESS_KEY_ID: "AKIAEXAMPLEEXAMPLE00",
        AWS_SECRET_ACCESS_KEY: "example-secret-example-secret-example00",
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        TENCENTCLOUD_REGION: "ap-guangzhou",
        REGIONS: "ap-guangzhou",
        CVM_AUTOPILOT_ENDPOINT: emu.url,
        DRY_RUN: "true",
        LOG_LEVEL: "warn",
        IMAGE_SYNC_DESTINATIONS: "ap-shanghai",
      };
      const runs = await Promise.all(REGISTRY.map((f) => invokeLocal(dir, f.name, eventFile, env)));
      for (const [i, r] of runs.entries()) {
        expect(r.code, `${REGISTRY[i]!.name}: ${r.out.slice(-800)}`).toBe(0);
        expect(r.out).toContain(`"function": "${REGISTRY[i]!.name}"`);
        expect(r.out).not.toContain(emu.credentials.secretKey);
      }
      expect(asked).toEqual(REGISTRY.map(() => "secretsmanager.GetSecretValue cvm-autopilot"));
    } finally {
      server.close();
    }
  });
});
