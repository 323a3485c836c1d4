/**
 * Fan-out (issue 21), deployed-shape: the coordinator handler, driven by a timer event, invokes
 * one worker per account × region shard — through the emulator's SCF Invoke and through a local
 * stand-in of Lambda's Invoke API — and each worker, given the event it was sent, runs its shard.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { scfStore, stubFunction, type EmuFunction } from "../emulator/handlers/scf.ts";
import type { Emulator } from "../emulator/server.ts";
import { FUNCTIONS } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { makeHandlers, RunFailedError } from "../lib/host/adapters.ts";
import { SHARD_KEY, type FanoutReport, type ShardEvent } from "../lib/host/fanout.ts";
import type { RunReport } from "../lib/report/report.ts";
import { eventBridge, scfTimer } from "./helpers/events.ts";
import { envFor } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

const REGIONS = ["ap-guangzhou", "ap-shanghai", "ap-beijing"];
const MEMBERS = ["200000000002", "200000000003"];
const arn = (uin: string) => `qcs::cam::uin/${uin}:roleName/cvm-autopilot`;
const FN = "cvm-autopilot-auto-stop-idle";

async function world() {
  const emu = await emulator({ accounts: MEMBERS.map((uin) => ({ uin })) });
  const idle: Record<string, string[]> = {};
  for (const uin of MEMBERS) {
    for (const region of REGIONS) {
      (idle[uin] ??= []).push(
        emu.account(uin).state.addInstance({ Region: region, profile: { cpu: 1, traffic: 0 } }).InstanceId,
      );
      emu.account(uin).state.addInstance({ Region: region, profile: { cpu: 60, traffic: 4 } });
    }
  }
  // The deployed function itself, in the caller's account, so Invoke has something to invoke.
  const fns = new Map<string, EmuFunction>();
  fns.set(`ap-guangzhou/default/${FN}`, { ...stubFunction(FN), Role: "cvm-autopilot-runner" });
  scfStore.set(emu.state, fns);
  const env = envFor(emu, { ACCOUNTS: MEMBERS.map(arn).join(","), REGIONS: REGIONS.join(",") });
  return { emu, idle, fn: fns.get(`ap-guangzhou/default/${FN}`)!, env };
}

const state = (emu: Emulator, uin: string, id: string) => emu.account(uin).state.instances.get(id)!.InstanceState;

describe("fan-out", () => {
  it("SCF: a timer makes the coordinator invoke one worker per shard (2 accounts × 3 regions); each worker runs its shard", async () => {
    const { emu, idle, fn, env } = await world();
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env, logger: memoryLogger() });
    const report = (await h.main_handler(scfTimer(), {
      request_id: "scf-coord-1",
      function_name: FN,
      namespace: "default",
    })) as unknown as FanoutReport;
    expect(report.fanout.shards).toBe(6);
    expect(report.fanout.invoked).toHaveLength(6);
    expect(report.errors).toEqual([]);
    // Nothing was stopped by the coordinator itself.
    expect(emu.callsFor("StopInstances")).toHaveLength(0);
    const invokes = emu
      .callsFor("Invoke")
      .map((c) => c.params as { InvocationType: string; FunctionName: string; Namespace: string });
    expect(
      invokes.every((p) => p.InvocationType === "Event" && p.FunctionName === FN && p.Namespace === "default"),
    ).toBe(true);
    const events = fn.invocations!.map((i) => i.event as ShardEvent);
    expect(events.map((e) => `${e[SHARD_KEY].shard.account.uin}/${e[SHARD_KEY].shard.region}`).sort()).toEqual(
      MEMBERS.flatMap((u) => REGIONS.map((r) => `${u}/${r}`)).sort(),
    );
    for (const e of events)
      expect(e[SHARD_KEY]).toMatchObject({
        function: "auto-stop-idle",
        runId: report.runId,
        dryRun: false,
        shards: 6,
        shard: { account: { roleArn: expect.stringMatching(/^qcs::cam::uin\/\d+:roleName\/cvm-autopilot$/) } },
      });

    // What SCF would do with each queued event: run the worker.
    const workers = await Promise.all(
      events.map(
        (e, i) =>
          h.main_handler(e, {
            request_id: `scf-worker-${i}`,
            function_name: FN,
          }) as Promise<unknown> as Promise<RunReport>,
      ),
    );
    for (const w of workers) {
      expect(w.runId).toBe(report.runId);
      expect(w.regions).toHaveLength(1);
      expect(w.outcomes.done).toBe(1);
      expect(w.results[0]!.account).toMatch(/^2000/);
    }
    for (const uin of MEMBERS) for (const id of idle[uin]!) expect(state(emu, uin, id)).toBe("STOPPED");
  });

  it("past FANOUT_MAX_INVOCATIONS the coordinator hands each worker a batch of one account's regions; every shard still acts", async () => {
    const { emu, idle, fn, env } = await world();
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, {
      env: { ...env, FANOUT_MAX_INVOCATIONS: "2" },
      logger: memoryLogger(),
    });
    const report = (await h.main_handler(scfTimer(), {
      request_id: "scf-coord-b",
      function_name: FN,
      namespace: "default",
    })) as unknown as FanoutReport;
    expect(report.fanout.shards).toBe(6);
    expect(report.fanout.invoked).toHaveLength(2);
    const events = fn.invocations!.map((i) => i.event as ShardEvent);
    expect(
      events.map((e) => [e[SHARD_KEY].shard.account.uin, e[SHARD_KEY].shard.regions, e[SHARD_KEY].shards]),
    ).toEqual(MEMBERS.map((u) => [u, REGIONS, 6]).sort());
    const workers = await Promise.all(
      events.map(
        (e, i) =>
          h.main_handler(e, { request_id: `w${i}`, function_name: FN }) as Promise<unknown> as Promise<RunReport>,
      ),
    );
    expect(workers.map((w) => w.errors)).toEqual([[], []]);
    for (const uin of MEMBERS) for (const id of idle[uin]!) expect(state(emu, uin, id)).toMatch(/STOPP/);
  });

  it("a batch naming a region outside REGIONS, a region twice, or more regions than the run has shards is refused", async () => {
    const { env } = await world();
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env, logger: memoryLogger() });
    const batch = (regions: string[], shards = 6): ShardEvent => ({
      [SHARD_KEY]: {
        function: "auto-stop-idle",
        runId: "x",
        dryRun: false,
        shards,
        shard: { account: { uin: MEMBERS[0]!, roleArn: arn(MEMBERS[0]!) }, regions },
      },
    });
    await expect(h.main_handler(batch(["ap-guangzhou", "eu-frankfurt"]), { request_id: "w" })).rejects.toThrow(
      /region eu-frankfurt is not in REGIONS/,
    );
    await expect(h.main_handler(batch(["ap-guangzhou", "ap-guangzhou"]), { request_id: "w" })).rejects.toThrow(
      /names a region twice/,
    );
    await expect(h.main_handler(batch(REGIONS, 2), { request_id: "w" })).rejects.toThrow(/more than the 2 shards/);
  });

  it("a duplicate delivery of a worker's event (same run, same shard) does nothing the second time, and says so", async () => {
    const { emu, env } = await world();
    const log = memoryLogger();
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env, logger: log });
    const event: ShardEvent = {
      [SHARD_KEY]: {
        function: "auto-stop-idle",
        runId: "run-dup-1",
        dryRun: false,
        shards: 6,
        shard: { account: { uin: MEMBERS[0]!, roleArn: arn(MEMBERS[0]!) }, region: "ap-guangzhou" },
      },
    };
    const first = (await h.main_handler(event, { request_id: "w1" })) as unknown as RunReport;
    expect(first.outcomes.done).toBe(1);
    const calls = emu.calls.length;
    const second = (await h.main_handler(event, { request_id: "w1-retry" })) as unknown as {
      duplicate?: boolean;
      errors: unknown[];
    };
    expect(second).toMatchObject({ duplicate: true, errors: [] });
    expect(emu.calls.length).toBe(calls);
    expect(log.records().some((r) => String(r.msg).startsWith("duplicate delivery"))).toBe(true);
  });

  it("an SCF timer event's Type is read without case", async () => {
    const { env } = await world();
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env: { ...env, FANOUT: "off" }, logger: memoryLogger() });
    const r = (await h.main_handler({ ...scfTimer(), Type: "timer" }, { request_id: "t" })) as unknown as RunReport;
    expect(r.trigger).toBe("timer");
  });

  it("a worker refuses a shard its config would not list, and a single shard runs in-process", async () => {
    const { emu, env } = await world();
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env, logger: memoryLogger() });
    const bad: ShardEvent = {
      [SHARD_KEY]: {
        function: "auto-stop-idle",
        runId: "x",
        dryRun: false,
        shards: 1,
        shard: { account: { uin: "300000000009", roleArn: arn("300000000009") }, region: "ap-guangzhou" },
      },
    };
    await expect(h.main_handler(bad, { request_id: "w" })).rejects.toThrow(
      /shard refused: role .* is not one ACCOUNTS lists/,
    );
    const outside: ShardEvent = {
      [SHARD_KEY]: {
        function: "auto-stop-idle",
        runId: "x",
        dryRun: false,
        shards: 1,
        shard: { account: { uin: MEMBERS[0]!, roleArn: arn(MEMBERS[0]!) }, region: "eu-frankfurt" },
      },
    };
    await expect(h.main_handler(outside, { request_id: "w" })).rejects.toThrow(/region eu-frankfurt is not in REGIONS/);

    const one = makeHandlers(FUNCTIONS["auto-stop-idle"]!, {
      env: { ...env, ACCOUNTS: arn(MEMBERS[0]!), REGIONS: "ap-guangzhou" },
      logger: memoryLogger(),
    });
    const r = (await one.main_handler(scfTimer(), { request_id: "single", function_name: FN })) as unknown as RunReport;
    expect(r.outcomes.done).toBe(1);
    expect(emu.callsFor("Invoke")).toHaveLength(0);
  });

  it("3 accounts × 3 regions fanned out, one worker whose role cannot be assumed: 8 shards act, 1 is reported", async () => {
    const emu = await emulator({ accounts: ["200000000002", "200000000003", "200000000004"].map((uin) => ({ uin })) });
    const uins = ["200000000002", "200000000003", "200000000004"];
    const idle: string[] = [];
    for (const uin of uins)
      for (const region of REGIONS) {
        idle.push(
          `${uin}/${emu.account(uin).state.addInstance({ Region: region, profile: { cpu: 1, traffic: 0 } }).InstanceId}`,
        );
        emu.account(uin).state.addInstance({ Region: region, profile: { cpu: 60, traffic: 4 } });
      }
    scfStore.set(emu.state, new Map([[`ap-guangzhou/default/${FN}`, stubFunction(FN)]]));
    const env = envFor(emu, { ACCOUNTS: uins.map(arn).join(","), REGIONS: REGIONS.join(",") });
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env, logger: memoryLogger() });
    const coord = (await h.main_handler(scfTimer(), {
      request_id: "c",
      function_name: FN,
      namespace: "default",
    })) as unknown as FanoutReport;
    expect(coord.fanout.invoked).toHaveLength(9);
    // Each worker assumes its own role: the first one to try is refused.
    emu.faults.add({ action: "AssumeRole", kind: "error", code: "ResourceNotFound.RoleNotFound", count: 1 });
    const events = scfStore
      .get(emu.state)!
      .get(`ap-guangzhou/default/${FN}`)!
      .invocations!.map((i) => i.event);
    const results = await Promise.allSettled(events.map((e, i) => h.main_handler(e, { request_id: `w${i}` })));
    const acted = results
      .filter((r) => r.status === "fulfilled")
      .map((r) => (r as PromiseFulfilledResult<unknown>).value as RunReport);
    const failed = results
      .filter((r) => r.status === "rejected")
      .map((r) => (r as PromiseRejectedResult).reason as RunFailedError);
    expect(acted).toHaveLength(8);
    expect(acted.every((r) => r.outcomes.done === 1 && r.runId === coord.runId)).toBe(true);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toBeInstanceOf(RunFailedError);
    expect(failed[0]!.report.errors).toEqual([
      expect.objectContaining({
        action: "AssumeRole",
        code: "ResourceNotFound.RoleNotFound",
        requestId: expect.any(String),
      }),
    ]);
    const stopped = idle.filter((k) => {
      const [uin, id] = k.split("/");
      return emu.account(uin!).state.instances.get(id!)!.InstanceState === "STOPPED";
    });
    expect(stopped).toHaveLength(8);
  });

  it("FANOUT=off runs every shard in one invocation", async () => {
    const { emu, env } = await world();
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env: { ...env, FANOUT: "off" }, logger: memoryLogger() });
    const r = (await h.main_handler(scfTimer(), { request_id: "off", function_name: FN })) as unknown as RunReport;
    expect(r.outcomes.done).toBe(6);
    expect(emu.callsFor("Invoke")).toHaveLength(0);
  });

  it("an invocation that fails is reported against its shard; the others are invoked and the coordinator fails on the platform", async () => {
    const { emu, env } = await world();
    emu.faults.add({ action: "Invoke", kind: "error", code: "ResourceNotFound.Function", count: 1 });
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env, logger: memoryLogger() });
    const err = await h
      .main_handler(scfTimer(), { request_id: "c", function_name: FN, namespace: "default" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    const report = (err as RunFailedError).report as FanoutReport;
    expect(report.fanout.invoked).toHaveLength(5);
    expect(report.errors).toEqual([
      expect.objectContaining({ action: "Invoke", code: "ResourceNotFound.Function", requestId: expect.any(String) }),
    ]);
  });
});

describe("fan-out on AWS Lambda", () => {
  const servers: Array<() => void> = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s();
    vi.unstubAllEnvs();
  });

  it("an EventBridge schedule makes the coordinator invoke itself once per shard, asynchronously, through Lambda's Invoke API", async () => {
    const { env } = await world();
    // A stand-in for Lambda's Invoke API: POST /2015-03-31/functions/<name>/invocations, 202 for an Event invocation.
    const seen: Array<{ path: string; type: string | undefined; signed: boolean; body: ShardEvent }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({
          path: decodeURIComponent(req.url ?? ""),
          type: req.headers["x-amz-invocation-type"] as string | undefined,
          signed: String(req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256"),
          body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as ShardEvent,
        });
        res.writeHead(202, { "x-amzn-RequestId": `aws-${seen.length}` }).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    servers.push(() => server.close());
    // The runtime's own credentials, as Lambda provides them.
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "example-secret-example-secret-example00");
    const self = "arn:aws:lambda:us-east-1:123456789012:function:cvm-autopilot-dev-auto-stop-idle";
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, {
      env: {
        ...env,
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      },
      logger: memoryLogger(),
    });
    const report = (await h.handler(eventBridge(), {
      awsRequestId: "aws-coord",
      invokedFunctionArn: self,
    })) as unknown as FanoutReport;
    expect(report.fanout.invoked).toHaveLength(6);
    expect(seen).toHaveLength(6);
    for (const s of seen) {
      expect(s.path).toBe(`/2015-03-31/functions/${self}/invocations`);
      expect(s.type).toBe("Event");
      expect(s.signed).toBe(true);
      expect(s.body[SHARD_KEY]).toMatchObject({ function: "auto-stop-idle", runId: report.runId, shards: 6 });
    }
    expect(report.fanout.invoked.every((i) => /^aws-\d$/.test(i.requestId ?? ""))).toBe(true);
  });
});
