/**
 * A run killed at a random point — an SCF timeout mid-run — leaves the cloud in a state the
 * next run finishes: it converges, and nothing is duplicated. The kill is modelled at the
 * server: after call k every request is dropped and nothing is retried, as if the process died.
 */
import { afterAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../emulator/random.ts";
import { SCENARIOS } from "./scenarios.ts";
import { assertNoSecretsLogged, convergeAndCheck, runOnce, tally, world } from "./world.ts";

const KILLS_PER_FUNCTION = 4;

describe.each(SCENARIOS.map((make) => [make().name, make] as const))("%s killed mid-run", (_name, make) => {
  const rnd = seededRandom(make().name.length * 104729);
  const points = Array.from({ length: KILLS_PER_FUNCTION }, () => 1 + Math.floor(rnd() * 30));

  it.each(points)("killed after call %i: the next run converges, nothing duplicated", async (k) => {
    const s = make();
    const { emu, perRequest } = await world(s, k);
    emu.faults.add({ action: "*", kind: "drop", after: k });
    const killed = await runOnce(s, emu, { CVM_AUTOPILOT_MAX_ATTEMPTS: "1", CVM_AUTOPILOT_TIMEOUT_MS: "100" });
    const violations = [
      ...(killed.thrown ? [`the killed run threw: ${(killed.thrown as Error).message}`] : []),
      ...s.invariants(emu, killed.report),
    ];
    emu.faults.clear();
    await convergeAndCheck(s, emu, violations, perRequest);
    expect(violations).toEqual([]);
  });
});

assertNoSecretsLogged();
afterAll(() =>
  console.log(
    `hardening/crash: ${tally.scenarios} kill points, ${tally.runs} runs, ${tally.violations} invariant violations`,
  ),
);
