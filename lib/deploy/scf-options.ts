/**
 * What a deploy to SCF is asked for, and what it checks before any write: SCF's documented limits
 * on memory, timeout, names and environment size, and each function's environment as deployed.
 */
import type { Env } from "../config/config.ts";
import { SHARED_DEPLOY_VARIABLES } from "../config/config.ts";
import { SCF_SECRET_KEYS, type ScfSecret } from "./scf-secret.ts";

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
export const descriptionFor = (name: string) => `cvm autopilot ${name.replace(/-/g, " ")}`;

export interface DeployStep {
  function: string;
  action: string;
  detail?: string;
  requestId?: string;
}

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
 * Steps that write nothing: what `deploy` counts as writes leaves these out ("not provisioned" /
 * "not checked": an account of ACCOUNTS whose role could not be assumed).
 */
export const NOT_WRITES = new Set(["unchanged", "runtime differs", "url", "absent", "not provisioned", "not checked"]);
