/**
 * Two overlapping runs of the same function — a schedule firing while a webhook run is in
 * flight, on two SCF instances — do no harm: every write is idempotent or detected (a stopped
 * instance is "changed", a duplicate image copy or key is pruned or resumed by name), so the
 * invariants hold and the next run converges. In one process `serve` also refuses to overlap
 * runs of a function (test/serve.test.ts).
 */
import { afterAll, describe, expect, it } from "vitest";
import { FUNCTIONS, REGISTRY } from "../../functions/registry.ts";
import { REGIONS, SCENARIOS, withoutScenario } from "./scenarios.ts";
import { derivedScenario } from "./derived-scenario.ts";
import { assertNoSecretsLogged, convergeAndCheck, runOnce, tally, world } from "./world.ts";

describe.each(SCENARIOS.map((make) => [make().name, make] as const))("%s", (_name, make) => {
  it("two overlapping runs: invariants hold; the next run converges and then nothing is written", async () => {
    const s = make();
    const { emu, perRequest } = await world(s, 5);
    const [a, b] = await Promise.all([runOnce(s, emu), runOnce(s, emu)]);
    const violations = [
      ...[a, b].flatMap((r) => (r.thrown ? [`a run threw: ${(r.thrown as Error).message}`] : [])),
      ...s.invariants(emu, a.report),
    ];
    await convergeAndCheck(s, emu, violations, perRequest);
    expect(violations).toEqual([]);
  });
});

// What a new writing function gets with no scenario of its own, tried on one that has its own too.
it("a scenario derived from renew-flag's declaration alone: overlapping runs keep the invariants and converge", async () => {
  const s = derivedScenario(FUNCTIONS["renew-flag"]!, REGIONS);
  const { emu, perRequest } = await world(s, 5);
  const [a, b] = await Promise.all([runOnce(s, emu), runOnce(s, emu)]);
  const violations = [...[a, b].flatMap((r) => (r.thrown ? ["a run threw"] : [])), ...s.invariants(emu, a.report)];
  await convergeAndCheck(s, emu, violations, perRequest);
  expect(violations).toEqual([]);
});

it("every registered function that writes has a hardening scenario", () => {
  // The scenarios race writes against the cloud changing; a read-only function has none to race.
  expect(withoutScenario(REGISTRY.filter((f) => f.writes).map((f) => f.name))).toEqual([]);
});

assertNoSecretsLogged();
afterAll(() =>
  console.log(
    `hardening/concurrency: ${tally.scenarios} scenarios, ${tally.runs} runs, ${tally.violations} invariant violations`,
  ),
);
