/** `build` (esbuild bundles + schedule table) and `deploy` (native Tencent SCF, through our own client). */
import { historyBucketSteps } from "../lib/deploy/history-bucket.ts";
import { parseCommand } from "./usage.ts";
import { ConfigError, isRegion, readConfig, toBaseConfig, type Env } from "../lib/config/config.ts";
import { DEPLOY_SETTINGS } from "./host-settings.ts";
import { cliLogFormat, createLogger } from "../lib/log/logger.ts";
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

export async function deployCommand(
  args: string[],
  env: Env,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const { values } = parseCommand("deploy", args);
  if (values.region && !isRegion(values.region))
    throw new ConfigError([`--region: expected a region name such as ap-guangzhou, got "${values.region}"`]);
  const { shared, own: e } = readConfig(
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
      format: cliLogFormat(env, process.stderr),
    }),
    { timeoutMs: Math.max(base.timeoutMs, 60_000) },
  );
  const say = (steps: DeployStep[], verb: string) => {
    for (const s of steps.filter((x) => x.action !== "url"))
      out(
        `${s.function}: ${s.action}${s.detail ? ` (${s.detail})` : ""}${s.requestId ? ` [RequestId ${s.requestId}]` : ""}`,
      );
    const writes = steps.filter((s) => !NOT_WRITES.has(s.action) && !s.action.startsWith("would")).length;
    // A dry run counts what it would write, as it listed them; nothing was written.
    const planned = steps.filter((s) => s.action.startsWith("would")).length;
    out(
      values["dry-run"]
        ? `${verb}: ${planned} write(s) planned (dry run: nothing changed)`
        : `${verb}: ${writes} write(s)`,
    );
  };
  const target = {
    region: values.region ?? base.region,
    namespace: values.namespace ?? e.namespace,
    dryRun: values["dry-run"],
  };
  // Where, before anything is written: the account (sts GetCallerIdentity), region and namespace.
  const account = await callerAccount(client, target.region).then(
    (a) => a.uin,
    (x: unknown) => `unknown (GetCallerIdentity: ${errorRecord(x).code})`,
  );
  out(
    `${values.remove ? "remove from" : "deploy to"} account ${account}, region ${target.region}, namespace ${target.namespace}${target.dryRun ? " (dry run: nothing is written)" : ""}`,
  );
  if (!values.remove) for (const l of scheduleLines(schedules, scheduleZone(env))) out(l);
  // What functions keep beside their code (auto-stop's alarm policies), in the regions they run in.
  const provision = async (remove: boolean): Promise<DeployStep[]> => {
    const steps: DeployStep[] = [];
    const regions = await resolveRegions(base, client);
    // Each account of ACCOUNTS, through the role its runs assume (the deployer's own alone without it).
    const accounts = REGISTRY.some((f) => f.provision)
      ? await provisionAccounts(base, client, `deploy-${Date.now()}`)
      : undefined;
    for (const f of REGISTRY) {
      if (!f.provision) continue;
      const ctx = { client, accounts, logger: client.logger, regions, dryRun: target.dryRun, remove };
      for (const s of await f.provision(env, ctx)) steps.push({ function: f.name, ...s });
    }
    return steps;
  };
  if (values.remove) {
    // Our triggers, functions, secret and alarm policies, nothing else: the namespace and the role stay.
    say(
      [
        ...(await removeFromScf(
          client,
          REGISTRY.map((f) => f.name),
          target,
        )),
        ...(await provision(true)),
      ],
      "remove",
    );
    return 0;
  }
  const problems = deployProblems(
    { memorySize: e.memorySize, timeout: e.timeout },
    REGISTRY.map((f) => f.name),
  );
  if (problems.length) throw new ConfigError(problems);
  // A function whose deploy provisions cloud resources must have a valid config before anything is written.
  for (const f of REGISTRY) if (f.provision) f.load(env);
  // Before anything is written: the role each function runs as (SCF gives credentials only through
  // it), every missing one named at once.
  const missing: string[] = [];
  for (const f of REGISTRY)
    await checkRole(client, roleFor(e.role, f.name), target.region, f.name).catch((err: unknown) => {
      if (!(err instanceof DeployError)) throw err;
      missing.push(err.message);
    });
  if (missing.length) throw new DeployError(missing.join("\n"));
  // The history bucket (HISTORY_BUCKET on COS), before any function is written.
  const historySteps = await historyBucketSteps(env, target.dryRun);
  const bundles = await buildBundles(REGISTRY);
  // WEBHOOK_SECRET and NOTIFY_* go to SSM, never into a function's plaintext environment.
  const secret = scfSecretFrom(env);
  const steps = await deployToScf(
    client,
    bundles.map((b) => loadArtifact(b.name, b.file)),
    {
      ...target,
      runtime: e.runtime,
      memorySize: e.memorySize,
      timeout: e.timeout,
      schedules,
      timezone: scheduleZone(env),
      timerZone: e.timerZone,
      secret,
      recreate: values.recreate,
      functionEnv: Object.fromEntries(REGISTRY.map((f) => [f.name, functionEnvFor(f, env, secret)])),
      role: e.role,
      // `--dry-run` plans the deploy. DRY_RUN is a setting deployed into the functions (so a cautious
      // rollout can deploy them in dry run first); it does not make the deploy itself a dry run.
    },
  );
  steps.push(...(await provision(false)), ...historySteps);
  say(steps, "deploy");
  out(deployedModeLine(env, base.dryRun, target.dryRun));
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
  return 0;
}
