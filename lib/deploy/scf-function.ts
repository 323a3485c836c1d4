/**
 * One SCF function through its life: looked up, created (its namespace too, on first deploy),
 * recreated for a new runtime when asked, its code and configuration updated only when they
 * differ, waited on until Active, and its asynchronous runs kept from platform retries.
 */
import type { TencentCloudClient } from "../tencent/client.ts";
import { CODE_HASH_VAR, codeHash, envOf, zipBundle, type BundleArtifact } from "./scf-code.ts";
import { descriptionFor, functionNameFor, type DeployOptions, type DeployStep } from "./scf-options.ts";
import { roleFor } from "./scf-role.ts";

/** What SCF answers for a function that is not there (function, name or namespace), by its current error codes. */
// InvalidParameterValue.FunctionName: what GetFunction answers for a name no function has (the scf error codes list it for GetFunction).
const NOT_FOUND = new Set([
  "ResourceNotFound.Function",
  "ResourceNotFound.FunctionName",
  "ResourceNotFound.Namespace",
  "ResourceNotFound",
  "InvalidParameterValue.FunctionName",
]);

export interface RemoteFunction {
  Status?: string;
  StatusReasons?: Array<{ ErrorCode?: string; ErrorMessage?: string }>;
  Role?: string;
  Handler: string;
  Runtime: string;
  MemorySize: number;
  Timeout: number;
  Description: string;
  Environment?: { Variables?: Array<{ Key: string; Value: string }> };
}

/**
 * Asynchronous runs (timers, a coordinator's workers) are not retried by the platform: SCF retries
 * a failed one twice by default (AsyncTriggerConfig.RetryConfig[0].RetryNum, user errors, in the
 * scf model), and a retry repeats the whole run, its writes and its chat message. The next
 * scheduled run is the retry. MsgTTL is kept as it is.
 */
export async function noPlatformRetries(
  client: TencentCloudClient,
  o: Pick<DeployOptions, "region" | "namespace" | "dryRun">,
  fn: string,
  exists: boolean,
  write: Write,
): Promise<void> {
  const current = exists
    ? await client.call<{ AsyncTriggerConfig?: { MsgTTL?: number; RetryConfig?: Array<{ RetryNum?: number }> } }>(
        "scf",
        "GetFunctionEventInvokeConfig",
        { Namespace: o.namespace, FunctionName: fn },
        { region: o.region },
      )
    : undefined;
  const cfg = current?.AsyncTriggerConfig;
  if (cfg?.RetryConfig?.[0]?.RetryNum === 0) return;
  const MsgTTL = typeof cfg?.MsgTTL === "number" && cfg.MsgTTL > 0 ? cfg.MsgTTL : 21_600;
  await write(
    fn,
    "UpdateFunctionEventInvokeConfig",
    { FunctionName: fn, AsyncTriggerConfig: { RetryConfig: [{ RetryNum: 0 }], MsgTTL } },
    "no platform retry of async runs",
  );
}

/** Sends one SCF write (or, in a dry run, records what it would send), and waits for the function to settle after it. */
export type Write = ReturnType<typeof writer>;

export function writer(
  client: TencentCloudClient,
  o: Pick<DeployOptions, "region" | "namespace" | "dryRun" | "sleep">,
  steps: DeployStep[],
) {
  return async (
    fn: string,
    action: string,
    params: Record<string, unknown>,
    detail?: string,
  ): Promise<Record<string, unknown> | undefined> => {
    if (o.dryRun) {
      steps.push({ function: fn, action: `would ${action}`, ...(detail ? { detail } : {}) });
      return undefined;
    }
    const res = await client.call("scf", action, { Namespace: o.namespace, ...params }, { region: o.region });
    steps.push({ function: fn, action, ...(detail ? { detail } : {}), requestId: res.RequestId });
    // After a create or an update the function is Creating / Updating: the next write would fail.
    if (action === "CreateFunction" || action.startsWith("UpdateFunction")) await untilActive(client, o, fn);
    return res;
  };
}

/** A function as deployed, or undefined when it (or its namespace) is not there. */
export async function getFunction(
  client: TencentCloudClient,
  o: Pick<DeployOptions, "region" | "namespace">,
  fn: string,
): Promise<(RemoteFunction & { missingNamespace?: boolean }) | undefined> {
  return client
    .call<RemoteFunction>(
      "scf",
      "GetFunction",
      { Namespace: o.namespace, FunctionName: fn },
      { region: o.region, expected: NOT_FOUND },
    )
    .catch((err: { code?: string }) => {
      if (err.code === "ResourceNotFound.Namespace")
        return { missingNamespace: true } as RemoteFunction & { missingNamespace: boolean };
      if (NOT_FOUND.has(err.code ?? "")) return undefined;
      throw err;
    });
}

/** Looks at a function until it is Active (at most ~2 minutes, backing off); a failed create or update is an error with SCF's reasons. */
async function untilActive(
  client: TencentCloudClient,
  o: Pick<DeployOptions, "region" | "namespace" | "sleep">,
  fn: string,
): Promise<void> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let poll = 0; poll < 30; poll++) {
    const f = await client.call<RemoteFunction>(
      "scf",
      "GetFunction",
      { Namespace: o.namespace, FunctionName: fn },
      { region: o.region },
    );
    if (f.Status === "Active") return;
    if (f.Status === "CreateFailed" || f.Status === "UpdateFailed") {
      const why = (f.StatusReasons ?? []).map((r) => `${r.ErrorCode ?? ""} ${r.ErrorMessage ?? ""}`.trim()).join("; ");
      throw new Error(`${fn} is ${f.Status}${why ? `: ${why}` : ""} [RequestId ${f.RequestId}]`);
    }
    await sleep(Math.min(5000, 250 * 2 ** poll));
  }
  throw new Error(`${fn} did not become Active within ~2 minutes; run deploy again to continue`);
}

/** The function as deploy wants it: the handler, runtime, sizes, role and environment (sorted, as compared). */
function desiredFunction(a: BundleArtifact, o: DeployOptions) {
  return {
    Handler: "index.main_handler",
    Runtime: o.runtime,
    MemorySize: o.memorySize,
    Timeout: o.timeout,
    Description: descriptionFor(a.name),
    Role: roleFor(o.role, a.name),
    Environment: {
      Variables: Object.entries(envOf(a, o))
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([Key, Value]) => ({ Key, Value })),
    },
  };
}
type Desired = ReturnType<typeof desiredFunction>;

/**
 * The function itself: created, or recreated for a new runtime (with --recreate), or its code and
 * configuration brought up to date. Returns the function as it was found, undefined when it is new.
 */
export async function ensureFunction(
  client: TencentCloudClient,
  a: BundleArtifact,
  o: DeployOptions,
  write: Write,
  steps: DeployStep[],
  namespace: { ready: boolean },
): Promise<RemoteFunction | undefined> {
  const fn = functionNameFor(a.name);
  const desired = desiredFunction(a, o);
  let remote = await getFunction(client, o, fn);
  if (remote?.missingNamespace) {
    // A namespace of one's own (SCF_NAMESPACE) is created on first deploy, once.
    if (!namespace.ready) await write(fn, "CreateNamespace", { Description: "cvm autopilot" }, o.namespace);
    namespace.ready = true;
    remote = undefined;
  }
  // A runtime is fixed at creation: with --recreate the function is deleted and created anew
  // (its triggers too, so its function URL changes); without, the difference is only reported.
  if (remote && remote.Runtime !== desired.Runtime && o.recreate) {
    await write(
      fn,
      "DeleteFunction",
      { FunctionName: fn },
      `runtime ${remote.Runtime} -> ${desired.Runtime}; its function URL changes`,
    );
    remote = undefined;
  }
  if (!remote) {
    await write(
      fn,
      "CreateFunction",
      { FunctionName: fn, ...desired, Code: { ZipFile: zipBundle(a).toString("base64") } },
      `sha256 ${codeHash(a).slice(0, 12)}`,
    );
  } else await updateFunction(a, remote, desired, write, steps);
  return remote;
}

/** An existing function: its code when the bundle's hash differs, its configuration when any of it does. */
async function updateFunction(
  a: BundleArtifact,
  remote: RemoteFunction,
  desired: Desired,
  write: Write,
  steps: DeployStep[],
): Promise<void> {
  const fn = functionNameFor(a.name);
  const sha = codeHash(a);
  const vars = new Map((remote.Environment?.Variables ?? []).map((v) => [v.Key, v.Value]));
  if (vars.get(CODE_HASH_VAR) !== sha || remote.Handler !== desired.Handler) {
    await write(
      fn,
      "UpdateFunctionCode",
      { FunctionName: fn, Handler: desired.Handler, ZipFile: zipBundle(a).toString("base64") },
      `sha256 ${sha.slice(0, 12)}`,
    );
  }
  const envSame =
    vars.size === desired.Environment.Variables.length &&
    desired.Environment.Variables.every((v) => vars.get(v.Key) === v.Value);
  // The runtime is fixed at creation: never sent on update; a different one needs the function recreated.
  if (remote.Runtime !== desired.Runtime) {
    steps.push({
      function: fn,
      action: "runtime differs",
      detail: `deployed ${remote.Runtime}, wanted ${desired.Runtime}: SCF cannot change a runtime; deploy --recreate deletes and recreates it (its function URL changes)`,
    });
  }
  const changed = (["MemorySize", "Timeout", "Description", "Role"] as const).filter((k) => remote[k] !== desired[k]);
  if (!envSame) changed.push("Environment" as never);
  if (changed.length) {
    const { Handler: _h, Runtime: _r, ...config } = desired;
    await write(fn, "UpdateFunctionConfiguration", { FunctionName: fn, ...config }, `changed: ${changed.join(", ")}`);
  }
}
