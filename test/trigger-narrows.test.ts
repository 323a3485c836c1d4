/**
 * A trigger only narrows a run, and the runner keeps that promise for every function: each
 * registry function is run as if it forgot `ctx.only` (its decide sees no narrowing), a webhook
 * names one machine, and the writes that reach the emulator name that machine and no other.
 * What the function would have written elsewhere comes back as OutsideTrigger errors.
 */
import { afterEach, describe, expect, it } from "vitest";
import * as demo from "../emulator/demo.ts";
import type { Emulator } from "../emulator/server.ts";
import { REGISTRY } from "../functions/registry.ts";
import type { BaseConfig } from "../lib/config/config.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { runSpec } from "../lib/runtime/runner.ts";
import { createRunDeps } from "../lib/runtime/run-deps.ts";
import type { FunctionSpec, RunContext } from "../lib/runtime/spec.ts";
import type { Trigger } from "../lib/report/trigger.ts";
import { decideLive } from "../cli/going-live.ts";
import { demoRunEnv } from "../cli/demo-seam.ts";

type AnySpec = FunctionSpec<BaseConfig, string, unknown>;
const running: Emulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
});

/** The function as it would be had it forgotten to filter: its decide steps never see the trigger's instances. */
function forgetful(spec: AnySpec): AnySpec {
  const forget = <A extends unknown[], R>(step: ((ctx: RunContext<BaseConfig>, ...a: A) => R) | undefined) =>
    step &&
    ((ctx: RunContext<BaseConfig>, ...a: A) => {
      ctx.only = undefined;
      return step(ctx, ...a);
    });
  return { ...spec, decide: forget(spec.decide), decideAll: forget(spec.decideAll) };
}

async function run(spec: AnySpec, emu: Emulator, trigger: Trigger) {
  // The demo's environment as serve and run make it (each function's demo settings; on its own emulator, it acts).
  const config = spec.loadConfig(demoRunEnv(demo, emu, decideLive({}, true).env));
  const deps = createRunDeps(config, {
    logger: memoryLogger(),
    sleep: async (ms) => emu.advance(ms),
    client: { retry: { baseDelayMs: 5, maxDelayMs: 50 } },
  });
  return runSpec(spec, config, trigger, deps);
}

const isWrite = (action: string | undefined) => !!action && !/^(Describe|Get|List|Inquiry)/.test(action);
const instancesIn = (params: unknown) => new Set(JSON.stringify(params ?? {}).match(/ins-[a-z0-9]+/g) ?? []);

describe("a webhook naming one machine", () => {
  it.each(REGISTRY.map((f) => [f.name] as const))(
    "%s, even when it forgets ctx.only, writes to that machine and no other",
    { timeout: 60_000 },
    async (name) => {
      const spec = ((await import(`../functions/${name}/index.ts`)) as { default: AnySpec }).default;
      const emu = await demo.startDemoEmulator();
      running.push(emu);
      // What the whole run would write, to pick a machine it would act on (any machine, for a function that writes none).
      const plan = await run(spec, emu, { source: "test", dryRun: true });
      const onInstances = plan.results.filter((r) => r.id.startsWith("ins-"));
      const named = onInstances[0]?.id ?? [...emu.state.instances.keys()][0]!;
      const from = emu.calls.length;

      const report = await run(forgetful(spec), emu, { source: "webhook", instanceIds: [named] });

      const writes = emu.calls.slice(from).filter((c) => isWrite(c.action) && !c.code);
      // A read-only function (no apply) writes nothing at all: its answers are findings.
      if (!REGISTRY.find((f) => f.name === name)!.writes) {
        expect(writes.map((c) => c.action)).toEqual([]);
        return;
      }
      const touched = new Set(writes.flatMap((c) => [...instancesIn(c.params)]));
      // A read-only function (schedule-advisor: its results are findings) writes nothing at all.
      const writer = REGISTRY.find((f) => f.name === name)!.writes;
      expect([...touched]).toEqual(onInstances.length && writer ? [named] : []);
      // A function whose writes are on no instance (image-sync's images) writes nothing for a trigger that names one.
      if (!onInstances.length || !writer) expect(writes.map((c) => c.action)).toEqual([]);
      const refused = report.errors.filter((e) => e.code === "OutsideTrigger");
      expect(refused.every((e) => e.id !== named)).toBe(true);
      // The forgetful function did decide writes elsewhere, and the runner refused each of them.
      expect(refused.length, JSON.stringify(report.byKind)).toBeGreaterThan(0);
    },
  );
});
