import { describe, expect, it } from "vitest";
import { ConfigError, loadBaseConfig } from "../lib/config/config.ts";

const OK = {
  TENCENTCLOUD_SECRET_ID: "AKIDx",
  TENCENTCLOUD_SECRET_KEY: "secretsecret",
  TENCENTCLOUD_REGION: "ap-guangzhou",
};

describe("base config", () => {
  it("parses the SDK's variable names with defaults", () => {
    const c = loadBaseConfig(OK);
    expect(c).toMatchObject({
      region: "ap-guangzhou",
      regions: ["ap-guangzhou"],
      // Unset, DRY_RUN is a dry run: going live is the operator's decision (dry-run-default.test.ts).
      dryRun: true,
      signMethod: "TC3-HMAC-SHA256",
      timeoutMs: 10000,
    });
  });

  it("accepts the names SCF injects for an execution role", () => {
    const c = loadBaseConfig({
      TENCENTCLOUD_SECRETID: "AKIDrole",
      TENCENTCLOUD_SECRETKEY: "rolekeyrolekey",
      TENCENTCLOUD_SESSIONTOKEN: "tok",
      TENCENTCLOUD_REGION: "ap-shanghai",
    });
    expect(c.credentials).toEqual({ secretId: "AKIDrole", secretKey: "rolekeyrolekey", token: "tok" });
  });

  it.each([
    [
      { CVM_AUTOPILOT_SIGN_METHOD: "MD5" },
      "CVM_AUTOPILOT_SIGN_METHOD: expected one of TC3-HMAC-SHA256, HmacSHA256, HmacSHA1",
    ],
    [{ REGIONS: "ap-guangzhou,Shanghai" }, 'REGIONS: "Shanghai" is not a region name'],
    [{ DRY_RUN: "perhaps" }, "DRY_RUN"],
    [{ CVM_AUTOPILOT_ENDPOINT: "127.0.0.1:9000" }, "CVM_AUTOPILOT_ENDPOINT: expected a base URL"],
    [{ CVM_AUTOPILOT_TIMEOUT_MS: "-5" }, "CVM_AUTOPILOT_TIMEOUT_MS"],
    // Past 2^31-1 ms Node would fire the timer after 1 ms: every call would "time out" after its write.
    [
      { CVM_AUTOPILOT_TIMEOUT_MS: "3000000000" },
      "CVM_AUTOPILOT_TIMEOUT_MS: expected a whole number from 100 to 120000",
    ],
    [{ WEBHOOK_SECRET: "0123456789" }, "WEBHOOK_SECRET: at least 32 characters"],
    [{ TENCENTCLOUD_REGION: "guangzhou" }, "TENCENTCLOUD_REGION"],
  ])("%j fails naming the variable", (bad, message) => {
    expect(() => loadBaseConfig({ ...OK, ...bad })).toThrow(ConfigError);
    expect(() => loadBaseConfig({ ...OK, ...bad })).toThrow(message);
  });

  it("lists every missing credential at once", () => {
    const err = (() => {
      try {
        loadBaseConfig({});
      } catch (e) {
        return e as ConfigError;
      }
    })()!;
    expect(err.issues).toHaveLength(3);
    expect(err.message).toContain("TENCENTCLOUD_SECRET_ID");
    expect(err.message).toContain("TENCENTCLOUD_SECRET_KEY");
    expect(err.message).toContain("TENCENTCLOUD_REGION");
  });

  it("a URL's userinfo is never echoed in a config error", () => {
    const err = (() => {
      try {
        loadBaseConfig({ ...OK, CVM_AUTOPILOT_ENDPOINT: "ftp://admin:hunter2hunter2@proxy.internal" });
      } catch (e) {
        return e as ConfigError;
      }
    })()!;
    expect(err.message).toContain("CVM_AUTOPILOT_ENDPOINT");
    expect(err.message).not.toContain("hunter2");
  });

  it("a blank or whitespace WEBHOOK_SECRET is unset", () => {
    expect(loadBaseConfig({ ...OK, WEBHOOK_SECRET: "   " }).webhookSecret).toBeUndefined();
  });

  it("REGIONS=all is kept for resolution at run time", () => {
    expect(loadBaseConfig({ ...OK, REGIONS: "all" }).regions).toBe("all");
  });
});
