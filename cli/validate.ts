/**
 * `cvm-autopilot validate`: the whole configuration checked offline (no call is made): every
 * problem of every function at once, unknown settings under our prefixes, and each function's
 * effective settings (where each value came from) and scope. Secrets are said to be set, never shown.
 */
import { ConfigError, SHARED_DEPLOY_VARIABLES, type Env } from "../lib/config/config.ts";
import { settingsByVariable, unknownVariableWarnings } from "./settings-catalog.ts";
import { defaultWords } from "../lib/config/settings.ts";
import { withDemoNote } from "../lib/config/demo-settings.ts";
import { loadSchedules, scheduleZone, scheduleVar } from "../lib/deploy/schedules.ts";
import { REGISTRY } from "../functions/registry.ts";
import { decideLive, liveMode, nextRun } from "./going-live.ts";
import { DEMO, hasCredentials } from "./demo-seam.ts";
import { redactText } from "../lib/log/redact.ts";
import { scheduleWords } from "./deploy-words.ts";

/** Values never printed: keys, tokens, and robot addresses (their key is in the URL). */
const SECRET = /SECRET|TOKEN|KEY$|NOTIFY_URLS/;

const MODE_WORDS = {
  demo: "on the demo emulator",
  undecided: "a dry run (DRY_RUN is not set; DRY_RUN=false to act)",
  "dry-run": "a dry run (DRY_RUN=true)",
  live: "LIVE (DRY_RUN=false): it acts",
} as const;

let catalog: ReturnType<typeof settingsByVariable> | undefined;

/** `NAME = value (env)`, or the declared default. */
function settingLine(name: string, env: Env, fromFile: ReadonlySet<string>): string {
  const v = env[name]?.trim();
  const declared = (catalog ??= settingsByVariable()).get(name);
  if (!v) return `    ${name} = ${declared ? defaultWords(declared).replace(/`/g, "") : "—"} (default)`;
  return `    ${name} = ${SECRET.test(name) ? "(set, not shown)" : v} (${fromFile.has(name) ? ".env" : "env"})`;
}

export function validateCommand(given: Env, out: (s: string) => void, fromFile: ReadonlySet<string>): number {
  const problems: string[] = [];
  const demo = !hasCredentials(given);
  // As serve and run will decide it: DRY_RUN unset is a dry run, but for the demo on its emulator.
  const { env, undecided } = decideLive(given, demo);
  const warnings = unknownVariableWarnings(env);
  let zone = "UTC";
  let schedules: Record<string, string> = {};
  try {
    zone = scheduleZone(env);
    schedules = loadSchedules(REGISTRY, env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    out(`schedules: ${e.issues.length} problem(s)`);
    for (const i of e.issues) out(`  - ${i}`);
    problems.push(...e.issues);
  }
  out(
    demo
      ? "credentials: none, so serve, run and schedule use the embedded emulator's demo fleet"
      : `credentials: set${given.CVM_AUTOPILOT_ENDPOINT ? `, against ${redactText(given.CVM_AUTOPILOT_ENDPOINT)}` : ""}`,
  );
  out("shared settings:");
  // What the operator set, not what decideLive made explicit: DRY_RUN unset shows its default's words.
  for (const n of SHARED_DEPLOY_VARIABLES) out(settingLine(n, given, fromFile));
  for (const f of REGISTRY) {
    try {
      const loaded = f.load(env);
      const when = schedules[f.name];
      const mode = liveMode(demo, undecided, loaded.config);
      out(`${f.name}: ok, ${MODE_WORDS[mode]}`);
      out(`  scope: ${loaded.scope()}`);
      if (when)
        out(
          `  schedule: ${scheduleWords(when)} ("${when}", ${scheduleVar(f.name)}); next ${nextRun(when, zone, new Date())}`,
        );
      for (const n of f.variables) out(settingLine(n, env, fromFile));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      out(`${f.name}: ${e.issues.length} problem(s)`);
      for (const i of e.issues) out(`  - ${withDemoNote(i, DEMO)}`);
      problems.push(...e.issues.map((i) => `${f.name}: ${i}`));
    }
  }
  for (const w of warnings) out(`warning: ${w}`);
  out(
    problems.length
      ? `validate: ${problems.length} problem(s); nothing was called`
      : `validate: the configuration is complete${warnings.length ? `, with ${warnings.length} warning(s)` : ""}; nothing was called`,
  );
  return problems.length ? 2 : 0;
}
