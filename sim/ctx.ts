/** What every phase of a simulated step works with, and two helpers on it (its own file: phases.ts and resizes.ts both use them). */
import type { FaultSchedule } from "./faults.ts";
import type { SimMachine } from "./fleet.ts";
import type { Judge } from "./invariants.ts";
import type { Journal } from "./journal.ts";
import type { Owners } from "./owners.ts";
import type { World } from "./world.ts";

export interface Ctx {
  world: World;
  j: Journal;
  judge: Judge;
  owners: Owners;
  faults: FaultSchedule;
  machines: readonly SimMachine[];
  stats: Record<string, number>;
}

/** Whether a machine runs now, as the emulator settles it; false when it is gone. */
export const running = (c: Ctx, id: string): boolean => {
  const inst = c.world.emu.state.instances.get(id);
  return inst ? c.world.emu.state.settle(inst).InstanceState === "RUNNING" : false;
};

/** Adds to one of the simulation's counters. */
export const bump = (c: Ctx, k: string, n = 1) => void (c.stats[k] = (c.stats[k] ?? 0) + n);
