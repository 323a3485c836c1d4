/**
 * The hardening scenario a writing function gets from its declaration alone, when it brings no
 * bespoke one (scenarios.ts): a seeded fleet like the demo's, the function's demo settings
 * (FunctionSpec.demoSettings, under which it plans a write on such a fleet), and its write
 * actions from the calls it declares. The invariants any function must keep hold: it writes only
 * in the run's regions, only with what it declared, and it finds something to write, so the
 * scenario proves something; that a converged run then writes nothing is checked for every
 * scenario (world.ts, convergeAndCheck).
 */
import type { Emulator } from "../../emulator/server.ts";
import { generateFleet } from "../../emulator/fleet.ts";
import type { FunctionEntry } from "../../lib/runtime/entry.ts";
import type { Scenario } from "./scenarios.ts";

/** Actions that change something (the read verbs are Describe, Get, List, Inquiry). */
const isWrite = (action: string) => !/^(Describe|Get|List|Inquiry)/.test(action);

export function derivedScenario(f: FunctionEntry, regions: readonly string[]): Scenario {
  const writeActions: string[] = f.calls.filter(isWrite);
  const writes = (emu: Emulator) => emu.calls.filter((c) => c.action && writeActions.includes(c.action) && !c.code);
  const named = (params: unknown) => JSON.stringify(params ?? {}).match(/ins-[a-z0-9]+/g) ?? [];
  return {
    name: f.name,
    env: { ...f.demoSettings, REGIONS: regions.join(",") },
    writeActions,
    setup(emu) {
      // The demo's mix (emulator/fleet.ts), smaller, plus a region outside REGIONS to keep out of.
      generateFleet(emu.state, { instances: 40, regions: [...regions], seed: 7 });
      generateFleet(emu.state, { instances: 4, regions: ["ap-beijing"], seed: 8 });
    },
    invariants(emu) {
      const outside = writes(emu)
        .flatMap((c) => named(c.params))
        .filter((id) => !regions.includes(emu.state.instances.get(id)?.Region ?? ""));
      const undeclared = emu.calls.filter((c) => c.action && isWrite(c.action) && !writeActions.includes(c.action));
      return [
        ...outside.map((id) => `wrote to ${id}, outside REGIONS`),
        ...undeclared.map((c) => `called ${c.action}, which ${f.name} does not declare`),
      ];
    },
    converged(emu) {
      return writes(emu).length ? [] : [`${f.name} wrote nothing on the seeded fleet: its demoSettings plan no write`];
    },
  };
}
