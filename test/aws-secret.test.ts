/**
 * Lambda's secrets from AWS Secrets Manager (issue 17), against a local stand-in of its API
 * (JSON 1.1: POST / with X-Amz-Target secretsmanager.GetSecretValue): the function gets only the
 * secret's name, reads it once per container, and runs with the credentials inside it.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FUNCTIONS } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { makeHandlers, type HttpReply } from "../lib/host/adapters.ts";
import { secretEnv } from "../lib/deploy/aws-secret.ts";
import type { RunReport } from "../lib/report/report.ts";
import { eventBridge, httpApiV2, signedHeaders } from "./helpers/events.ts";
import { emulator } from "./helpers/world.ts";

const stops: Array<() => void> = [];
afterEach(() => {
  for (const s of stops.splice(0)) s();
  vi.unstubAllEnvs();
});

async function secretsManager(secrets: Record<string, string>) {
  const asked: Array<{ target: string | undefined; id: string; signed: boolean }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { SecretId: string };
      asked.push({
        target: req.headers["x-amz-target"] as string | undefined,
        id: body.SecretId,
        signed: String(req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256"),
      });
      const value = secrets[body.SecretId];
      if (value === undefined) {
        res.writeHead(400, { "Content-Type": "application/x-amz-json-1.1" }).end(
          JSON.stringify({
            __type: "ResourceNotFoundException",
            message: "Secrets Manager can't find the specified secret.",
          }),
        );
        return;
      }
      res.writeHead(200, { "Content-Type": "application/x-amz-json-1.1" }).end(
        JSON.stringify({
          ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${body.SecretId}-AbCdEf`,
          Name: body.SecretId,
          SecretString: value,
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  stops.push(() => server.close());
  vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "example-secret-example-secret-example00");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked };
}

describe("Lambda secrets from AWS Secrets Manager", () => {
  it("the schedule run and the webhook use the key and WEBHOOK_SECRET from the secret, read once per container", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 1, traffic: 0 } });
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 60, traffic: 5 } });
    const webhookSecret = "from-secrets-manager-0123456789abcdef0123";
    const sm = await secretsManager({
      "cvm-autopilot": JSON.stringify({
        TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
        TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
        WEBHOOK_SECRET: webhookSecret,
      }),
    });
    // The function's plaintext environment: settings and the secret's name, no key.
    const env = {
      TENCENTCLOUD_REGION: "ap-guangzhou",
      CVM_AUTOPILOT_ENDPOINT: emu.url,
      CVM_AUTOPILOT_SECRET_NAME: "cvm-autopilot",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
      DRY_RUN: "true",
    };
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env, logger: memoryLogger() });
    const report = (await h.handler(eventBridge(), { awsRequestId: "a1" })) as unknown as RunReport;
    expect(report.outcomes.planned).toBe(1);
    const body = "{}";
    const reply = (await h.handler(httpApiV2(body, signedHeaders(webhookSecret, body)), {
      awsRequestId: "a2",
    })) as HttpReply;
    expect(reply.statusCode).toBe(200);
    expect(sm.asked).toEqual([{ target: "secretsmanager.GetSecretValue", id: "cvm-autopilot", signed: true }]);
  });

  it("a missing secret fails the invocation with the reason logged; a secret may set only credentials and secrets", async () => {
    const sm = await secretsManager({});
    const log = memoryLogger();
    const h = makeHandlers(FUNCTIONS["renew-flag"]!, {
      env: { CVM_AUTOPILOT_SECRET_NAME: "nope", AWS_REGION: "us-east-1", AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url },
      logger: log,
    });
    await expect(h.handler(eventBridge(), {})).rejects.toThrow(/can't find the specified secret/);
    expect(log.records().some((r) => r.msg === "secret not read")).toBe(true);
    expect(() => secretEnv(JSON.stringify({ REGIONS: "all" }), "s")).toThrow("key REGIONS is not one it may set");
    expect(() => secretEnv("not json", "s")).toThrow("is not a JSON object");
  });
});
