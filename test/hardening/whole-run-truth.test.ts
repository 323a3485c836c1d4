/**
 * Exit codes and failure texts that are true for the whole run: over several accounts the guard
 * may trip in one while another stops a machine. Then the run did something: exit 1 naming the
 * tripped accounts, never 3 or "nothing was done".
 */
import { describe, expect, it } from "vitest";
import { FUNCTIONS } from "../../functions/registry.ts";
import { memoryLogger } from "../../lib/log/logger.ts";
import { makeHandlers, RunFailedError } from "../../lib/host/adapters.ts";
import { runCli } from "../helpers/cli.ts";
import { scfTimer } from "../helpers/events.ts";
import { envFor } from "../helpers/functions.ts";
import { emulator } from "../helpers/world.ts";

const A = "200000000002";
const B = "200000000003";
const arn = (uin: string) => `qcs::cam::uin/${uin}:roleName/cvm-autopilot`;

async function world() {
  const emu = await emulator({ accounts: [{ uin: A }, { uin: B }] });
  const idle = { cpu: 1, traffic: 0 };
  const busy = { cpu: 60, traffic: 5 };
  // A: one idle among four, within its share (count 2 / 2 accounts = 1). B: five idle of six, over it.
  emu.account(A).state.addInstance({ Region: "ap-guangzhou", profile: idle });
  for (let i = 0; i < 3; i++) emu.account(A).state.addInstance({ Region: "ap-guangzhou", profile: busy });
  for (let i = 0; i < 5; i++) emu.account(B).state.addInstance({ Region: "ap-guangzhou", profile: idle });
  emu.account(B).state.addInstance({ Region: "ap-guangzhou", profile: busy });
  return {
    emu,
    env: envFor(emu, { ACCOUNTS: `${arn(A)},${arn(B)}`, REGIONS: "ap-guangzhou", AUTO_STOP_MAX_COUNT: "2" }),
  };
}

describe("the guard trips in one account while another acts", () => {
  it("the CLI exits 1 and names the tripped account; a run held back everywhere still exits 3", async () => {
    const { emu, env } = await world();
    const r = await runCli(["run", "auto-stop-idle", "-o", "text"], { ...env, DRY_RUN: "false" });
    expect(emu.calls.filter((c) => c.action === "StopInstances" && !c.code && c.account === A)).toHaveLength(1);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `blast-radius guard tripped in 1 of 2 accounts (${B}): nothing done there; 1 done elsewhere`,
    );
    expect(r.stderr).not.toContain("nothing was done");

    const held = await runCli(["run", "auto-stop-idle", "-o", "text"], { ...env, ACCOUNTS: arn(B), DRY_RUN: "false" });
    expect(held.code).toBe(3);
  });

  it("the platform error says what was done, not 'nothing was done'", async () => {
    const { env } = await world();
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env: { ...env, FANOUT: "off" }, logger: memoryLogger() });
    const err = await (h.main_handler(scfTimer(), { request_id: "t" }) as Promise<unknown>).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    expect((err as Error).message).toContain(
      `blast-radius guard tripped in 1 of 2 accounts (${B}): nothing done there; 1 done elsewhere`,
    );
    expect((err as Error).message).not.toContain("nothing was done");
  });
});
