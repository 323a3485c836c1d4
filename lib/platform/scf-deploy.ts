/**
 * Native Tencent SCF deploy through our own signer and client: creates or updates each function,
 * its timer and its function URL (the http trigger, SCF's current HTTPS entry), idempotently — a
 * second deploy with nothing changed makes no write. Code identity is the bundle's SHA-256, kept in the function's environment
 * (GetFunction returns no code hash of its own).
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { zipSync } from "fflate";
import type { TencentCloudClient } from "../tencent/client.ts";
import { listAll } from "../tencent/services.ts";
import { ensureSecret, removeSecret, SCF_SECRET_KEYS, type ScfSecret } from "./scf-secret.ts";
import type { Env } from "../config/config.ts";
import { toScfCron } from "./schedules.ts";
import { DeployError, roleFor } from "./scf-role.ts";
import { SHARED_DEPLOY_VARIABLES } from "../config/config.ts";

export interface BundleArtifact {
  name: string;
  /** The bundle's JavaScript; its hash decides whether code is updated. */
  code: Buffer;
  sourceMap?: Buffer | undefined;
  /** Files the bundle loads only when its configuration asks (lib/platform/build.ts LAZY_MODULES), by name. */
  lazy?: Record<string, Buffer> | undefined;
}

export interface DeployOptions {
  region: string;
  namespace: string;
  runtime: string;
  memorySize: number;
  timeout: number;
  schedules: Record<string, string>;
  /** The zone the schedules are written in (SCHEDULE_TIMEZONE); SCF evaluates timers in Beijing time. */
  timezone?: string;
  /** The zone SCF evaluates timer cron in (SCF_TIMER_ZONE, default Beijing time). */
  timerZone?: string;
  /** Variables each function runs with, by function name (never the deployer's own credentials). */
  functionEnv: Record<string, Record<string, string>>;
  /**
   * SCF_ROLE: each function runs as its own role, `<role>-<function>` (cam-policy.ts, roleFor),
   * with its own policy. SCF gives a function TENCENTCLOUD_SECRETID / SECRETKEY / SESSIONTOKEN
   * only when it has a role, so without one every run ends "credentials required".
   */
  role: string;
  dryRun: boolean;
  /** Delete and recreate a function whose runtime differs (SCF cannot change it in place). */
  recreate?: boolean;
  /** WEBHOOK_SECRET and NOTIFY_* for SSM (scfSecretFrom); the functions' env names it. */
  secret?: ScfSecret | undefined;
  /** Waits between looks at a function that is still Creating or Updating (tests move a fake clock). */
  sleep?: (ms: number) => Promise<void>;
}

/** SCF's documented limits, checked before any write: every problem at once. */
export function deployProblems(o: Pick<DeployOptions, "memorySize" | "timeout">, names: string[]): string[] {
  const out: string[] = [];
  if (!(o.memorySize === 64 || (o.memorySize % 128 === 0 && o.memorySize >= 128 && o.memorySize <= 3072)))
    out.push(`SCF_MEMORY_SIZE: 64, or 128 to 3072 in steps of 128 (MB), got ${o.memorySize}`);
  if (!(o.timeout >= 1 && o.timeout <= 900)) out.push(`SCF_TIMEOUT: 1 to 900 seconds, got ${o.timeout}`);
  // SCF function names: 2-60 letters, digits, "-" and "_", starting with a letter, not ending in "-" or "_".
  for (const n of names.map(functionNameFor))
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$/.test(n)) out.push(`function name ${n} breaks SCF's naming rules`);
  return out;
}

/** A description in SCF's allowed characters (letters, digits, space, comma, period; no hyphen). */
const descriptionFor = (name: string) => `cvm autopilot ${name.replace(/-/g, " ")}`;

export interface DeployStep {
  function: string;
  action: string;
  detail?: string;
  requestId?: string;
}

/** What SCF answers for a function that is not there (function, name or namespace), by its current error codes. */
// InvalidParameterValue.FunctionName: what GetFunction answers for a name no function has (the scf error codes list it for GetFunction).
const NOT_FOUND = new Set([
  "ResourceNotFound.Function",
  "ResourceNotFound.FunctionName",
  "ResourceNotFound.Namespace",
  "ResourceNotFound",
  "InvalidParameterValue.FunctionName",
]);

/**
 * Real ListTriggers returns a timer's TriggerDesc as `{"cron":"…"}`, not the expression it was
 * created with: compared raw, every deploy would delete and recreate every timer.
 */
export function sameTriggerDesc(
  remote: { Type: string; TriggerDesc: string },
  wanted: { TriggerDesc: string },
): boolean {
  if (remote.Type !== "timer") return remote.TriggerDesc === wanted.TriggerDesc;
  let cron = remote.TriggerDesc;
  try {
    const parsed = JSON.parse(remote.TriggerDesc) as { cron?: unknown };
    if (typeof parsed?.cron === "string") cron = parsed.cron;
  } catch {
    // a bare expression
  }
  return cron.trim().split(/\s+/).join(" ") === wanted.TriggerDesc.trim().split(/\s+/).join(" ");
}

export const CODE_HASH_VAR = "CVM_AUTOPILOT_BUNDLE_SHA256";
export const functionNameFor = (name: string) => `cvm-autopilot-${name}`;

/**
 * The variables one function is deployed with: the shared settings and the function's own
 * declared variables, as set in the deployer's env. Derived from the declaration, so a new
 * variable reaches its function without a list to update, and no function gets another's.
 */
export function functionEnvFor(
  fn: { variables: readonly string[] },
  env: Env,
  secret?: ScfSecret,
): Record<string, string> {
  const out: Record<string, string> = {};
  // SCF reserves every TENCENTCLOUD_* key (it sets the region and the role's credentials itself);
  // secrets go to SSM, and the function gets the secret's name and version instead.
  const secretKeys: readonly string[] = SCF_SECRET_KEYS;
  for (const k of [...SHARED_DEPLOY_VARIABLES, ...fn.variables].filter(
    (v) => !v.startsWith("TENCENTCLOUD_") && !secretKeys.includes(v),
  )) {
    const v = env[k];
    if (v !== undefined && v.trim() !== "") out[k] = v;
  }
  // Going live is the deployer's decision: a function deployed without DRY_RUN changes nothing.
  if (!out.DRY_RUN) out.DRY_RUN = "true";
  if (secret)
    Object.assign(out, { CVM_AUTOPILOT_SECRET_NAME: secret.name, CVM_AUTOPILOT_SECRET_VERSION: secret.version });
  return out;
}

/** A zip with fixed timestamps, so the same bundle always zips to the same bytes. */
export function zipBundle(a: BundleArtifact): Buffer {
  const mtime = new Date("1980-01-02T00:00:00Z");
  const files: Record<string, [Uint8Array, { mtime: Date }]> = { "index.js": [a.code, { mtime }] };
  if (a.sourceMap) files["index.js.map"] = [a.sourceMap, { mtime }];
  for (const [name, bytes] of Object.entries(a.lazy ?? {})) files[name] = [bytes, { mtime }];
  return Buffer.from(zipSync(files, { level: 9 }));
}

export function loadArtifact(name: string, file: string): BundleArtifact {
  let sourceMap: Buffer | undefined;
  try {
    sourceMap = readFileSync(`${file}.map`);
  } catch {
    sourceMap = undefined;
  }
  // The lazy modules built beside the bundle ship in the same zip; their maps (3.5 MB for the
  // country calendars, third-party code) do not, as a level-9 zip of them slowed every deploy.
  const dir = dirname(file);
  const lazy = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith(".cjs") && f !== basename(file))
      .sort()
      .map((f) => [f, readFileSync(join(dir, f))]),
  );
  return { name, code: readFileSync(file), sourceMap, ...(Object.keys(lazy).length ? { lazy } : {}) };
}

interface RemoteFunction {
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
interface RemoteTrigger {
  Type: string;
  TriggerName: string;
  TriggerDesc: string;
}

/**
 * A function URL (CreateTrigger Type `http`; SCF's "函数 URL" docs): no CAM auth at the URL —
 * every request is checked by our own HMAC — reachable from the internet. SCF names the trigger
 * itself and keeps the URL for as long as the trigger exists, so an existing one is never replaced.
 */
export const FUNCTION_URL_DESC = JSON.stringify({
  AuthType: "NONE",
  NetConfig: { EnableIntranet: false, EnableExtranet: true },
});
/** The API-gateway trigger earlier deploys made (`apigw` is no CreateTrigger type any more): removed on the next deploy. */
const LEGACY_WEBHOOK = { Type: "apigw", TriggerName: "cvm_autopilot_webhook" };

/**
 * The function URL in an http trigger's description, as ListTriggers and CreateTrigger give it:
 * JSON whose NetConfig holds `ExtranetUrl` (`https://<appid>-<id>.<region>.tencentscf.com`) and
 * `IntranetUrl` (`…<id>.in.<region>…`), empty when that network is off (witness
 * scf.ListTriggers.json, from tccli's scf examples). The public address first.
 */
export function functionUrlIn(desc: string | undefined): string | undefined {
  let net: { ExtranetUrl?: unknown; IntranetUrl?: unknown } | undefined;
  try {
    net = (JSON.parse(desc ?? "") as { NetConfig?: typeof net })?.NetConfig;
  } catch {
    return undefined;
  }
  const url = [net?.ExtranetUrl, net?.IntranetUrl].find(
    (u): u is string => typeof u === "string" && /^https:\/\/\S+$/.test(u),
  );
  return url;
}

/**
 * SCF keeps a function's environment within 4 KB in all, refusing more with
 * InvalidParameterValue.EnvironmentExceededLimit (scf error codes). Counted as the UTF-8 bytes of
 * every key and value of the environment as deployed (deploy's own NODE_OPTIONS, code hash and
 * secret name included, no reserve on top); checked for every function before the first write.
 */
export const SCF_ENV_LIMIT_BYTES = 4096;

export function environmentProblems(functionEnv: Record<string, Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const [name, env] of Object.entries(functionEnv)) {
    const sizes = Object.entries(env)
      .map(([k, v]) => [k, Buffer.byteLength(k) + Buffer.byteLength(v)] as const)
      .sort((a, b) => b[1] - a[1]);
    const total = sizes.reduce((n, [, b]) => n + b, 0);
    if (total <= SCF_ENV_LIMIT_BYTES) continue;
    problems.push(
      `${name}: its environment is ${total} bytes, over SCF's ${SCF_ENV_LIMIT_BYTES} (deploy's own variables included); the largest: ${sizes
        .slice(0, 3)
        .map(([k, b]) => `${k} ${b} B`)
        .join(
          ", ",
        )}. Shorten them, or move long lists (ACCOUNTS, rules, schedules) into fewer entries: secrets belong in the SSM secret deploy writes (WEBHOOK_SECRET, NOTIFY_*), not in the environment`,
    );
  }
  return problems;
}

/**
 * Asynchronous runs (timers, a coordinator's workers) are not retried by the platform: SCF retries
 * a failed one twice by default (AsyncTriggerConfig.RetryConfig[0].RetryNum, user errors, in the
 * scf model), and a retry repeats the whole run, its writes and its chat message. The next
 * scheduled run is the retry. MsgTTL is kept as it is.
 */
async function noPlatformRetries(
  client: TencentCloudClient,
  o: Pick<DeployOptions, "region" | "namespace" | "dryRun">,
  fn: string,
  exists: boolean,
  write: ReturnType<typeof writer>,
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

/**
 * Steps that write nothing: what `deploy` counts as writes leaves these out ("not provisioned" /
 * "not checked": an account of ACCOUNTS whose role could not be assumed).
 */
export const NOT_WRITES = new Set(["unchanged", "runtime differs", "url", "absent", "not provisioned", "not checked"]);

function writer(
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
async function getFunction(
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

/** The code's identity: the bundle and its lazy modules (a change to either is new code). */
const codeHash = (a: BundleArtifact) => {
  const h = createHash("sha256").update(a.code);
  for (const [name, bytes] of Object.entries(a.lazy ?? {})) h.update(name).update(bytes);
  return h.digest("hex");
};
/** A function's environment as deployed: its variables, and deploy's own. Source maps ship in the zip; Node uses them for stack traces only when asked. */
const envOf = (a: BundleArtifact, o: DeployOptions): Record<string, string> => ({
  NODE_OPTIONS: "--enable-source-maps",
  ...(o.functionEnv[a.name] ?? {}),
  [CODE_HASH_VAR]: codeHash(a),
});

export async function deployToScf(
  client: TencentCloudClient,
  artifacts: BundleArtifact[],
  o: DeployOptions,
): Promise<DeployStep[]> {
  const steps: DeployStep[] = [];
  const write = writer(client, o, steps);
  let namespaceReady = false;
  // Every function's environment fits before anything is written.
  const tooBig = environmentProblems(Object.fromEntries(artifacts.map((a) => [functionNameFor(a.name), envOf(a, o)])));
  if (tooBig.length) throw new DeployError(tooBig.join("\n"));
  if (o.secret) await ensureSecret(client, o, o.secret, steps);

  for (const a of artifacts) {
    const fn = functionNameFor(a.name);
    const sha = codeHash(a);
    const env = envOf(a, o);
    const desired = {
      Handler: "index.main_handler",
      Runtime: o.runtime,
      MemorySize: o.memorySize,
      Timeout: o.timeout,
      Description: descriptionFor(a.name),
      Role: roleFor(o.role, a.name),
      Environment: {
        Variables: Object.entries(env)
          .sort(([x], [y]) => x.localeCompare(y))
          .map(([Key, Value]) => ({ Key, Value })),
      },
    };
    let remote = await getFunction(client, o, fn);
    if (remote?.missingNamespace) {
      // A namespace of one's own (SCF_NAMESPACE) is created on first deploy, once.
      if (!namespaceReady) await write(fn, "CreateNamespace", { Description: "cvm autopilot" }, o.namespace);
      namespaceReady = true;
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
        `sha256 ${sha.slice(0, 12)}`,
      );
    } else {
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
      const changed = (["MemorySize", "Timeout", "Description", "Role"] as const).filter(
        (k) => remote[k] !== desired[k],
      );
      if (!envSame) changed.push("Environment" as never);
      if (changed.length) {
        const { Handler: _h, Runtime: _r, ...config } = desired;
        await write(
          fn,
          "UpdateFunctionConfiguration",
          { FunctionName: fn, ...config },
          `changed: ${changed.join(", ")}`,
        );
      }
    }
    await noPlatformRetries(client, o, fn, !!remote, write);
    // Triggers: a function that does not exist yet (dry run) has none.
    const existing: RemoteTrigger[] = remote || !o.dryRun ? await listTriggers(client, o, fn) : [];
    const timer: RemoteTrigger = {
      Type: "timer",
      TriggerName: `${a.name}-schedule`,
      TriggerDesc: toScfCron(o.schedules[a.name]!, o.timezone ?? "UTC", o.timerZone),
    };
    const cur = existing.find((e) => e.TriggerName === timer.TriggerName && e.Type === timer.Type);
    if (!cur || !sameTriggerDesc(cur, timer)) {
      if (cur)
        await write(
          fn,
          "DeleteTrigger",
          { FunctionName: fn, TriggerName: timer.TriggerName, Type: timer.Type },
          "replaced",
        );
      await write(
        fn,
        "CreateTrigger",
        {
          FunctionName: fn,
          TriggerName: timer.TriggerName,
          Type: timer.Type,
          TriggerDesc: timer.TriggerDesc,
          Enable: "OPEN",
        },
        timer.TriggerDesc,
      );
    }
    // The webhook: a function URL, created once and then kept, so its address never changes.
    const legacy = existing.find((e) => e.Type === LEGACY_WEBHOOK.Type && e.TriggerName === LEGACY_WEBHOOK.TriggerName);
    if (legacy) await write(fn, "DeleteTrigger", { FunctionName: fn, ...LEGACY_WEBHOOK }, "replaced by a function URL");
    let url = functionUrlIn(existing.find((e) => e.Type === "http")?.TriggerDesc);
    if (!existing.some((e) => e.Type === "http")) {
      const res = await write(
        fn,
        "CreateTrigger",
        {
          FunctionName: fn,
          TriggerName: "cvm_autopilot_url",
          Type: "http",
          TriggerDesc: FUNCTION_URL_DESC,
          Enable: "OPEN",
        },
        "function URL",
      );
      url = functionUrlIn((res as { TriggerInfo?: { TriggerDesc?: string } } | undefined)?.TriggerInfo?.TriggerDesc);
    }
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

/** A function's triggers, through the shared pager (TotalCount checked, a page ceiling, no row twice). */
async function listTriggers(
  client: TencentCloudClient,
  o: Pick<DeployOptions, "region" | "namespace">,
  fn: string,
): Promise<RemoteTrigger[]> {
  return listAll(client, "ListTriggers", o.region, { Namespace: o.namespace, FunctionName: fn });
}
