/**
 * The demo world `npm start` runs against when no credentials are set: a seeded fleet in two
 * regions with something for every function to do — idle machines, a golden image to sync,
 * prepaid machines with the wrong renew flag, instances on an old SSH key, oversized machines, and
 * pay-as-you-go machines that ran all last month.
 */
import { generateKeyPairSync } from "node:crypto";
import { toOpenSshRsaPublicKey } from "../lib/ssh/openssh.ts";
import { DEMO_SETTINGS } from "../lib/config/demo-settings.ts";
import { DEMO_CREDENTIALS, startEmulator, type Emulator } from "./server.ts";
import { addWeeklyMachine } from "./fleet.ts";
import type { EmulatorState } from "./state.ts";

export const DEMO_REGIONS = ["ap-guangzhou", "ap-shanghai"];

export async function startDemoEmulator(seed = 7): Promise<Emulator> {
  const emu = await startEmulator({
    instances: 80,
    fleetRegions: DEMO_REGIONS,
    seed,
    timings: { stopMs: 3000, startMs: 3000, syncMs: 10_000 },
  });
  // In this order: the state numbers what it adds, so the demo's ids stay what they were.
  addImages(emu.state);
  addBastions(emu.state);
  addOfficeMachines(emu.state);
  addOversizedMachines(emu.state);
  return emu;
}

/** image-sync: a tagged golden image to copy, and one left alone. */
function addImages(state: EmulatorState): void {
  const [gz, sh] = DEMO_REGIONS as [string, string];
  // Real custom images are the size of the system disk they came from: 50 or 100 GiB.
  state.addImage({
    Region: gz,
    ImageName: "golden-web",
    ImageDescription: "nightly golden image",
    ImageSize: 100,
    Tags: [{ Key: "autopilot:sync", Value: "true" }],
  });
  state.addImage({ Region: sh, ImageName: "team-data-base" });
}

/** key-rotation: bastions in every region on an old key, tagged to rotate. */
function addBastions(state: EmulatorState): void {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  for (const region of DEMO_REGIONS) {
    const key = state.addKeyPair({
      Region: region,
      KeyName: "legacy_ops_key",
      PublicKey: toOpenSshRsaPublicKey(publicKey, "ops"),
      CreatedTime: "2025-01-15T00:00:00Z",
    });
    for (let i = 0; i < 3; i++) {
      const inst = state.addInstance({
        Region: region,
        InstanceName: `bastion-${region}-${i}`,
        InstanceState: i === 0 ? "RUNNING" : "STOPPED",
        Tags: [
          { Key: "autopilot:rotate-keys", Value: "true" },
          { Key: "env", Value: "ops" },
        ],
      });
      state.bindKeys(inst, [key.KeyId]);
    }
  }
}

/** office-hours and schedule-advisor: machines on a schedule, or with a weekly rhythm to learn one from. */
function addOfficeMachines(state: EmulatorState): void {
  const [gz, sh] = DEMO_REGIONS as [string, string];
  // office-hours: development machines on the default working-hours schedule, and one on a schedule nobody defined.
  for (const [i, instanceState] of (["STOPPED", "STOPPED", "RUNNING", "RUNNING"] as const).entries()) {
    state.addInstance({
      Region: gz,
      InstanceName: `dev-desktop-${i}`,
      InstanceState: instanceState,
      Tags: [
        { Key: "autopilot:office-hours", Value: "office" },
        { Key: "env", Value: "dev" },
      ],
    });
  }
  // schedule-advisor: machines with a weekly rhythm (fleet.ts), one of them too new to judge.
  addWeeklyMachine(state, { region: sh, pattern: "office-hours", ageDays: 60, name: "ci-runner" });
  addWeeklyMachine(state, { region: sh, pattern: "weekends-only", ageDays: 60, name: "weekend-batch" });
  addWeeklyMachine(state, { region: sh, pattern: "office-hours", ageDays: 3, name: "new-sandbox" });
  state.addInstance({
    Region: sh,
    InstanceName: "dev-typo",
    InstanceState: "STOPPED",
    Tags: [{ Key: "autopilot:office-hours", Value: "ofice" }],
  });
}

/** rightsize: oversized machines tagged to apply in a window, one with the monitoring agent (memory known). */
function addOversizedMachines(state: EmulatorState): void {
  const [gz, sh] = DEMO_REGIONS as [string, string];
  state.addInstance({
    Region: gz,
    InstanceName: "analytics-big",
    InstanceType: "S5.4XLARGE32",
    Tags: [{ Key: "autopilot:rightsize", Value: "apply" }],
    profile: { cpu: 6, mem: 30, traffic: 4 },
  });
  state.addInstance({
    Region: sh,
    InstanceName: "api-sa2",
    InstanceType: "SA2.LARGE8",
    Tags: [{ Key: "autopilot:rightsize", Value: "apply" }],
    profile: { cpu: 15, traffic: 3 },
  });
}

/** Settings the demo runs with; anything the user set in env wins, except where to connect. */
export function demoEnv(emu: Emulator, env: Record<string, string | undefined>): Record<string, string | undefined> {
  return {
    ...DEMO_SETTINGS,
    // A demo fleet's runs are not history: its machines vanish with the process.
    HISTORY: "off",
    ...env,
    TENCENTCLOUD_SECRET_ID: DEMO_CREDENTIALS.secretId,
    TENCENTCLOUD_SECRET_KEY: DEMO_CREDENTIALS.secretKey,
    TENCENTCLOUD_SESSION_TOKEN: undefined,
    TENCENTCLOUD_REGION: DEMO_REGIONS[0],
    CVM_AUTOPILOT_ENDPOINT: emu.url,
  };
}
