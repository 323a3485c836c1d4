/** Functions that start and stop the same machines never run at the same instant in `serve`, and an expected race is no warning. */
import { describe, expect, it } from "vitest";
import { REGISTRY } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { startLocalServer } from "../lib/host/local-server.ts";
import { sharedTouches } from "../lib/host/run-locks.ts";
import { api } from "../lib/tencent/services.ts";
import { envFor } from "./helpers/functions.ts";
import { clientFor, emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";

describe("serve: functions that change the same machines", () => {
  it("are found from the calls each declares, not from their names", () => {
    expect(sharedTouches(REGISTRY)).toEqual([
      "instance power: auto-stop-idle, key-rotation, office-hours and rightsize",
    ]);
    expect(sharedTouches(REGISTRY).join()).not.toMatch(/image-sync|renew-flag/);
  });

  it("run one after the other when both fire at once", async () => {
    const emu = await emulator({ latencyMs: 15 });
    for (let i = 0; i < 4; i++) {
      emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0 } });
      emu.state.addInstance({
        Region: GZ,
        InstanceState: "RUNNING",
        Tags: [{ Key: "autopilot:office-hours", Value: "office" }],
      });
    }
    const log = memoryLogger("info");
    const server = await startLocalServer({
      functions: REGISTRY,
      env: { ...envFor(emu), SERVE_FUNCTIONS: "auto-stop-idle,office-hours,renew-flag", DRY_RUN: "true" },
      port: 0,
      logger: log,
      say: () => undefined,
      schedules: false,
    });
    try {
      await Promise.all(
        ["auto-stop-idle", "office-hours", "renew-flag"].map((n) => server.runOnce(n, { source: "timer" })),
      );
    } finally {
      await server.stop();
    }
    // The API calls of the two, in the order they were made: all of one, then all of the other.
    const order = log
      .records()
      .filter((r) => r.msg === "api call" && r.function !== "renew-flag")
      .map((r) => r.function as string);
    const switches = order.filter((f, i) => i > 0 && f !== order[i - 1]).length;
    expect(new Set(order).size).toBe(2);
    expect(switches).toBe(1);
    // A function that changes something else is not held back.
    expect(log.records().some((r) => r.msg === "api call" && r.function === "renew-flag")).toBe(true);
  });
});

describe("an expected race", () => {
  it("stopping a machine that is already stopped is logged at debug, never as a failed call", async () => {
    const emu = await emulator();
    const id = emu.state.addInstance({ Region: GZ, InstanceState: "STOPPED" }).InstanceId;
    const { client, log } = clientFor(emu);
    await expect(
      api(client).stopInstances(GZ, { InstanceIds: [id], StopType: "SOFT", StoppedMode: "STOP_CHARGING" }),
    ).rejects.toMatchObject({ code: "UnsupportedOperation.InstanceStateStopped" });
    const records = log.records().filter((r) => r.action === "StopInstances");
    expect(records.map((r) => r.level)).not.toContain("warn");
    expect(records.some((r) => r.msg === "api call answered as expected")).toBe(true);
  });
});
