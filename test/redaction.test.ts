import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { memoryLogger } from "../lib/log/logger.ts";
import { redact, redactText, registerSecret, REDACTED } from "../lib/log/redact.ts";
import { TencentCloudApiError } from "../lib/tencent/errors.ts";
import { signTc3 } from "../lib/tencent/signer.ts";
import { clientFor, emulator } from "./helpers/world.ts";

describe("redaction", () => {
  it("masks credential-named fields at any depth", () => {
    const out = redact({
      a: { SecretKey: "k", secretKey: "k", token: "t", Authorization: "TC3 ...", privateKey: "p", ok: "fine" },
    });
    expect(out).toEqual({
      a: {
        SecretKey: REDACTED,
        secretKey: REDACTED,
        token: REDACTED,
        Authorization: REDACTED,
        privateKey: REDACTED,
        ok: "fine",
      },
    });
  });

  it("masks PEM private keys and signatures inside free text", () => {
    const pem = generateKeyPairSync("rsa", { modulusLength: 1024 })
      .privateKey.export({ type: "pkcs1", format: "pem" })
      .toString();
    const sig = signTc3({
      credentials: { secretId: "id", secretKey: "k" },
      service: "cvm",
      host: "h",
      timestamp: 1,
    }).authorization;
    const text = redactText(`key: ${pem} auth: ${sig}`);
    expect(text).not.toContain("BEGIN RSA PRIVATE KEY");
    expect(text).not.toMatch(/Signature=[0-9a-f]{64}/);
  });

  it("masks a registered secret wherever it appears, errors included", () => {
    registerSecret("SuperSecretValue123");
    const err = new TencentCloudApiError({
      code: "X",
      message: "echo SuperSecretValue123",
      requestId: "r",
      action: "A",
      region: "ap-guangzhou",
      service: "cvm",
    });
    const log = memoryLogger();
    log.error("failed", { err, note: "SuperSecretValue123 again" });
    expect(log.lines.join("\n")).not.toContain("SuperSecretValue123");
    expect(log.records()[0]!.err).toMatchObject({ code: "X", requestId: "r" });
  });

  it("a client's log lines never carry its secret key, token or signatures", async () => {
    const emu = await emulator({
      credentials: { secretId: "AKIDtest", secretKey: "theSecretKeyOfThisTest", token: "theSessionTokenOfThisTest" },
    });
    const { client, log } = clientFor(emu, {
      credentials: { secretId: "AKIDtest", secretKey: "theSecretKeyOfThisTest", token: "theSessionTokenOfThisTest" },
    });
    await client.call("cvm", "DescribeRegions");
    await client
      .call("cvm", "StopInstances", { InstanceIds: ["bad"] }, { region: "ap-guangzhou" })
      .catch(() => undefined);
    const all = log.lines.join("\n");
    expect(log.lines.length).toBeGreaterThanOrEqual(2);
    expect(all).not.toContain("theSecretKeyOfThisTest");
    expect(all).not.toContain("theSessionTokenOfThisTest");
    expect(all).not.toMatch(/Signature=/);
  });

  it("the logger itself masks secret-named fields and values", () => {
    const log = memoryLogger();
    log.info("deploying", {
      SecretKey: "plainKey",
      Variables: [
        { Key: "WEBHOOK_SECRET", Value: "plainWebhookSecret" },
        { Key: "REGIONS", Value: "ap-guangzhou" },
      ],
    });
    const line = log.lines[0]!;
    expect(line).not.toContain("plainKey");
    expect(line).not.toContain("plainWebhookSecret");
    expect(line).toContain("ap-guangzhou");
  });

  it("masks the userinfo of any URL in text", () => {
    expect(redactText("using http://admin:pa55word@proxy.internal:8080/x")).toBe(
      `using http://${REDACTED}@proxy.internal:8080/x`,
    );
    expect(redactText("see https://example.com/a@b")).toBe("see https://example.com/a@b");
  });

  it("the emulator's record of a deploy never holds the webhook secret in plaintext", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    await client
      .call(
        "scf",
        "CreateFunction",
        {
          FunctionName: "x",
          Namespace: "default",
          Runtime: "Nodejs18.15",
          Handler: "index.main_handler",
          Code: { ZipFile: "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==" },
          Environment: { Variables: [{ Key: "WEBHOOK_SECRET", Value: "plainWebhookSecretValue" }] },
        },
        { region: "ap-guangzhou" },
      )
      .catch(() => undefined);
    expect(JSON.stringify(emu.calls)).not.toContain("plainWebhookSecretValue");
  });
});
