/**
 * Cloud Monitor's alarm callback (unsigned, retried 3 times): through `serve` and through the
 * SCF and Lambda adapters' function-URL events. A callback only names a machine to verify.
 */
import { describe, expect, it } from "vitest";
import type { Emulator } from "../emulator/server.ts";
import { REGISTRY, FUNCTIONS } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { makeHandlers, type HttpReply } from "../lib/platform/adapters.ts";
import { alarmPath, alarmToken, CallbackGate, PER_MINUTE } from "../lib/platform/alarm-callback.ts";
import { startLocalServer } from "../lib/platform/local-server.ts";
import { envFor } from "./helpers/functions.ts";
import { httpApiV2, scfFunctionUrl } from "./helpers/events.ts";
import { emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const SECRET = "alarm-secret-0123456789abcdef0123456789";
/** Cloud Monitor's callback body for a CVM metric alarm (product/248/38919's parameters). */
const callback = (id: string, status = "1") =>
  JSON.stringify({
    sessionId: "s-1",
    alarmStatus: status,
    alarmType: "metric",
    alarmObjInfo: { region: "gz", namespace: "qce/cvm", dimensions: { unInstanceId: id, objId: "x" } },
    alarmPolicyInfo: { policyId: "policy-1", policyName: "cvm-autopilot-idle-ap-guangzhou" },
    firstOccurTime: "2026-12-02 10:00:00",
  });
const state = (emu: Emulator, id: string) => emu.state.settle(emu.state.instances.get(id)!).InstanceState;
const metricIds = (emu: Emulator) =>
  new Set(
    emu
      .callsFor("GetMonitorData")
      .flatMap((c) =>
        (c.params as { Instances: Array<{ Dimensions: Array<{ Value: string }> }> }).Instances.map(
          (i) => i.Dimensions[0]!.Value,
        ),
      ),
  );

describe("alarm callback through serve", () => {
  it("a forged callback for a busy machine stops nothing; a real one for an idle machine stops only it; retries, bad bodies and wrong tokens change nothing", async () => {
    const emu = await emulator();
    const idle = emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0.01 } });
    const busy = emu.state.addInstance({ Region: GZ, profile: { cpu: 70, traffic: 4 } });
    const alsoIdle = emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0.01 } });
    const env = { ...envFor(emu), WEBHOOK_SECRET: SECRET, SERVE_FUNCTIONS: "auto-stop-idle", REGIONS: GZ };
    const log = memoryLogger();
    const server = await startLocalServer({
      functions: REGISTRY,
      env,
      port: 0,
      logger: log,
      say: () => {},
      schedules: false,
    });
    try {
      const path = alarmPath(SECRET, "auto-stop-idle")!;
      const post = (body: string, p = path) =>
        fetch(`${server.url}${p}`, { method: "POST", body, headers: { "Content-Type": "application/json" } });
      // Forged: anyone can POST; a busy machine's metrics say busy, so nothing is stopped.
      const forged = await post(callback(busy.InstanceId));
      expect(forged.status).toBe(200);
      expect(await forged.json()).toEqual({ verified: busy.InstanceId, errors: 0 });
      expect(state(emu, busy.InstanceId)).toBe("RUNNING");
      // Only the named machine's metrics were read: the other idle one is not stopped by someone else's callback.
      expect(metricIds(emu)).toEqual(new Set([busy.InstanceId]));
      expect(emu.callsFor("StopInstances")).toHaveLength(0);
      // A real alarm for an idle machine: verified and stopped, minutes after it fired.
      expect((await post(callback(idle.InstanceId))).status).toBe(200);
      expect(state(emu, idle.InstanceId)).toBe("STOPPED");
      expect(state(emu, alsoIdle.InstanceId)).toBe("RUNNING");
      // Cloud Monitor's retries of the same alarm: no second run.
      const before = emu.calls.length;
      expect(await (await post(callback(idle.InstanceId))).json()).toEqual({
        ignored: "verified less than 10 minutes ago",
      });
      expect(emu.calls.length).toBe(before);
      // Wrong token, wrong path, not JSON, no instance, a resolved alarm: nothing runs.
      expect((await post(callback(alsoIdle.InstanceId), "/alarm/0000")).status).toBe(404);
      expect(
        (
          await post(
            callback(alsoIdle.InstanceId),
            `/alarm/${alarmToken("another-secret-0123456789abcdef", "auto-stop-idle")}`,
          )
        ).status,
      ).toBe(404);
      expect((await post("not json")).status).toBe(400);
      expect(
        (await post(JSON.stringify({ alarmStatus: "1", alarmObjInfo: { dimensions: { unInstanceId: "../etc" } } })))
          .status,
      ).toBe(400);
      expect(await (await post(callback(alsoIdle.InstanceId, "0"))).json()).toEqual({
        ignored: "the alarm is resolved",
      });
      expect(emu.calls.length).toBe(before);
      expect(state(emu, alsoIdle.InstanceId)).toBe("RUNNING");
      // Every refusal is logged with its reason, never the token.
      const refused = log
        .records()
        .filter((r) => r.msg === "alarm callback refused")
        .map((r) => r.problem);
      expect(refused).toEqual([
        "unknown path token",
        "unknown path token",
        "body is not JSON",
        "no CVM instance id in alarmObjInfo.dimensions.unInstanceId",
      ]);
      expect(JSON.stringify(log.records())).not.toContain(alarmToken(SECRET, "auto-stop-idle"));
    } finally {
      await server.stop();
    }
  });

  it("at most 30 callbacks a minute run; a callback never runs another function", () => {
    let t = 0;
    const gate = new CallbackGate(() => t);
    const ids = Array.from({ length: PER_MINUTE + 1 }, (_, i) => `ins-${String(i).padStart(8, "0")}`);
    expect(ids.map((id) => gate.admit(id)).filter(Boolean)).toEqual(["more than 30 callbacks this minute"]);
    t += 60_000;
    expect(gate.admit(ids[PER_MINUTE]!)).toBeUndefined();
    expect(REGISTRY.filter((f) => f.alarmCallback).map((f) => f.name)).toEqual(["auto-stop-idle"]);
  });
});

describe("alarm callback through the platforms' function URLs", () => {
  for (const [platform, call] of [
    [
      "SCF",
      (h: ReturnType<typeof makeHandlers>, body: string, path: string) =>
        h.main_handler(scfFunctionUrl(body, {}, path), { request_id: "r1" }),
    ],
    [
      "Lambda",
      (h: ReturnType<typeof makeHandlers>, body: string, path: string) =>
        h.handler(httpApiV2(body, {}, path), { awsRequestId: "r1" }),
    ],
  ] as const) {
    it(`${platform}: the same endpoint and the same checks`, async () => {
      const emu = await emulator();
      const idle = emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0.01 } });
      const busy = emu.state.addInstance({ Region: GZ, profile: { cpu: 70, traffic: 4 } });
      const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, {
        env: { ...envFor(emu), WEBHOOK_SECRET: SECRET, REGIONS: GZ },
        logger: memoryLogger(),
      });
      const path = alarmPath(SECRET, "auto-stop-idle")!;
      expect(((await call(h, callback(busy.InstanceId), path)) as HttpReply).statusCode).toBe(200);
      expect(state(emu, busy.InstanceId)).toBe("RUNNING");
      expect(((await call(h, callback(idle.InstanceId), "/alarm/forged")) as HttpReply).statusCode).toBe(404);
      expect(state(emu, idle.InstanceId)).toBe("RUNNING");
      expect(((await call(h, callback(idle.InstanceId), path)) as HttpReply).statusCode).toBe(200);
      expect(state(emu, idle.InstanceId)).toBe("STOPPED");
    });
  }
});
