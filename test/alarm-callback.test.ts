/**
 * Cloud Monitor's alarm callback (unsigned, retried 3 times): through `serve` and through the
 * SCF and Lambda adapters' function-URL events. A callback only names a machine to verify, is
 * answered at once (`{"sessionId": …, "retCode": 0}`), and its verification runs afterwards: in
 * `serve` after the reply, on SCF and Lambda in an asynchronous invocation of the function.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Emulator } from "../emulator/server.ts";
import { REGISTRY, FUNCTIONS } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { makeHandlers, type HttpReply } from "../lib/host/adapters.ts";
import { alarmPath, alarmToken, CallbackGate, PER_MINUTE } from "../lib/host/alarm-callback.ts";
import { startLocalServer } from "../lib/host/local-server.ts";
import { envFor } from "./helpers/functions.ts";
import { httpApiV2, scfFunctionUrl } from "./helpers/events.ts";
import { emulator } from "./helpers/world.ts";
import { scfStore, stubFunction } from "../emulator/handlers/scf.ts";
import { ALARM_KEY, type AlarmEvent } from "../lib/host/alarm-event.ts";

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

async function serve(emu: Emulator, log = memoryLogger()) {
  const env = { ...envFor(emu), WEBHOOK_SECRET: SECRET, SERVE_FUNCTIONS: "auto-stop-idle", REGIONS: GZ };
  const server = await startLocalServer({
    functions: REGISTRY,
    env,
    port: 0,
    logger: log,
    say: () => {},
    schedules: false,
  });
  const path = alarmPath(SECRET, "auto-stop-idle")!;
  const post = (body: string, p = path) =>
    fetch(`${server.url}${p}`, { method: "POST", body, headers: { "Content-Type": "application/json" } });
  /** Until no run is in flight: the verification a callback started has ended. */
  const settled = async () => {
    for (;;) {
      const h = (await (await fetch(`${server.url}/healthz`)).json()) as { running: string[] };
      if (!h.running.length) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { server, post, settled, log };
}
const OK = { sessionId: "s-1", retCode: 0 };

describe("alarm callback through serve", () => {
  it("a forged callback for a busy machine stops nothing; a real one for an idle machine stops only it; retries, bad bodies and wrong tokens change nothing", async () => {
    const emu = await emulator();
    const idle = emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0.01 } });
    const busy = emu.state.addInstance({ Region: GZ, profile: { cpu: 70, traffic: 4 } });
    const alsoIdle = emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0.01 } });
    const { server, post, settled, log } = await serve(emu);
    try {
      // Forged: anyone can POST; a busy machine's metrics say busy, so nothing is stopped.
      const forged = await post(callback(busy.InstanceId));
      expect(forged.status).toBe(200);
      expect(await forged.json()).toEqual(OK);
      await settled();
      expect(state(emu, busy.InstanceId)).toBe("RUNNING");
      // Only the named machine's metrics were read: the other idle one is not stopped by someone else's callback.
      expect(metricIds(emu)).toEqual(new Set([busy.InstanceId]));
      expect(emu.callsFor("StopInstances")).toHaveLength(0);
      // A real alarm for an idle machine: verified and stopped, minutes after it fired.
      expect((await post(callback(idle.InstanceId))).status).toBe(200);
      await settled();
      expect(state(emu, idle.InstanceId)).toBe("STOPPED");
      expect(state(emu, alsoIdle.InstanceId)).toBe("RUNNING");
      // Cloud Monitor's retries of the same alarm: answered, no second run.
      const before = emu.calls.length;
      expect(await (await post(callback(idle.InstanceId))).json()).toEqual(OK);
      await settled();
      expect(emu.calls.length).toBe(before);
      expect(log.records().filter((r) => r.why === "verified less than 10 minutes ago")).toHaveLength(1);
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
      expect(await (await post(callback(alsoIdle.InstanceId, "0"))).json()).toEqual(OK);
      await settled();
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

  it("answered within 1 s while the verification it starts takes longer; the address verification and an event alarm get 200 and run nothing", async () => {
    // Every API reply 400 ms late: a verification (list, three metric reads, the stop) takes seconds.
    const emu = await emulator({ latencyMs: 400 });
    const idle = emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0.01 } });
    // A busy neighbour, so the guard's half of the fleet allows one stop.
    emu.state.addInstance({ Region: GZ, profile: { cpu: 70, traffic: 4 } });
    const { server, post, settled, log } = await serve(emu);
    try {
      const t0 = Date.now();
      const res = await post(callback(idle.InstanceId));
      const answeredMs = Date.now() - t0;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(OK);
      expect(answeredMs).toBeLessThan(1000);
      await settled();
      expect(Date.now() - t0).toBeGreaterThan(1000);
      expect(state(emu, idle.InstanceId)).toBe("STOPPED");
      const calls = emu.calls.length;
      // Saving the address in the console sends a request with no alarm in it: 200, as Cloud Monitor expects.
      const check = await post(JSON.stringify({ sessionId: "verify-1" }));
      expect([check.status, await check.json()]).toEqual([200, { sessionId: "verify-1", retCode: 0 }]);
      expect((await post("")).status).toBe(200);
      // An event alarm (a reboot, say): 200, logged, ignored.
      const event = await post(
        JSON.stringify({ sessionId: "e-1", alarmStatus: "1", alarmType: "event", alarmObjInfo: { dimensions: {} } }),
      );
      expect([event.status, await event.json()]).toEqual([200, { sessionId: "e-1", retCode: 0 }]);
      expect(emu.calls.length).toBe(calls);
      expect(log.records().map((r) => r.msg)).toEqual(
        expect.arrayContaining([
          "alarm callback: the address verification Cloud Monitor sends when it is saved",
          "alarm callback ignored: an event alarm, not a metric alarm",
        ]),
      );
    } finally {
      await server.stop();
    }
  });

  it("a callback answered 409 (a run in flight) is not remembered as verified: Cloud Monitor's retry runs", async () => {
    const emu = await emulator({ latencyMs: 100 });
    const idle = emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0.01 } });
    // A busy neighbour, so the guard's half of the fleet allows one stop.
    emu.state.addInstance({ Region: GZ, profile: { cpu: 70, traffic: 4 } });
    const { server, post, settled } = await serve(emu);
    try {
      const scheduled = server.runOnce("auto-stop-idle", { source: "timer", dryRun: true });
      expect((await post(callback(idle.InstanceId))).status).toBe(409);
      await scheduled;
      // The retry, after the scheduled run: verified now, not "verified less than 10 minutes ago".
      expect((await post(callback(idle.InstanceId))).status).toBe(200);
      await settled();
      expect(state(emu, idle.InstanceId)).toBe("STOPPED");
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

const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
  vi.unstubAllEnvs();
});

/** A stand-in for Lambda's Invoke API: POST /2015-03-31/functions/<name>/invocations, 202 for an Event invocation. */
async function lambdaApi() {
  const seen: Array<{ path: string; type: string | undefined; body: AlarmEvent }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        path: decodeURIComponent(req.url ?? ""),
        type: req.headers["x-amz-invocation-type"] as string | undefined,
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as AlarmEvent,
      });
      res.writeHead(202, { "x-amzn-RequestId": `aws-${seen.length}` }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => server.close());
  vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "example-secret-example-secret-example00");
  return { seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("alarm callback through the platforms' function URLs", () => {
  const SCF_NAME = "cvm-autopilot-auto-stop-idle";
  const ARN = "arn:aws:lambda:us-east-1:123456789012:function:cvm-autopilot-dev-auto-stop-idle";
  for (const platform of ["SCF", "Lambda"] as const) {
    it(`${platform}: answered at once, the verification handed to an asynchronous invocation of the function, which verifies the named machine only`, async () => {
      const emu = await emulator();
      const idle = emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0.01 } });
      const busy = emu.state.addInstance({ Region: GZ, profile: { cpu: 70, traffic: 4 } });
      scfStore.set(emu.state, new Map([[`${GZ}/default/${SCF_NAME}`, stubFunction(SCF_NAME)]]));
      const lambda = platform === "Lambda" ? await lambdaApi() : undefined;
      const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, {
        env: {
          ...envFor(emu),
          WEBHOOK_SECRET: SECRET,
          REGIONS: GZ,
          ...(lambda ? { AWS_REGION: "us-east-1", AWS_ENDPOINT_URL_LAMBDA: lambda.url } : {}),
        },
        logger: memoryLogger(),
      });
      const call = (body: string, path: string) =>
        (platform === "SCF"
          ? h.main_handler(scfFunctionUrl(body, {}, path), { request_id: "r1", function_name: SCF_NAME })
          : h.handler(httpApiV2(body, {}, path), {
              awsRequestId: "r1",
              invokedFunctionArn: ARN,
            })) as Promise<HttpReply>;
      /** The asynchronous events the platform was asked to deliver. */
      const handed = (): AlarmEvent[] =>
        lambda
          ? lambda.seen.map((s) => s.body)
          : (scfStore.get(emu.state)!.get(`${GZ}/default/${SCF_NAME}`)!.invocations ?? [])
              .filter((i) => i.type === "Event")
              .map((i) => i.event as AlarmEvent);
      const deliver = (e: AlarmEvent) =>
        platform === "SCF" ? h.main_handler(e, { request_id: "async-1" }) : h.handler(e, { awsRequestId: "async-1" });
      const path = alarmPath(SECRET, "auto-stop-idle")!;

      const busyReply = await call(callback(busy.InstanceId), path);
      expect([busyReply.statusCode, JSON.parse(busyReply.body)]).toEqual([200, OK]);
      // Nothing verified yet: the reply did not wait for it.
      expect(emu.callsFor("GetMonitorData")).toHaveLength(0);
      expect(handed()).toEqual([{ [ALARM_KEY]: { function: "auto-stop-idle", instance: busy.InstanceId } }]);
      if (lambda)
        expect(lambda.seen[0]).toMatchObject({ path: `/2015-03-31/functions/${ARN}/invocations`, type: "Event" });
      await deliver(handed()[0]!);
      expect(state(emu, busy.InstanceId)).toBe("RUNNING");
      expect(metricIds(emu)).toEqual(new Set([busy.InstanceId]));

      expect((await call(callback(idle.InstanceId), "/alarm/forged")).statusCode).toBe(404);
      expect(handed()).toHaveLength(1);
      expect((await call(callback(idle.InstanceId), path)).statusCode).toBe(200);
      expect(state(emu, idle.InstanceId)).toBe("RUNNING");
      await deliver(handed()[1]!);
      expect(state(emu, idle.InstanceId)).toBe("STOPPED");
      // The address verification and an event alarm: 200, nothing handed on.
      expect((await call(JSON.stringify({ sessionId: "v" }), path)).statusCode).toBe(200);
      expect((await call(JSON.stringify({ alarmType: "event", alarmStatus: "1" }), path)).statusCode).toBe(200);
      expect(handed()).toHaveLength(2);
      // An asynchronous event for another function, or naming no instance, is refused.
      await expect(deliver({ [ALARM_KEY]: { function: "office-hours", instance: idle.InstanceId } })).rejects.toThrow(
        /alarm verification refused/,
      );
    });
  }
});
