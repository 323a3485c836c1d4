/** Running scenarios for the hardening suite, with every log line kept for the secrets check. */
import { afterAll, expect } from "vitest";
import type { Emulator } from "../../emulator/server.ts";
import type { ReportBase } from "../../lib/report/report-head.ts";
import { DEMO_CREDENTIALS } from "../../emulator/server.ts";
import { runFunction } from "../helpers/functions.ts";
import { accessViolations } from "../helpers/keys.ts";
import { emulator } from "../helpers/world.ts";
import { writeCalls, type Scenario } from "./scenarios.ts";

export const allLogLines: string[] = [];
export const tally = { scenarios: 0, runs: 0, faultsInjected: 0, violations: 0 };

/** An emulator that records an access-invariant violation after any request that causes one. */
export async function world(s: Scenario, seed: number) {
  const perRequest: string[] = [];
  const emu = await emulator({
    seed,
    rateLimits: true,
    afterRequest:
      s.name === "key-rotation"
        ? (call, state) => perRequest.push(...accessViolations(state).map((v) => `after ${call.action}: ${v}`))
        : undefined,
  });
  s.setup(emu);
  tally.scenarios++;
  return { emu, perRequest };
}

/** Runs a function; a run that throws is itself a violation (runs report, they do not crash). */
export async function runOnce(
  s: Scenario,
  emu: Emulator,
  extra: Record<string, string> = {},
): Promise<{ report?: ReportBase; thrown?: unknown }> {
  tally.runs++;
  try {
    const now = s.emulatorTime ? { now: () => new Date(emu.state.now()) } : {};
    const { report, log } = await runFunction<ReportBase>(s.name, emu, { ...s.env, ...extra }, {}, now);
    allLogLines.push(...log.lines);
    return { report };
  } catch (thrown) {
    return { thrown };
  }
}

export const faultsFired = (emu: Emulator) => emu.calls.filter((c) => c.fault).length;

/** No secret key, session token, signature or private key in anything the suite logged. */
export function assertNoSecretsLogged(): void {
  afterAll(() => {
    const all = allLogLines.join("\n");
    expect(allLogLines.length).toBeGreaterThan(0);
    expect(all).not.toContain(DEMO_CREDENTIALS.secretKey);
    expect(all).not.toMatch(/PRIVATE KEY/);
    expect(all).not.toMatch(/Signature=[0-9a-fA-F]{64}/);
    expect(all).not.toMatch(/MII[A-Za-z0-9+/]{40}/);
  });
}

/** After a run that may have gone wrong: a clean run must converge, and the run after it write nothing. */
export async function convergeAndCheck(
  s: Scenario,
  emu: Emulator,
  violations: string[],
  perRequest: string[],
): Promise<void> {
  // The next run comes later, not within the same second: the emulator's per-second rate windows
  // of the runs before it have passed (two overlapping runs may together exceed an action's limit).
  emu.advance(1_100);
  const clean = await runOnce(s, emu);
  violations.push(
    ...(clean.thrown ? [`the clean re-run threw: ${(clean.thrown as Error).message}`] : []),
    ...s.invariants(emu, clean.report),
    ...s.converged(emu),
  );
  const before = writeCalls(emu).length;
  await runOnce(s, emu);
  if (writeCalls(emu).length !== before)
    violations.push(`a converged run still wrote ${writeCalls(emu).length - before} time(s)`);
  violations.push(...perRequest);
  tally.violations += violations.length;
}
