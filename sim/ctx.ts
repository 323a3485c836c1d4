/** What every phase of a simulated step works with (its own file: phases.ts and resizes.ts both read it). */
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
