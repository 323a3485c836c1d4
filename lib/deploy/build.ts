/**
 * Builds one bundle per function with esbuild: tree-shaken, minified, source-mapped CommonJS
 * (SCF's Node runtimes load `index.main_handler` from CommonJS), and the schedule table in the
 * forms serverless.yml and SCF need. Dev dependencies never enter a bundle: the build fails if
 * the official SDK (a test-only peer) shows up among a bundle's inputs.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { build as esbuildBuild, Metafile, Plugin } from "esbuild";
import { SHARED_DEPLOY_VARIABLES, type Env } from "../config/config.ts";
import type { ActionName } from "../tencent/actions.ts";
import { camPolicies } from "./cam-policy.ts";
import { lambdaRoleId, serverlessRoles } from "./lambda-roles.ts";
import { loadSchedules, scheduleZone, toAwsCron, toScfCron, type Scheduled } from "./schedules.ts";
import { SECRET_KEYS } from "./aws-secret.ts";

/** The project's root: the nearest folder upward with our package.json (from lib/deploy/ in a clone, from dist/ in the built CLI). */
export const ROOT = (() => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "functions"))) return dir;
    if (dirname(dir) === dir) return resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  }
})();
export const FORBIDDEN_IN_BUNDLE = /tencentcloud-sdk|node_modules\/(vitest|typescript|serverless|tsx)\//;

export interface BundleInfo {
  name: string;
  file: string;
  bytes: number;
  inputs: string[];
}

/** What a build needs of a function: its name, schedule, variables and the API actions it calls (its CAM policy). */
export type DeployedFunction = Scheduled & { variables: readonly string[]; calls: readonly ActionName[] };

/** A function's entry points, SCF `index.main_handler` and Lambda `index.handler`, from its folder's spec. */
export function handlerSource(name: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`not a function folder name: ${name}`);
  return [
    `import { makeHandlers } from "./lib/host/adapters.ts";`,
    `import { fromSpec } from "./lib/runtime/entry.ts";`,
    `import spec from "./functions/${name}/index.ts";`,
    `export const { main_handler, handler } = makeHandlers(fromSpec(spec));`,
  ].join("\n");
}

/**
 * Libraries a function loads only when its configuration asks (a dynamic `import()`), built as a
 * file of their own beside the bundle rather than into it: Node then reads and parses them only
 * when a run needs them. date-holidays (~1.3 MB with moment-timezone and its astronomy) serves
 * office-hours' country calendars other than CN; the default configuration never loads it.
 */
export const LAZY_MODULES: Readonly<Record<string, string>> = { "date-holidays": "date-holidays.cjs" };

/** esbuild options every bundle and lazy chunk shares. */
const COMMON = {
  bundle: true,
  platform: "node",
  target: "node18",
  format: "cjs",
  minify: true,
  sourcemap: true,
  treeShaking: true,
  legalComments: "none",
  // Error class names (ConfigError, TencentCloudApiError, RunFailedError) stay readable in logs and stack traces.
  keepNames: true,
  // The Lambda Node.js runtime provides the AWS SDK v3; the Lambda fan-out loads it from there.
  external: ["@aws-sdk/*"] as string[],
  metafile: true,
  logLevel: "warning",
} as const;

/** A dynamic import of a lazy module points at its file beside the bundle. */
const LAZY_PLUGIN: Plugin = {
  name: "lazy-modules",
  setup(b) {
    b.onResolve({ filter: /^[a-z@][\w./@-]*$/ }, (a) =>
      a.kind === "dynamic-import" && LAZY_MODULES[a.path]
        ? { path: `./${LAZY_MODULES[a.path]}`, external: true }
        : undefined,
    );
  },
};

/** Builds the lazy modules a bundle imports into `dir`, beside it; returns their inputs (for the dev-module check). */
async function buildLazyChunks(build: typeof esbuildBuild, bundle: Metafile, dir: string): Promise<string[]> {
  const inputs: string[] = [];
  for (const [module, chunk] of Object.entries(LAZY_MODULES)) {
    if (!Object.values(bundle.outputs).some((o) => o.imports.some((i) => i.path === `./${chunk}`))) continue;
    const part = await build({
      stdin: { contents: `module.exports = require(${JSON.stringify(module)});`, resolveDir: ROOT, loader: "js" },
      outfile: join(dir, chunk),
      ...COMMON,
    });
    inputs.push(...Object.keys(part.metafile.inputs));
  }
  return inputs;
}

/** One bundle per function, from its folder's spec (a function is a folder and a registry line). */
export async function buildBundles(
  functions: readonly DeployedFunction[],
  outdir = join(ROOT, "dist"),
  env: Env = process.env,
): Promise<BundleInfo[]> {
  // Loaded when a build runs: esbuild is large, and most commands (and `--help`) never need it.
  const { build } = await import("esbuild");
  const out: BundleInfo[] = [];
  for (const { name } of functions) {
    const file = join(outdir, name, "index.js");
    const res = await build({
      // The entry is generated from the registry's folder name: every function's is the same two
      // exports, so no function keeps a handler file of its own.
      stdin: {
        contents: handlerSource(name),
        resolveDir: ROOT,
        sourcefile: `generated/${name}/entry.ts`,
        loader: "ts",
      },
      outfile: file,
      ...COMMON,
      plugins: [LAZY_PLUGIN],
    });
    const inputs = [
      ...Object.keys(res.metafile.inputs),
      ...(await buildLazyChunks(build, res.metafile, join(outdir, name))),
    ];
    // The repository's package.json says "type": "module"; this marker keeps the bundle CommonJS
    // wherever it is loaded from (SCF and Lambda look for `index.main_handler` / `index.handler`).
    writeFileSync(join(outdir, name, "package.json"), '{ "type": "commonjs" }\n');
    const bad = inputs.filter((i) => FORBIDDEN_IN_BUNDLE.test(i));
    if (bad.length) throw new Error(`bundle ${name} contains dev-only modules: ${bad.slice(0, 3).join(", ")}`);
    const output = res.metafile.outputs[Object.keys(res.metafile.outputs).find((k) => k.endsWith("index.js"))!]!;
    out.push({ name, file, bytes: output.bytes, inputs });
  }
  const schedules = loadSchedules(functions, env);
  const zone = scheduleZone(env);
  const table = Object.fromEntries(
    functions.map(({ name: n }) => [
      n,
      { cron: schedules[n]!, timezone: zone, scf: toScfCron(schedules[n]!, zone), aws: toAwsCron(schedules[n]!, zone) },
    ]),
  );
  mkdirSync(outdir, { recursive: true });
  writeFileSync(join(outdir, "schedules.json"), `${JSON.stringify(table, null, 2)}\n`);
  writeFileSync(
    join(outdir, "serverless-functions.json"),
    `${JSON.stringify(serverlessFunctions(functions, table), null, 2)}\n`,
  );
  writeFileSync(join(outdir, "serverless-environment.json"), `${JSON.stringify(serverlessEnvironment(), null, 2)}\n`);
  writeFileSync(join(outdir, "serverless-roles.json"), `${JSON.stringify(serverlessRoles(functions), null, 2)}\n`);
  // One least-privilege policy document per function (lib/deploy/cam-policy.ts), keyed by its name.
  writeFileSync(join(outdir, "cam-policy.json"), `${JSON.stringify(camPolicies(functions, env), null, 2)}\n`);
  return out;
}

/** `${env:NAME, null}`: Serverless v3 fills it from the packaging shell, leaving it out when unset. */
const fromEnv = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, `\${env:${n}, null}`]));

/**
 * serverless.yml's `functions`, generated from the declarations so it can never drift: each
 * function's bundle, its own variables, its schedule (EventBridge cron) and its webhook route.
 */
export function serverlessFunctions(functions: readonly DeployedFunction[], table: Record<string, { aws: string }>) {
  return Object.fromEntries(
    functions.map((f) => [
      f.name,
      {
        handler: `dist/${f.name}/index.handler`,
        // Its own IAM role (lib/deploy/lambda-roles.ts): it may invoke only itself.
        role: lambdaRoleId(f.name),
        package: { patterns: [`dist/${f.name}/**`] },
        environment: fromEnv(f.variables),
        // No platform retry of a failed asynchronous run (Lambda retries twice by default): a retry
        // repeats the run's writes and its message; the next schedule is the retry.
        maximumRetryAttempts: 0,
        events: [{ schedule: table[f.name]!.aws }, { httpApi: { method: "POST", path: `/run/${f.name}` } }],
      },
    ]),
  );
}

/**
 * serverless.yml's shared `provider.environment`: the shared settings, never a secret. The Tencent
 * key and the webhook and notification secrets live in the AWS Secrets Manager secret named by
 * CVM_AUTOPILOT_SECRET_NAME (lib/deploy/aws-secret.ts), so the template holds only its name.
 */
export function serverlessEnvironment() {
  const plain = SHARED_DEPLOY_VARIABLES.filter((v) => !(SECRET_KEYS as readonly string[]).includes(v));
  // Stack traces through the shipped source maps.
  return {
    NODE_OPTIONS: "--enable-source-maps",
    ...fromEnv(plain),
    // Going live is the deployer's decision: packaged without DRY_RUN, the functions change nothing.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Serverless Framework variable, resolved by `serverless package`
    DRY_RUN: "${env:DRY_RUN, 'true'}",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Serverless Framework variable, resolved by `serverless package`
    CVM_AUTOPILOT_SECRET_NAME: "${env:CVM_AUTOPILOT_SECRET_NAME, 'cvm-autopilot'}",
  };
}
