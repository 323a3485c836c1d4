/**
 * Fault storms against all four functions, several seeds each: throttling, 5xx, resets, replies
 * past the client's timeout, a bad id inside a batch, state changed under the caller. After
 * each storm the invariants hold; a clean re-run converges; a third run writes nothing.
 */
import { afterAll, describe, expect, it } from "vitest";
import { SCENARIOS, errorsHaveRequestIds, faultStorm } from "./scenarios.ts";
import { assertNoSecretsLogged, convergeAndCheck, faultsFired, runOnce, tally, world } from "./world.ts";

const SEEDS = [1, 2, 3];
const STORM_ENV = { CVM_AUTOPILOT_TIMEOUT_MS: "100", CVM_AUTOPILOT_MAX_ATTEMPTS: "4" };

describe.each(SCENARIOS.map((make) => [make().name, make] as const))("%s under fault storms", (_name, make) => {
  it.each(SEEDS)("seed %i: invariants hold, a re-run converges, a third run writes nothing", async (seed) => {
    const s = make();
    const { emu, perRequest } = await world(s, seed);
    emu.faults.add(...faultStorm(seed, s, emu));
    const storm = await runOnce(s, emu, STORM_ENV);
    tally.faultsInjected += faultsFired(emu);
    const violations = [
      ...(storm.thrown ? [`the run threw: ${(storm.thrown as Error).message}`] : []),
      ...s.invariants(emu, storm.report),
      ...errorsHaveRequestIds(storm.report?.errors ?? []),
    ];
    emu.faults.clear();
    await convergeAndCheck(s, emu, violations, perRequest);
    expect(violations).toEqual([]);
    expect(faultsFired(emu)).toBeGreaterThan(0);
  });
});

assertNoSecretsLogged();
afterAll(() => {
  console.log(
    `hardening/faults: ${tally.scenarios} scenarios, ${tally.runs} runs, ${tally.faultsInjected} faults injected, ${tally.violations} invariant violations`,
  );
});
