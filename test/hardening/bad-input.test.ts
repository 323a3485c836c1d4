/**
 * Property tests (fast-check, fixed seeds) over everything that comes from outside: env config,
 * platform events, webhook bodies and headers, and API replies. Every case ends in a clear,
 * typed error or a safe skip — never an unhandled exception, never a destructive action.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config/config.ts";
import { makeHandlers, type HttpReply } from "../../lib/host/adapters.ts";
import { memoryLogger } from "../../lib/log/logger.ts";
import { signWebhook } from "../../lib/webhook/verify.ts";
import { FUNCTIONS } from "../../functions/registry.ts";
import { envFor } from "../helpers/functions.ts";
import { emulator } from "../helpers/world.ts";
import { SCENARIOS, writeCalls } from "./scenarios.ts";
import { runOnce } from "./world.ts";

const SEED = 20261123;
const VARS = [
  "TENCENTCLOUD_SECRET_ID",
  "TENCENTCLOUD_SECRET_KEY",
  "TENCENTCLOUD_REGION",
  "REGIONS",
  "DRY_RUN",
  "CVM_AUTOPILOT_ENDPOINT",
  "CVM_AUTOPILOT_SIGN_METHOD",
  "CVM_AUTOPILOT_TIMEOUT_MS",
  "AUTO_STOP_INCLUDE_TAGS",
  "AUTO_STOP_MAX_FRACTION",
  "AUTO_STOP_SCHEDULE",
  "AUTO_STOP_TIMEZONE",
  "AUTO_STOP_NAME_PATTERN",
  "AUTO_STOP_PRICES",
  "IMAGE_SYNC_DESTINATIONS",
  "IMAGE_SYNC_IMAGE_IDS",
  "IMAGE_SYNC_NAME_PREFIX",
  "IMAGE_SYNC_KEEP",
  "RENEW_RULES",
  "RENEW_DEFAULT_FLAG",
  "RENEW_WARN_DAYS",
  "KEY_ROTATION_KEY_PREFIX",
  "KEY_ROTATION_KEY_BITS",
  "KEY_ROTATION_MAX_AGE_DAYS",
  "KEY_ROTATION_TAG",
];
const nearlyValid = fc.oneof(
  fc.string(),
  fc.constantFrom(
    "",
    " ",
    "all",
    "true",
    "0",
    "-1",
    "1e9",
    "ap-guangzhou",
    "ap-guangzhou,,ap-shanghai",
    "env=dev",
    "=",
    "a=b:NOTIFY_AND_AUTO_RENEW",
    "20:00-07:00",
    "25:00-26:00",
    "Asia/Shanghai",
    "([",
    "http://127.0.0.1:1",
    "img-12345678",
    "NaN",
    "\u0000",
  ),
);

describe("env config", () => {
  it.each(Object.keys(FUNCTIONS))("%s: any env parses or fails with ConfigError naming variables", (name) => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...VARS), nearlyValid, { maxKeys: 12 }), (env) => {
        try {
          FUNCTIONS[name]!.load(env);
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          for (const issue of (e as ConfigError).issues) expect(issue).toMatch(/^[A-Z_]+: /);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe("platform events and webhooks", () => {
  const SECRET = "fuzz-webhook-secret-0123456789abcdef";

  it("any SCF or Lambda event: a reply with a 4xx status or a clear TypeError, and no write", async () => {
    const emu = await emulator({ instances: 20, fleetRegions: ["ap-guangzhou"] });
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, {
      env: { ...envFor(emu), WEBHOOK_SECRET: SECRET },
      logger: memoryLogger(),
    });
    const event = fc.oneof(
      fc.anything(),
      fc.record(
        {
          httpMethod: fc.constantFrom("POST", "GET", "PUT", "x"),
          path: fc.oneof(fc.string(), fc.constant("/run/auto-stop-idle")),
          headers: fc.dictionary(fc.string(), fc.string()),
          body: fc.oneof(fc.string(), fc.constant(null)),
          isBase64Encoded: fc.boolean(),
        },
        { requiredKeys: ["httpMethod"] },
      ),
      fc.record({
        version: fc.constant("2.0"),
        rawPath: fc.string(),
        headers: fc.dictionary(fc.string(), fc.string()),
        body: fc.string(),
        requestContext: fc.record({
          http: fc.record({ method: fc.string(), path: fc.string() }),
          requestId: fc.string(),
        }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(event, async (e) => {
        for (const call of [h.main_handler, h.handler]) {
          try {
            const r = (await call(e as never, {})) as HttpReply;
            expect([400, 401, 404, 405, 413]).toContain(r.statusCode);
            expect(r.body).not.toMatch(/\n\s+at /);
          } catch (err) {
            expect(err).toBeInstanceOf(TypeError);
            expect((err as Error).message).toMatch(/unrecognised (SCF|Lambda) event/);
          }
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
    expect(writeCalls(emu)).toEqual([]);
  });

  it("any webhook body and headers: 200 only for a well-signed valid body; never a 500; dry-run env means no write", async () => {
    const emu = await emulator({ instances: 10, fleetRegions: ["ap-guangzhou"] });
    const h = makeHandlers(FUNCTIONS["renew-flag"]!, {
      env: { ...envFor(emu), WEBHOOK_SECRET: SECRET, DRY_RUN: "true", RENEW_DEFAULT_FLAG: "NOTIFY_AND_AUTO_RENEW" },
      logger: memoryLogger(),
    });
    const body = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record(
          {
            dryRun: fc.oneof(fc.boolean(), fc.string()),
            regions: fc.array(fc.oneof(fc.constant("ap-guangzhou"), fc.string())),
            instanceIds: fc.array(fc.string()),
          },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o)),
    );
    const signing = fc.constantFrom("valid", "wrong-secret", "stale", "none", "garbage");
    await fc.assert(
      fc.asyncProperty(
        body,
        signing,
        fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
        async (b, how, extra) => {
          const now = Math.floor(Date.now() / 1000);
          const ts = how === "stale" ? now - 3600 : now;
          const headers: Record<string, string> = { ...extra };
          if (how !== "none") {
            headers["X-Autopilot-Timestamp"] = String(ts);
            headers["X-Autopilot-Signature"] =
              how === "garbage" ? "sha256=zz" : signWebhook(how === "wrong-secret" ? "nope" : SECRET, ts, b);
          }
          const r = (await h.main_handler(
            { httpMethod: "POST", path: "/run/renew-flag", headers, body: b },
            {},
          )) as HttpReply;
          if (how !== "valid") expect(r.statusCode).toBe(401);
          else expect([200, 400, 401, 413]).toContain(r.statusCode); // 401: an identical body signed twice in one second is a replay
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
    expect(writeCalls(emu)).toEqual([]);
  });
});

describe("malformed API replies", () => {
  const row = fc.record(
    {
      InstanceId: fc.oneof(fc.constant("ins-aaaaaaaa"), fc.string(), fc.integer(), fc.constant(null)),
      InstanceState: fc.oneof(fc.constantFrom("RUNNING", "STOPPED"), fc.integer()),
      InstanceChargeType: fc.oneof(fc.constantFrom("POSTPAID_BY_HOUR", "PREPAID"), fc.boolean()),
      InstanceName: fc.anything(),
      CreatedTime: fc.oneof(fc.constant("2020-01-01T00:00:00Z"), fc.anything()),
      Tags: fc.oneof(fc.anything(), fc.array(fc.record({ Key: fc.anything(), Value: fc.anything() }))),
      LoginSettings: fc.anything(),
      RenewFlag: fc.anything(),
      ExpiredTime: fc.anything(),
    },
    { requiredKeys: [] },
  );
  const reply = fc.oneof(
    fc
      .record({
        Response: fc.record(
          {
            RequestId: fc.string(),
            TotalCount: fc.oneof(fc.nat(), fc.string(), fc.constant(1e9)),
            InstanceSet: fc.oneof(fc.array(row, { maxLength: 120 }), fc.anything()),
          },
          { requiredKeys: ["RequestId"] },
        ),
      })
      .map((o) => JSON.stringify(o)),
    fc.json(),
    fc.string(),
  );

  it.each(["auto-stop-idle", "renew-flag"])(
    "%s: any DescribeInstances reply gives a report (errors typed), and harms nothing",
    async (name) => {
      const make = SCENARIOS.find((m) => m().name === name)!;
      await fc.assert(
        fc.asyncProperty(reply, async (body) => {
          const s = make();
          const emu = await emulator();
          s.setup(emu);
          emu.faults.add({ action: "DescribeInstances", kind: "body", body, count: 1 });
          const r = await runOnce(s, emu, { CVM_AUTOPILOT_MAX_ATTEMPTS: "2" });
          expect(r.thrown).toBeUndefined();
          for (const e of r.report!.errors) expect(e.code).toMatch(/^[A-Za-z]+(\.[A-Za-z]+)*$/);
          expect(s.invariants(emu, r.report)).toEqual([]);
          await emu.stop();
        }),
        { seed: SEED, numRuns: 40 },
      );
    },
  );

  it("monitor replies of any shape never make an instance look idle", async () => {
    const s = SCENARIOS[0]!();
    const monitorReply = fc.oneof(
      fc.json(),
      fc
        .record({ Response: fc.record({ RequestId: fc.string(), DataPoints: fc.anything() }) })
        .map((o) => JSON.stringify(o)),
    );
    await fc.assert(
      fc.asyncProperty(monitorReply, async (body) => {
        const emu = await emulator();
        for (let i = 0; i < 3; i++)
          emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 90, traffic: 50 } });
        emu.faults.add({ action: "GetMonitorData", kind: "body", body });
        const r = await runOnce(s, emu, { CVM_AUTOPILOT_MAX_ATTEMPTS: "1", REGIONS: "ap-guangzhou" });
        expect(r.thrown).toBeUndefined();
        expect(emu.callsFor("StopInstances")).toEqual([]);
        await emu.stop();
      }),
      { seed: SEED, numRuns: 40 },
    );
  });
});
