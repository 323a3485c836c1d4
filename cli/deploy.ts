/** `build` (esbuild bundles + schedule table) and `deploy` (native Tencent SCF, through our own client). */
import { historyBucketSteps } from "../lib/deploy/history-bucket.ts";
import { parseCommand } from "./usage.ts";
import { type BaseConfig, ConfigError, isRegion, readConfig, toBaseConfig, type Env } from "../lib/config/config.ts";
import type { SettingValues } from "../lib/config/settings.ts";
import type { TencentCloudClient } from "../lib/tencent/client.ts";
import { DEPLOY_SETTINGS } from "./host-settings.ts";
import { createLogger } from "../lib/log/logger.ts";
import { logFormat } from "./log-format.ts";
import { buildBundles } from "../lib/deploy/build.ts";
import { alarmPath } from "../lib/host/alarm-callback.ts";
import { provisionAccounts } from "../lib/deploy/deploy-accounts.ts";
import {
  deployProblems,
  deployToScf,
  functionEnvFor,
  functionNameFor,
  loadArtifact,
  NOT_WRITES,
  removeFromScf,
  type DeployStep,
} from "../lib/deploy/scf-deploy.ts";
import { checkRole, DeployError, roleFor } from "../lib/deploy/scf-role.ts";
import { loadSchedules, scheduleZone } from "../lib/deploy/schedules.ts";
import { scfSecretFrom } from "../lib/deploy/scf-secret.ts";
import { clientFromConfig } from "../lib/runtime/run-deps.ts";
import { resolveRegions } from "../lib/runtime/regions.ts";
import { REGISTRY } from "../functions/registry.ts";
import { callerAccount } from "../lib/accounts/resolve.ts";
import { errorRecord } from "../lib/tencent/errors.ts";
import { deployedModeLine, scheduleLines } from "./deploy-words.ts";

export async function buildCommand(out: (s: string) => void): Promise<number> {
  for (const b of await buildBundles(REGISTRY)) out(`${b.name}: ${b.file} (${(b.bytes / 1024).toFixed(1)} KiB)`);
  return 0;
}

/** What every step of a deploy reads: the command's options, the settings, the client and where it writes. */
interface DeployContext {
  values: ReturnType<typeof parseCommand<"deploy">>["values"];
  env: Env;
  base: BaseConfig;
  own: SettingValues<typeof DEPLOY_SETTINGS>;
  schedules: Record<string, string>;
  client: TencentCloudClient;
  target: { region: string; namespace: string; dryRun: boolean };
}

/** Reads the options and settings (every problem at once) and builds the client. */
function deployContext(args: string[], env: Env, err: (s: string) => void): DeployContext {
  const { values } = parseCommand("deploy", args);
  if (values.region && !isRegion(values.region))
    throw new ConfigError([`--region: expected a region name such as ap-guangzhou, got "${values.region}"`]);
  const { shared, own } = readConfig(
    { ...env, ...(values.region ? { TENCENTCLOUD_REGION: values.region } : {}) },
    DEPLOY_SETTINGS,
  );
  const base = toBaseConfig(shared);
  const schedules = loadSchedules(REGISTRY, env);
  // Code uploads are large: give them at least a minute.
  const client = clientFromConfig(
    base,
    createLogger({
      level: base.logLevel === "debug" ? "debug" : "warn",
      sink: err,
      format: logFormat(env, process.stderr),
    }),
    { timeoutMs: Math.max(base.timeoutMs, 60_000) },
  );
  const target = {
    region: values.region ?? base.region,
    namespace: values.namespace ?? own.namespace,
    dryRun: values["dry-run"],
  };
  return { values, env, base, own, schedules, client, target };
}

/** Each step in a line, then how many writes there were (or, in a dry run, would be). */
function saySteps(out: (s: string) => void, dryRun: boolean, steps: DeployStep[], verb: string): void {
  for (const s of steps.filter((x) => x.action !== "url"))
    out(
      `${s.function}: ${s.action}${s.detail ? ` (${s.detail})` : ""}${s.requestId ? ` [RequestId ${s.requestId}]` : ""}`,
    );
  const writes = steps.filter((s) => !NOT_WRITES.has(s.action) && !s.action.startsWith("would")).length;
  // A dry run counts what it would write, as it listed them; nothing was written.
  const planned = steps.filter((s) => s.action.startsWith("would")).length;
  out(dryRun ? `${verb}: ${planned} write(s) planned (dry run: nothing changed)` : `${verb}: ${writes} write(s)`);
}

/** What functions keep beside their code (auto-stop's alarm policies), in the regions they run in. */
async function provision(c: DeployContext, remove: boolean): Promise<DeployStep[]> {
  const steps: DeployStep[] = [];
  const regions = await resolveRegions(c.base, c.client);
  // Each account of ACCOUNTS, through the role its runs assume (the deployer's own alone without it).
  const accounts = REGISTRY.some((f) => f.provision)
    ? await provisionAccounts(c.base, c.client, `deploy-${Date.now()}`)
    : undefined;
  for (const f of REGISTRY) {
    if (!f.provision) continue;
    const ctx = { client: c.client, accounts, logger: c.client.logger, regions, dryRun: c.target.dryRun, remove };
    for (const s of await f.provision(c.env, ctx)) steps.push({ function: f.name, ...s });
  }
  return steps;
}

/** Everything that must hold before anything is written: sizes, the provisioning configs, each function's role. */
async function checkBeforeWrites(c: DeployContext): Promise<void> {
  const problems = deployProblems(
    { memorySize: c.own.memorySize, timeout: c.own.timeout },
    REGISTRY.map((f) => f.name),
  );
  if (problems.length) throw new ConfigError(problems);
  // A function whose deploy provisions cloud resources must have a valid config before anything is written.
  for (const f of REGISTRY) if (f.provision) f.load(c.env);
  // Before anything is written: the role each function runs as (SCF gives credentials only through
  // it), every missing one named at once.
  const missing: string[] = [];
  for (const f of REGISTRY)
    await checkRole(c.client, roleFor(c.own.role, f.name), c.target.region, f.name).catch((err: unknown) => {
      if (!(err instanceof DeployError)) throw err;
      missing.push(err.message);
    });
  if (missing.length) throw new DeployError(missing.join("\n"));
}

/** The history bucket, the functions with their triggers and secret, and what they keep beside them. */
async function deployAll(c: DeployContext): Promise<DeployStep[]> {
  const { env, own: e } = c;
  // The history bucket (HISTORY_BUCKET on COS), before any function is written.
  const historySteps = await historyBucketSteps(env, c.target.dryRun);
  const bundles = await buildBundles(REGISTRY);
  // WEBHOOK_SECRET and NOTIFY_* go to SSM, never into a function's plaintext environment.
  const secret = scfSecretFrom(env);
  const steps = await deployToScf(
    c.client,
    bundles.map((b) => loadArtifact(b.name, b.file)),
    {
      ...c.target,
      runtime: e.runtime,
      memorySize: e.memorySize,
      timeout: e.timeout,
      schedules: c.schedules,
      timezone: scheduleZone(env),
      timerZone: e.timerZone,
      secret,
      recreate: c.values.recreate,
      functionEnv: Object.fromEntries(REGISTRY.map((f) => [f.name, functionEnvFor(f, env, secret)])),
      role: e.role,
      // `--dry-run` plans the deploy. DRY_RUN is a setting deployed into the functions (so a cautious
      // rollout can deploy them in dry run first); it does not make the deploy itself a dry run.
    },
  );
  steps.push(...(await provision(c, false)), ...historySteps);
  return steps;
}

/** The deployed functions' addresses: the webhooks, the alarm callback, and what the snooze links still need. */
function sayAddresses(env: Env, steps: DeployStep[], out: (s: string) => void): void {
  const urls = steps.filter((s) => s.action === "url");
  if (urls.length)
    out(`webhooks (signed with WEBHOOK_SECRET):\n${urls.map((s) => `  ${s.function}: ${s.detail}`).join("\n")}`);
  // Cloud Monitor's alarm callback for a notice template: unsigned, so it can only ask for a check of one machine.
  const hookSecret = env.WEBHOOK_SECRET?.trim();
  // A function's URL, from its `url` step ("POST <url>/run/<name>").
  const baseOf = (name: string) =>
    urls
      .find((s) => s.function === functionNameFor(name))
      ?.detail?.replace(/^POST /, "")
      .replace(/\/run\/[a-z-]+$/, "");
  for (const f of REGISTRY.filter((x) => x.alarmCallback)) {
    const base = baseOf(f.name);
    if (base && hookSecret)
      out(
        `alarm callback (optional: a Cloud Monitor notice template's API callback; keep the path private):\n  ${f.name}: POST ${base}${alarmPath(hookSecret, f.name)}`,
      );
  }
  // Warnings carry snooze links to the function URL only once the function knows it.
  for (const f of REGISTRY.filter((x) => x.snoozeLinks)) {
    const base = baseOf(f.name);
    if (base && hookSecret && !env.AUTO_STOP_LINK_URL?.trim())
      out(
        `snooze links: set AUTO_STOP_LINK_URL=${base} (with AUTO_STOP_WARN_MINUTES) and deploy again, so warnings link to ${base}/snooze`,
      );
  }
}

export async function deployCommand(
  args: string[],
  env: Env,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const c = deployContext(args, env, err);
  const { values, target } = c;
  const say = (steps: DeployStep[], verb: string) => saySteps(out, values["dry-run"], steps, verb);
  // Where, before anything is written: the account (sts GetCallerIdentity), region and namespace.
  const account = await callerAccount(c.client, target.region).then(
    (a) => a.uin,
    (x: unknown) => `unknown (GetCallerIdentity: ${errorRecord(x).code})`,
  );
  out(
    `${values.remove ? "remove from" : "deploy to"} account ${account}, region ${target.region}, namespace ${target.namespace}${target.dryRun ? " (dry run: nothing is written)" : ""}`,
  );
  if (values.remove) {
    // Our triggers, functions, secret and alarm policies, nothing else: the namespace and the role stay.
    const removed = await removeFromScf(
      c.client,
      REGISTRY.map((f) => f.name),
      target,
    );
    say([...removed, ...(await provision(c, true))], "remove");
    return 0;
  }
  for (const l of scheduleLines(c.schedules, scheduleZone(env))) out(l);
  await checkBeforeWrites(c);
  const steps = await deployAll(c);
  say(steps, "deploy");
  out(deployedModeLine(env, c.base.dryRun, target.dryRun));
  sayAddresses(env, steps, out);
  return 0;
}
