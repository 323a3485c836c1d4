/**
 * Going live is the operator's decision, never a default: a deployed handler whose environment
 * lacks DRY_RUN decides and reports but changes nothing, on both platforms and through its URL.
 * Only the credential-less demo, on its own emulator, acts without being told to.
 */
import { describe, expect, it } from "vitest";
import { makeHandlers, type HttpReply } from "../lib/host/adapters.ts";
import { loadBaseConfig } from "../lib/config/config.ts";
import type { RunReport } from "../lib/report/report.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { FUNCTIONS } from "../functions/registry.ts";
import { envFor } from "./helpers/functions.ts";
import { eventBridge, httpApiV2, scfTimer, signedHeaders } from "./helpers/events.ts";
import { emulator } from "./helpers/world.ts";
import { runCli } from "./helpers/cli.ts";
import type { Emulator } from "../emulator/server.ts";

const SECRET = "whsec-test-0123456789abcdef0123456789";
const GZ = "ap-guangzhou";

/** auto-stop-idle's handlers with credentials and no DRY_RUN at all, and one idle machine of two to stop. */
async function undecided(): Promise<{ emu: Emulator; id: string; h: ReturnType<typeof makeHandlers> }> {
  const emu = await emulator();
  const idle = emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0 } });
  // A busy one beside it, so the blast-radius guard lets a live run stop the idle one.
  emu.state.addInstance({ Region: GZ, profile: { cpu: 50, traffic: 5 } });
  const { DRY_RUN: _unset, ...env } = envFor(emu, { WEBHOOK_SECRET: SECRET });
  expect(env).not.toHaveProperty("DRY_RUN");
  const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env, logger: memoryLogger() });
  return { emu, id: idle.InstanceId, h };
}

describe("DRY_RUN unset", () => {
  it("reads as a dry run in the shared config", () => {
    const c = loadBaseConfig({
      TENCENTCLOUD_SECRET_ID: "AKIDx",
      TENCENTCLOUD_SECRET_KEY: "k",
      TENCENTCLOUD_REGION: GZ,
    });
    expect(c.dryRun).toBe(true);
  });

  it.each([
    ["SCF timer", (h: ReturnType<typeof makeHandlers>) => h.main_handler(scfTimer(), { request_id: "scf-1" })],
    ["Lambda EventBridge", (h: ReturnType<typeof makeHandlers>) => h.handler(eventBridge(), { awsRequestId: "aws-1" })],
  ])("%s: the handler plans the stop and stops nothing", async (_name, invoke) => {
    const { emu, id, h } = await undecided();
    const report = (await invoke(h)) as unknown as RunReport;
    expect(report.dryRun).toBe(true);
    expect(report.results.map((r) => [r.id, r.outcome])).toEqual([[id, "planned"]]);
    expect(emu.state.instances.get(id)!.InstanceState).toBe("RUNNING");
    expect(emu.callsFor("StopInstances")).toHaveLength(0);
  });

  it("a signed webhook asking for dryRun: false does not make it live", async () => {
    const { emu, id, h } = await undecided();
    const body = JSON.stringify({ dryRun: false });
    const reply = (await h.handler(httpApiV2(body, signedHeaders(SECRET, body), "/run/auto-stop-idle"), {
      awsRequestId: "a",
    })) as HttpReply;
    expect(JSON.parse(reply.body)).toMatchObject({ dryRun: true });
    expect(emu.state.instances.get(id)!.InstanceState).toBe("RUNNING");
  });

  it("the demo (no credentials, its own emulator) still acts", { timeout: 60_000 }, async () => {
    const r = await runCli(["run", "auto-stop-idle", "-o", "json"], {}, 45_000);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.dryRun).toBe(false);
    expect(report.results.some((e) => e.outcome === "done")).toBe(true);
  });
});
