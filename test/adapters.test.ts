/** One end-to-end test per handler and both platforms' event shapes, against the emulator. */
import { describe, expect, it } from "vitest";
import { makeHandlers, RunFailedError, type HttpReply } from "../lib/host/adapters.ts";
import type { RunReport } from "../lib/report/report.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { FUNCTIONS } from "../functions/registry.ts";
import { envFor } from "./helpers/functions.ts";
import { eventBridge, httpApiV2, scfApigw, scfTimer, signedHeaders } from "./helpers/events.ts";
import { emulator } from "./helpers/world.ts";
import { seedRegion } from "./helpers/keys.ts";
import type { Emulator } from "../emulator/server.ts";

const SECRET = "whsec-test-0123456789abcdef0123456789";
const GZ = "ap-guangzhou";

function handlersFor(name: string, emu: Emulator, extra: Record<string, string> = {}) {
  const log = memoryLogger();
  const env = { ...envFor(emu, extra), WEBHOOK_SECRET: SECRET };
  return { h: makeHandlers(FUNCTIONS[name]!, { env, logger: log }), log };
}

describe("SCF and Lambda adapters", () => {
  it("auto-stop-idle: SCF timer event stops the idle instance; RequestIds are in the log", async () => {
    const emu = await emulator();
    const idle = emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0 } });
    emu.state.addInstance({ Region: GZ, profile: { cpu: 50, traffic: 5 } });
    const { h, log } = handlersFor("auto-stop-idle", emu);
    const report = (await h.main_handler(scfTimer(), { request_id: "scf-req-1" })) as unknown as RunReport;
    expect(report.results.map((s) => [s.id, s.outcome])).toEqual([[idle.InstanceId, "done"]]);
    expect(emu.state.instances.get(idle.InstanceId)!.InstanceState).toBe("STOPPED");
    const logged = log.records();
    for (const c of emu.calls) expect(logged.some((r) => r.requestId === c.requestId)).toBe(true);
    expect(logged.find((r) => r.msg === "api call")!.invocationId).toBe("scf-req-1");
  });

  it("renew-flag: Lambda EventBridge schedule event", async () => {
    const emu = await emulator();
    const p = emu.state.addInstance({
      Region: GZ,
      InstanceChargeType: "PREPAID",
      RenewFlag: "NOTIFY_AND_MANUAL_RENEW",
      Tags: [{ Key: "env", Value: "prod" }],
    });
    const { h } = handlersFor("renew-flag", emu, { RENEW_RULES: "env=prod:NOTIFY_AND_AUTO_RENEW" });
    await h.handler(eventBridge(), { awsRequestId: "aws-1" });
    expect(emu.state.instances.get(p.InstanceId)!.RenewFlag).toBe("NOTIFY_AND_AUTO_RENEW");
  });

  it("image-sync: SCF API-gateway webhook, dry-run requested in the body", async () => {
    const emu = await emulator();
    emu.state.addImage({ Region: GZ, ImageName: "golden", Tags: [{ Key: "autopilot:sync", Value: "true" }] });
    const { h } = handlersFor("image-sync", emu, { IMAGE_SYNC_DESTINATIONS: "ap-shanghai" });
    const body = JSON.stringify({ dryRun: true });
    const reply = (await h.main_handler(scfApigw(body, signedHeaders(SECRET, body), "/release/run/image-sync"), {
      request_id: "r",
    })) as HttpReply;
    expect(reply.statusCode).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ function: "image-sync", dryRun: true, trigger: "webhook" });
    expect(emu.callsFor("SyncImages")).toHaveLength(0);
  });

  it("key-rotation: Lambda HTTP API v2 webhook narrowed to one region", async () => {
    const emu = await emulator();
    const gz = seedRegion(emu.state, GZ);
    seedRegion(emu.state, "ap-shanghai");
    const { h } = handlersFor("key-rotation", emu, { REGIONS: "ap-guangzhou,ap-shanghai" });
    const body = JSON.stringify({ regions: [GZ] });
    const reply = (await h.handler(httpApiV2(body, signedHeaders(SECRET, body), "/run/key-rotation"), {
      awsRequestId: "a",
    })) as HttpReply;
    // The seeded region has a tagged instance with no key: reported as an error, so the reply is a 500 carrying the report.
    expect(reply.statusCode).toBe(500);
    const report = JSON.parse(reply.body);
    expect(report.errors.map((e: { code: string }) => e.code)).toEqual(["KeyRotation.NoKeyBound"]);
    expect(report.regions).toEqual([GZ]);
    const rotated = (report as RunReport).results
      .filter((r) => r.action === "rotate" && r.outcome === "done")
      .map((r) => r.id);
    expect(rotated.sort()).toEqual(gz.stopped.map((i) => i.InstanceId).sort());
    expect(emu.calls.every((c) => c.region !== "ap-shanghai")).toBe(true);
  });

  it("a webhook body cannot widen the run beyond env config", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: "ap-shanghai", profile: { cpu: 1, traffic: 0 } });
    const { h } = handlersFor("auto-stop-idle", emu);
    const body = JSON.stringify({ regions: ["ap-shanghai"] });
    const reply = (await h.main_handler(scfApigw(body, signedHeaders(SECRET, body)), {})) as HttpReply;
    expect(JSON.parse(reply.body).regions).toEqual([]);
    expect(emu.calls.every((c) => c.region !== "ap-shanghai")).toBe(true);
  });

  it("an unknown event is an error, not a silent success", async () => {
    const emu = await emulator();
    const { h } = handlersFor("auto-stop-idle", emu);
    await expect(h.main_handler({ hello: "world" }, {})).rejects.toThrow("unrecognised SCF event");
    await expect(h.handler({ hello: "world" }, {})).rejects.toThrow("unrecognised Lambda event");
  });

  it("bad config on a timer is logged by variable name and re-raised; on a webhook it is a 500 without detail", async () => {
    const emu = await emulator();
    const log = memoryLogger();
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, {
      env: { ...envFor(emu), AUTO_STOP_MAX_FRACTION: "7", WEBHOOK_SECRET: SECRET },
      logger: log,
    });
    await expect(h.main_handler(scfTimer(), {})).rejects.toThrow("AUTO_STOP_MAX_FRACTION");
    expect(log.lines.join("\n")).toContain("AUTO_STOP_MAX_FRACTION");
    const body = "{}";
    const reply = (await h.main_handler(scfApigw(body, signedHeaders(SECRET, body)), {})) as HttpReply;
    expect(reply.statusCode).toBe(500);
    expect(reply.body).not.toContain("at ");
    expect(emu.calls).toHaveLength(0);
  });
});

describe("webhook authentication", () => {
  const call = async (emu: Emulator, body: string, headers: Record<string, string>) => {
    const { h } = handlersFor("auto-stop-idle", emu);
    return (await h.main_handler(scfApigw(body, headers), {})) as HttpReply;
  };

  it.each([
    ["missing signature", "{}", () => ({}), 401],
    ["wrong signature", "{}", () => signedHeaders("not-the-secret", "{}"), 401],
    ["stale timestamp", "{}", () => signedHeaders(SECRET, "{}", Math.floor(Date.now() / 1000) - 600), 401],
    ["future timestamp", "{}", () => signedHeaders(SECRET, "{}", Math.floor(Date.now() / 1000) + 600), 401],
    ["body changed after signing", '{"dryRun":false}', () => signedHeaders(SECRET, '{"dryRun":true}'), 401],
    ["bad JSON", "{oops", () => signedHeaders(SECRET, "{oops"), 400],
    ["unknown field", '{"everything":true}', () => signedHeaders(SECRET, '{"everything":true}'), 400],
    ["bad region", '{"regions":["Mars"]}', () => signedHeaders(SECRET, '{"regions":["Mars"]}'), 400],
    ["oversized body", JSON.stringify({ instanceIds: Array(3000).fill("ins-aaaaaaaa") }), () => ({}), 413],
  ])("%s -> %i", async (_n, body, headers, status) => {
    const emu = await emulator();
    const reply = await call(emu, body, headers());
    expect(reply.statusCode).toBe(status);
    if (status === 401) expect(JSON.parse(reply.body)).toEqual({ error: "unauthorized" });
    if (status === 400) expect(JSON.parse(reply.body).error).toMatch(/JSON|everything|region/);
    expect(emu.calls).toHaveLength(0);
  });

  it("a replayed request within the window is refused", async () => {
    const emu = await emulator();
    const { h } = handlersFor("auto-stop-idle", emu);
    const body = JSON.stringify({ dryRun: true });
    const headers = signedHeaders(SECRET, body);
    expect(((await h.main_handler(scfApigw(body, headers), {})) as HttpReply).statusCode).toBe(200);
    expect(((await h.main_handler(scfApigw(body, headers), {})) as HttpReply).statusCode).toBe(401);
  });

  it("with no WEBHOOK_SECRET configured every webhook is refused", async () => {
    const emu = await emulator();
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env: envFor(emu), logger: memoryLogger() });
    const reply = (await h.main_handler(scfApigw("{}", signedHeaders("", "{}")), {})) as HttpReply;
    expect(reply.statusCode).toBe(401);
  });

  it("a blank or whitespace WEBHOOK_SECRET means webhooks are off, not keyed by spaces", async () => {
    const emu = await emulator();
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, {
      env: { ...envFor(emu), WEBHOOK_SECRET: "   " },
      logger: memoryLogger(),
    });
    const reply = (await h.main_handler(scfApigw("{}", signedHeaders("   ", "{}")), {})) as HttpReply;
    expect(reply.statusCode).toBe(401);
    expect(emu.calls).toHaveLength(0);
  });

  it("a WEBHOOK_SECRET under 32 characters is a configuration error naming the variable", () => {
    expect(() =>
      FUNCTIONS["auto-stop-idle"]!.load({
        TENCENTCLOUD_SECRET_ID: "a",
        TENCENTCLOUD_SECRET_KEY: "bbbbbbbb",
        TENCENTCLOUD_REGION: GZ,
        WEBHOOK_SECRET: "short",
      }),
    ).toThrow(/WEBHOOK_SECRET: at least 32 characters/);
  });

  it("reports are redacted: an API message quoting the secret key reaches neither the return value nor the webhook reply", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0 } });
    const leak = `signature mismatch for key ${emu.credentials.secretKey}`;
    emu.faults.add({ action: "DescribeInstances", kind: "error", code: "AuthFailure.SignatureFailure", message: leak });
    const { h, log } = handlersFor("auto-stop-idle", emu);
    // The run reports an error, so the timer invocation fails (with its report) and the webhook answers 500.
    const thrown = await h.main_handler(scfTimer(), { request_id: "t" }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(RunFailedError);
    const timer = (thrown as RunFailedError).report;
    const body = JSON.stringify({ dryRun: true });
    const web = (await h.main_handler(scfApigw(body, signedHeaders(SECRET, body)), { request_id: "w" })) as HttpReply;
    expect(web.statusCode).toBe(500);
    for (const out of [JSON.stringify(timer), web.body, log.lines.join("\n")]) {
      expect(out).toContain("AuthFailure.SignatureFailure");
      expect(out).not.toContain(emu.credentials.secretKey);
    }
  });

  it("role credentials are read on every invocation, not once per warm container", async () => {
    const emu = await emulator();
    // SCF rotates a role's temporary credentials while a container stays warm.
    const env: Record<string, string> = { ...envFor(emu), TENCENTCLOUD_SECRET_KEY: "expired-key-0000000000" };
    const h = makeHandlers(FUNCTIONS["renew-flag"]!, { env, logger: memoryLogger() });
    const first = (await h.main_handler(scfTimer(), {}).catch((e: RunFailedError) => e.report)) as unknown as {
      errors: Array<{ code: string }>;
    };
    expect(first.errors.map((e) => e.code)).toContain("AuthFailure.SignatureFailure");
    env.TENCENTCLOUD_SECRET_KEY = emu.credentials.secretKey;
    const second = (await h.main_handler(scfTimer(), {})) as unknown as { errors: unknown[] };
    expect(second.errors).toEqual([]);
  });

  it("failures reach the platform: a timer run with errors throws after logging its report; a tripped guard is a 422 webhook", async () => {
    const emu = await emulator();
    for (let i = 0; i < 3; i++) emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0 } });
    emu.state.addInstance({ Region: GZ, profile: { cpu: 60, traffic: 5 } });
    const { h, log } = handlersFor("auto-stop-idle", emu);
    const thrown = await h.handler(eventBridge(), { awsRequestId: "aws-2" }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(RunFailedError);
    expect((thrown as Error).message).toContain("blast-radius guard tripped");
    expect(log.records().some((r) => r.msg === "run report")).toBe(true);
    const body = "{}";
    const reply = (await h.main_handler(scfApigw(body, signedHeaders(SECRET, body)), {})) as HttpReply;
    expect(reply.statusCode).toBe(422);
    expect(JSON.parse(reply.body).guard).toMatchObject({ tripped: true });
    expect(emu.callsFor("StopInstances")).toEqual([]);
  });
});

describe("SCF function URL events", () => {
  it("a signed POST through the function URL (its recorded event shape) runs the function; the URL's root answers too", async () => {
    const { scfFunctionUrl } = await import("./helpers/events.ts");
    const emu = await emulator();
    emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0 } });
    emu.state.addInstance({ Region: GZ, profile: { cpu: 60, traffic: 5 } });
    const { h } = handlersFor("auto-stop-idle", emu);
    const body = '{"dryRun":true}';
    const reply = (await h.main_handler(scfFunctionUrl(body, signedHeaders(SECRET, body)), {
      request_id: "url-1",
    })) as HttpReply;
    expect(reply.statusCode).toBe(200);
    expect((JSON.parse(reply.body) as RunReport).outcomes.planned).toBe(1);
    const root = '{"dryRun":true,"regions":["ap-guangzhou"]}';
    const atRoot = (await h.main_handler(scfFunctionUrl(root, signedHeaders(SECRET, root), "/"), {
      request_id: "url-2",
    })) as HttpReply;
    expect(atRoot.statusCode).toBe(200);
    const unsigned = (await h.main_handler(scfFunctionUrl(body, {}), { request_id: "url-3" })) as HttpReply;
    expect(unsigned.statusCode).toBe(401);
  });
});
