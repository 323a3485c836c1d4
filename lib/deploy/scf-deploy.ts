/**
 * Native Tencent SCF deploy through our own signer and client: creates or updates each function,
 * its timer and its function URL (the http trigger, SCF's current HTTPS entry), idempotently — a
 * second deploy with nothing changed makes no write. Code identity is the bundle's SHA-256, kept in the function's environment
 * (GetFunction returns no code hash of its own).
 */
import type { TencentCloudClient } from "../tencent/client.ts";
import { ensureSecret, removeSecret } from "./scf-secret.ts";
import { DeployError } from "./scf-role.ts";
import { envOf, type BundleArtifact } from "./scf-code.ts";
import { ensureFunction, getFunction, noPlatformRetries, writer } from "./scf-function.ts";
import { environmentProblems, functionNameFor, type DeployOptions, type DeployStep } from "./scf-options.ts";
import { ensureFunctionUrl, ensureTimer, listTriggers, type RemoteTrigger } from "./scf-triggers.ts";

export { CODE_HASH_VAR, loadArtifact, zipBundle, type BundleArtifact } from "./scf-code.ts";
export {
  deployProblems,
  environmentProblems,
  functionEnvFor,
  functionNameFor,
  NOT_WRITES,
  SCF_ENV_LIMIT_BYTES,
  type DeployOptions,
  type DeployStep,
} from "./scf-options.ts";
export { FUNCTION_URL_DESC, functionUrlIn, sameTriggerDesc } from "./scf-triggers.ts";

/** Each function in turn: the function, its platform retries, its timer and its function URL; then its address. */
export async function deployToScf(
  client: TencentCloudClient,
  artifacts: BundleArtifact[],
  o: DeployOptions,
): Promise<DeployStep[]> {
  const steps: DeployStep[] = [];
  const write = writer(client, o, steps);
  // Every function's environment fits before anything is written.
  const tooBig = environmentProblems(Object.fromEntries(artifacts.map((a) => [functionNameFor(a.name), envOf(a, o)])));
  if (tooBig.length) throw new DeployError(tooBig.join("\n"));
  if (o.secret) await ensureSecret(client, o, o.secret, steps);
  const namespace = { ready: false };
  for (const a of artifacts) {
    const fn = functionNameFor(a.name);
    const remote = await ensureFunction(client, a, o, write, steps, namespace);
    await noPlatformRetries(client, o, fn, !!remote, write);
    // Triggers: a function that does not exist yet (dry run) has none.
    const existing: RemoteTrigger[] = remote || !o.dryRun ? await listTriggers(client, o, fn) : [];
    await ensureTimer(a.name, fn, existing, o, write);
    const url = await ensureFunctionUrl(fn, existing, write);
    if (!steps.some((s) => s.function === fn)) steps.push({ function: fn, action: "unchanged" });
    if (url) steps.push({ function: fn, action: "url", detail: `POST ${url.replace(/\/$/, "")}/run/${a.name}` });
  }
  return steps;
}

/**
 * `deploy --remove`: our functions' triggers, then the functions, then the SSM secret with the
 * webhook and chat tokens (disabled, deletion scheduled) — nothing else (not the namespace, not
 * the role). A function already gone is reported and skipped.
 */
export async function removeFromScf(
  client: TencentCloudClient,
  names: string[],
  o: Pick<DeployOptions, "region" | "namespace" | "dryRun" | "sleep">,
): Promise<DeployStep[]> {
  const steps: DeployStep[] = [];
  const write = writer(client, o, steps);
  for (const name of names) {
    const fn = functionNameFor(name);
    const remote = await getFunction(client, o, fn);
    if (!remote || remote.missingNamespace) {
      steps.push({ function: fn, action: "absent" });
      continue;
    }
    for (const t of await listTriggers(client, o, fn))
      await write(fn, "DeleteTrigger", { FunctionName: fn, TriggerName: t.TriggerName, Type: t.Type }, t.Type);
    await write(fn, "DeleteFunction", { FunctionName: fn });
  }
  await removeSecret(client, { region: o.region, dryRun: o.dryRun }, steps);
  return steps;
}
