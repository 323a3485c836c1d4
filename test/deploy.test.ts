import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { buildBundles, FORBIDDEN_IN_BUNDLE, ROOT, serverlessEnvironment } from "../lib/deploy/build.ts";
import { deployedModeLine } from "../cli/deploy-words.ts";
import {
  deployProblems,
  deployToScf,
  functionEnvFor,
  loadArtifact,
  removeFromScf,
  type DeployOptions,
} from "../lib/deploy/scf-deploy.ts";
import { SHARED_DEPLOY_VARIABLES } from "../lib/config/config.ts";
import { loadSchedules } from "../lib/deploy/schedules.ts";
import { REGISTRY } from "../functions/registry.ts";
import { scfStore } from "../emulator/handlers/scf.ts";
import { SECRET_KEYS } from "../lib/deploy/aws-secret.ts";
import { SCF_SECRET_KEYS, scfSecretFrom } from "../lib/deploy/scf-secret.ts";
import { clientFor, emulator } from "./helpers/world.ts";
import { runCli } from "./helpers/cli.ts";

// Inside the repository (under its "type": "module" package.json), as `npm run build` places them.
const outdir = mkdtempSync(join(ROOT, "dist-test-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
const bundles = await buildBundles(REGISTRY, outdir, {});
const DEFAULT_SCHEDULES = loadSchedules(REGISTRY, {});
const envForAll = (vars: Record<string, string>) => Object.fromEntries(REGISTRY.map((f) => [f.name, vars]));

describe("esbuild bundles", () => {
  it("one per function, no dev dependency inside, each loads and exports both entry points", () => {
    expect(bundles.map((b) => b.name)).toEqual(REGISTRY.map((f) => f.name));
    const require = createRequire(import.meta.url);
    for (const b of bundles) {
      expect(b.inputs.filter((i) => FORBIDDEN_IN_BUNDLE.test(i))).toEqual([]);
      expect(readFileSync(b.file, "utf8")).not.toContain("tencentcloud-sdk");
      const mod = require(b.file);
      expect(typeof mod.main_handler).toBe("function");
      expect(typeof mod.handler).toBe("function");
      console.log(`bundle ${b.name}: ${(b.bytes / 1024).toFixed(1)} KiB`);
    }
    // docs/deploy.md's figures are these bundles' sizes (within a tenth): update the doc when this fails.
    const doc = readFileSync(join(ROOT, "docs", "deploy.md"), "utf8").replace(/\s+/g, " ");
    const [, lo, hi, office] = /(\d+)–(\d+) KB except office-hours \(([\d.]+) MB/.exec(doc)!.map(Number) as number[];
    for (const b of bundles) {
      const kb = b.bytes / 1000;
      if (b.name === "office-hours") expect(kb / 1000, b.name).toBeCloseTo(office!, 0);
      else expect([kb >= lo! * 0.9, kb <= hi! * 1.1], `${b.name}: ${kb.toFixed(0)} KB`).toEqual([true, true]);
    }
    expect(JSON.parse(readFileSync(join(outdir, "schedules.json"), "utf8"))["key-rotation"]).toEqual({
      cron: "0 3 * * 1",
      timezone: "UTC",
      scf: "0 0 11 * * 1 *",
      aws: "cron(0 3 ? * MON *)",
    });
  });
});

describe("every declared variable reaches both platforms", () => {
  const all = Object.fromEntries(
    [...SHARED_DEPLOY_VARIABLES, ...REGISTRY.flatMap((f) => f.variables)].map((v) => [v, `value-of-${v}`]),
  );
  const generated = JSON.parse(readFileSync(join(outdir, "serverless-functions.json"), "utf8")) as Record<
    string,
    { environment: Record<string, string> }
  >;
  const shared = JSON.parse(readFileSync(join(outdir, "serverless-environment.json"), "utf8")) as Record<
    string,
    string
  >;

  it.each(REGISTRY.map((f) => [f.name, f] as const))(
    "%s: its own variables and the shared ones, nobody else's",
    (_name, f) => {
      // Every function that writes has settings of its own (its guard, its scope); a read-only one may have none.
      if (f.writes) expect(f.variables.length).toBeGreaterThan(0);
      // Tencent SCF: the function's environment as deploy builds it.
      const scf = functionEnvFor(f, all);
      // SCF reserves TENCENTCLOUD_* keys: it sets the region and the role's credentials itself.
      // Secrets go to SSM on SCF (the function gets the secret's name and version), never into its environment.
      for (const v of [...SHARED_DEPLOY_VARIABLES, ...f.variables])
        expect(scf[v], `${v} on SCF`).toBe(
          v.startsWith("TENCENTCLOUD_") || (SCF_SECRET_KEYS as readonly string[]).includes(v)
            ? undefined
            : `value-of-${v}`,
        );
      // AWS Lambda: serverless.yml's generated function and shared environment.
      expect(Object.keys(generated[f.name]!.environment).sort()).toEqual([...f.variables].sort());
      // No Lambda retry of a failed asynchronous run (it retries twice by default): the next schedule is the retry.
      expect((generated[f.name] as { maximumRetryAttempts?: number }).maximumRetryAttempts).toBe(0);
      for (const v of f.variables) expect(generated[f.name]!.environment[v]).toBe(`\${env:${v}, null}`);
      // On Lambda the secrets come from Secrets Manager: only the secret's name is in the template.
      for (const v of SHARED_DEPLOY_VARIABLES.filter((x) => x !== "DRY_RUN"))
        expect(shared[v], `${v} on Lambda`).toBe(
          (SECRET_KEYS as readonly string[]).includes(v) ? undefined : `\${env:${v}, null}`,
        );
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the Serverless Framework variable the template must carry
      expect(shared.CVM_AUTOPILOT_SECRET_NAME).toBe("${env:CVM_AUTOPILOT_SECRET_NAME, 'cvm-autopilot'}");
      expect(
        Object.keys(shared).filter((k) => /SECRET_KEY|SECRET_ID|SESSION_TOKEN|WEBHOOK_SECRET|NOTIFY_SECRET/.test(k)),
      ).toEqual([]);
      for (const other of REGISTRY.filter((g) => g !== f))
        for (const v of other.variables) expect(scf[v]).toBeUndefined();
    },
  );

  it("no deployed function gets the deployer's credentials or the emulator endpoint on SCF", () => {
    const scf = functionEnvFor(REGISTRY[0]!, {
      ...all,
      TENCENTCLOUD_SECRET_ID: "x",
      TENCENTCLOUD_SECRET_KEY: "y",
      CVM_AUTOPILOT_ENDPOINT: "http://127.0.0.1:1",
    });
    // The webhook and notification keys are the functions' own settings, not the deployer's credentials.
    const own = ["WEBHOOK_SECRET", "NOTIFY_SECRET", "NOTIFY_DINGTALK_SECRET"];
    expect(Object.keys(scf).filter((k) => /SECRET|SESSION|ENDPOINT/.test(k) && !own.includes(k))).toEqual([]);
  });
});

describe("native SCF deploy against the emulator", () => {
  const opts = (o: Partial<DeployOptions> = {}): DeployOptions => ({
    region: "ap-guangzhou",
    namespace: "default",
    runtime: "Nodejs18.15",
    memorySize: 128,
    timeout: 900,
    schedules: { ...DEFAULT_SCHEDULES },
    functionEnv: envForAll({ REGIONS: "ap-guangzhou" }),
    role: "cvm-autopilot-runner",
    dryRun: false,
    ...o,
  });
  const artifacts = () => bundles.map((b) => loadArtifact(b.name, b.file));

  it("creates functions and triggers; a second deploy makes no writes; a change updates only what changed", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    const first = await deployToScf(client, artifacts(), opts());
    expect(first.filter((s) => s.action === "CreateFunction")).toHaveLength(REGISTRY.length);
    // A timer and a webhook trigger per function.
    expect(first.filter((s) => s.action === "CreateTrigger")).toHaveLength(2 * REGISTRY.length);
    const fns = scfStore.get(emu.state)!;
    const fn = fns.get("ap-guangzhou/default/cvm-autopilot-auto-stop-idle")!;
    expect([...fn.triggers.values()].find((t) => t.Type === "timer")!.TriggerDesc).toBe("0 */15 * * * * *");
    expect(fn.Environment.Variables.map((v) => v.Key)).not.toContain("TENCENTCLOUD_SECRET_KEY");

    const writes = () => emu.calls.filter((c) => !/^(Get|List)/.test(c.action!)).length;
    const before = writes();
    const second = await deployToScf(client, artifacts(), opts());
    expect(second.filter((s) => s.action !== "url").map((s) => s.action)).toEqual(REGISTRY.map(() => "unchanged"));
    expect(writes()).toBe(before);

    const third = await deployToScf(
      client,
      artifacts(),
      opts({
        schedules: { ...DEFAULT_SCHEDULES, "renew-flag": "0 10 * * *" },
        functionEnv: envForAll({ REGIONS: "ap-guangzhou,ap-shanghai" }),
      }),
    );
    expect(third.filter((s) => s.function === "cvm-autopilot-renew-flag").map((s) => s.action)).toEqual([
      "UpdateFunctionConfiguration",
      "DeleteTrigger",
      "CreateTrigger",
      "url",
    ]);
    expect(third.filter((s) => s.action === "UpdateFunctionCode")).toHaveLength(0);
  });

  it('a timer\'s TriggerDesc comes back wrapped as {"cron": …}: compared unwrapped, a second deploy makes no write', async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    await deployToScf(client, artifacts(), opts());
    const listed = await client.call<{ Triggers: Array<{ Type: string; TriggerDesc: string }> }>(
      "scf",
      "ListTriggers",
      { Namespace: "default", FunctionName: "cvm-autopilot-renew-flag" },
      { region: "ap-guangzhou" },
    );
    expect(JSON.parse(listed.Triggers.find((t) => t.Type === "timer")!.TriggerDesc)).toEqual({
      cron: "0 0 17 * * * *",
    });
    const before = emu.calls.filter((c) => !/^(Get|List)/.test(c.action!)).length;
    await deployToScf(client, artifacts(), opts());
    expect(emu.calls.filter((c) => !/^(Get|List)/.test(c.action!)).length).toBe(before);
  });

  it("the runtime is fixed at creation: never sent on update; a different one is said, not attempted", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    await deployToScf(client, artifacts(), opts());
    const steps = await deployToScf(client, artifacts(), opts({ runtime: "Nodejs16.13", memorySize: 256 }));
    expect(steps.filter((s) => s.action === "runtime differs")).toHaveLength(REGISTRY.length);
    const updates = emu.callsFor("UpdateFunctionConfiguration");
    expect(updates.length).toBe(REGISTRY.length);
    for (const u of updates) expect((u.params as Record<string, unknown>).Runtime).toBeUndefined();
    // Only the first deploy's look-ups of functions not yet there failed.
    expect(emu.calls.filter((c) => c.code && c.action !== "GetFunction")).toEqual([]);
    expect(steps.find((s) => s.action === "runtime differs")!.detail).toContain("deploy --recreate");
    // --recreate: deleted and created anew with the wanted runtime; a new function URL.
    const recreated = await deployToScf(
      client,
      artifacts(),
      opts({ runtime: "Nodejs16.13", memorySize: 256, recreate: true }),
    );
    expect(recreated.filter((s) => s.action === "DeleteFunction")).toHaveLength(REGISTRY.length);
    expect(recreated.filter((s) => s.action === "CreateFunction")).toHaveLength(REGISTRY.length);
    expect(scfStore.get(emu.state)!.get("ap-guangzhou/default/cvm-autopilot-renew-flag")!.Runtime).toBe("Nodejs16.13");
    const again = await deployToScf(
      client,
      artifacts(),
      opts({ runtime: "Nodejs16.13", memorySize: 256, recreate: true }),
    );
    expect(again.filter((s) => !["unchanged", "url"].includes(s.action))).toEqual([]);
  });

  it("functions run as the CAM role, with a description SCF accepts; each write waits for Active before the next", async () => {
    const emu = await emulator({ timings: { stopMs: 0, startMs: 0, syncMs: 0, bindMs: 0, functionMs: 3000 } });
    const { client } = clientFor(emu);
    // Waiting moves the emulator's clock: SCF keeps a function Creating / Updating for a while after a write.
    const steps = await deployToScf(client, artifacts(), opts({ sleep: async (ms) => emu.advance(ms) }));
    expect(steps.filter((x) => x.action === "CreateTrigger")).toHaveLength(2 * REGISTRY.length);
    expect(emu.calls.filter((c) => c.code === "FailedOperation.FunctionStatusError")).toEqual([]);
    const fn = scfStore.get(emu.state)!.get("ap-guangzhou/default/cvm-autopilot-office-hours")!;
    // Each function runs as its own role, which carries its own policy.
    expect(fn).toMatchObject({ Role: "cvm-autopilot-runner-office-hours", Description: "cvm autopilot office hours" });
    expect(fn.Environment.Variables.some((v) => v.Key.startsWith("TENCENTCLOUD_"))).toBe(false);
  });

  it("each function's CAM policy lists exactly the actions it calls, one document per function", () => {
    type Doc = { statement: Array<{ action: string[]; resource: string[] }> };
    const policies = JSON.parse(readFileSync(join(outdir, "cam-policy.json"), "utf8")) as Record<string, Doc>;
    expect(Object.keys(policies)).toEqual(REGISTRY.map((f) => f.name));
    const of = (name: string) => policies[name]!.statement[0]!.action;
    expect(of("auto-stop-idle")).toContain("cvm:StopInstances");
    expect(of("auto-stop-idle")).toContain("monitor:GetMonitorData");
    // office-hours records its last action on the instance with the Tag API.
    expect(of("office-hours")).toContain("tag:TagResources");
    expect(of("key-rotation")).toContain("ssm:DeleteSecret");
    // Each has its own writes and no other's.
    expect(of("renew-flag")).not.toContain("cvm:StopInstances");
    expect(of("image-sync")).not.toContain("ssm:DeleteSecret");
    for (const [name, doc] of Object.entries(policies)) {
      const actions = doc.statement[0]!.action;
      // Many accounts (issue 21): assume the member role, name the caller, list the organization.
      expect(actions).toEqual(
        expect.arrayContaining(["sts:AssumeRole", "sts:GetCallerIdentity", "organization:DescribeOrganizationMembers"]),
      );
      expect(actions.filter((a) => a.startsWith("scf:"))).toEqual([]);
      // Fan-out: a function invokes itself (its shards), and no other.
      expect(doc.statement[1]).toEqual({
        effect: "allow",
        action: ["scf:InvokeFunction"],
        resource: [`qcs::scf:*:uin/*:namespace/*/function/cvm-autopilot-${name}`],
      });
      expect(doc.statement).toHaveLength(2);
    }
  });

  it("SCF's limits are checked before any write", () => {
    expect(deployProblems({ memorySize: 200, timeout: 901 }, ["auto-stop-idle"])).toEqual([
      "SCF_MEMORY_SIZE: 64, or 128 to 3072 in steps of 128 (MB), got 200",
      "SCF_TIMEOUT: 1 to 900 seconds, got 901",
    ]);
    expect(
      deployProblems(
        { memorySize: 64, timeout: 900 },
        REGISTRY.map((f) => f.name),
      ),
    ).toEqual([]);
  });

  it("each function gets a function URL, kept across deploys; an earlier API-gateway trigger is removed once", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    const first = await deployToScf(client, artifacts(), opts());
    const urls = first.filter((s) => s.action === "url");
    expect(urls).toHaveLength(REGISTRY.length);
    for (const f of REGISTRY)
      expect(urls.find((u) => u.function === `cvm-autopilot-${f.name}`)!.detail).toMatch(
        new RegExp(`^POST https://1250000000-[0-9a-f]{10}\\.ap-guangzhou\\.tencentscf\\.com/run/${f.name}$`),
      );
    const created = emu.callsFor("CreateTrigger").map((c) => c.params as { Type: string; TriggerDesc: string });
    expect(created.filter((p) => p.Type === "http").map((p) => JSON.parse(p.TriggerDesc))).toEqual(
      REGISTRY.map(() => ({ AuthType: "NONE", NetConfig: { EnableIntranet: false, EnableExtranet: true } })),
    );
    expect(created.some((p) => p.Type === "apigw")).toBe(false);
    const second = await deployToScf(client, artifacts(), opts());
    expect(second.filter((s) => s.action === "url")).toEqual(urls);

    // A function an earlier version deployed with an API-gateway trigger: replaced by the URL it already has.
    const fn = scfStore.get(emu.state)!.get("ap-guangzhou/default/cvm-autopilot-renew-flag")!;
    fn.triggers.set("cvm_autopilot_webhook", {
      Type: "apigw",
      TriggerName: "cvm_autopilot_webhook",
      TriggerDesc: "{}",
      Enable: 1,
      AddTime: "",
    });
    const third = await deployToScf(client, artifacts(), opts());
    expect(third.filter((s) => s.action === "DeleteTrigger")).toEqual([
      expect.objectContaining({ function: "cvm-autopilot-renew-flag", detail: "replaced by a function URL" }),
    ]);
    expect([...fn.triggers.values()].map((t) => t.Type).sort()).toEqual(["http", "timer"]);
  });

  it("a namespace that does not exist yet is created once, then the functions in it", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    const steps = await deployToScf(client, artifacts(), opts({ namespace: "autopilot" }));
    expect(steps.filter((s) => s.action === "CreateNamespace")).toHaveLength(1);
    expect(steps.filter((s) => s.action === "CreateFunction")).toHaveLength(REGISTRY.length);
    expect(scfStore.get(emu.state)!.has("ap-guangzhou/autopilot/cvm-autopilot-auto-stop-idle")).toBe(true);
    const again = await deployToScf(client, artifacts(), opts({ namespace: "autopilot" }));
    expect(again.filter((s) => s.action === "CreateNamespace")).toHaveLength(0);
  });

  it("--remove deletes our triggers and functions and nothing else; a second one finds them absent", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    await deployToScf(client, artifacts(), opts());
    // Someone else's function in the same namespace.
    const store = scfStore.get(emu.state)!;
    const other = {
      ...store.get("ap-guangzhou/default/cvm-autopilot-auto-stop-idle")!,
      FunctionName: "billing-export",
      triggers: new Map(),
    };
    store.set("ap-guangzhou/default/billing-export", other);
    const steps = await removeFromScf(
      client,
      REGISTRY.map((f) => f.name),
      opts(),
    );
    expect(steps.filter((s) => s.action === "DeleteFunction")).toHaveLength(REGISTRY.length);
    expect(steps.filter((s) => s.action === "DeleteTrigger")).toHaveLength(2 * REGISTRY.length);
    expect([...store.keys()]).toEqual(["ap-guangzhou/default/billing-export"]);
    const again = await removeFromScf(
      client,
      REGISTRY.map((f) => f.name),
      opts(),
    );
    expect(again.map((s) => s.action)).toEqual([...REGISTRY.map(() => "absent"), "absent"]);
  });

  it("every function's asynchronous runs are not retried by SCF (RetryNum 0, MsgTTL kept); a second deploy writes nothing", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    await deployToScf(client, artifacts(), opts());
    for (const f of scfStore.get(emu.state)!.values())
      expect(f.asyncConfig, f.FunctionName).toEqual({ MsgTTL: 21_600, RetryConfig: [{ RetryNum: 0 }] });
    const before = emu.callsFor("UpdateFunctionEventInvokeConfig").length;
    expect(before).toBe(REGISTRY.length);
    await deployToScf(client, artifacts(), opts());
    expect(emu.callsFor("UpdateFunctionEventInvokeConfig")).toHaveLength(before);
  });

  it("a 5 KB environment is refused before any write, naming the largest variables", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    const big = envForAll({
      REGIONS: "ap-guangzhou",
      ACCOUNTS: Array.from({ length: 90 }, (_, i) => `qcs::cam::uin/${200000000000 + i}:roleName/cvm-autopilot`).join(
        ",",
      ),
    });
    await expect(deployToScf(client, artifacts(), opts({ functionEnv: big }))).rejects.toThrow(
      /cvm-autopilot-auto-stop-idle: its environment is \d+ bytes, over SCF's 4096 .*the largest: ACCOUNTS \d+ B/,
    );
    expect(emu.calls.filter((c) => !/^(Get|List|Describe)/.test(c.action!))).toEqual([]);
  });

  it("an environment of exactly SCF's 4,096 bytes, deploy's own variables included, deploys; one byte more is refused before any write", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    const one = artifacts().slice(0, 1);
    const fn = `cvm-autopilot-${one[0]!.name}`;
    const deployed = () => scfStore.get(emu.state)!.get(`ap-guangzhou/default/${fn}`)!.Environment.Variables;
    const bytes = () => deployed().reduce((n, v) => n + Buffer.byteLength(v.Key) + Buffer.byteLength(v.Value), 0);
    const withFiller = (n: number) =>
      opts({ functionEnv: envForAll({ REGIONS: "ap-guangzhou", AUTO_STOP_NAME_PATTERN: "x".repeat(n) }) });
    await deployToScf(client, one, withFiller(10));
    const exact = 10 + (4096 - bytes());
    await deployToScf(client, one, withFiller(exact));
    expect(bytes()).toBe(4096);
    const writes = emu.calls.length;
    await expect(deployToScf(client, one, withFiller(exact + 1))).rejects.toThrow(
      /its environment is 4097 bytes, over SCF's 4096/,
    );
    expect(emu.calls.slice(writes).filter((c) => !/^(Get|List|Describe)/.test(c.action!))).toEqual([]);
  });

  it("GetFunction's InvalidParameterValue.FunctionName means not there: the function is created", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    emu.faults.add({ action: "GetFunction", kind: "error", code: "InvalidParameterValue.FunctionName", count: 1 });
    const steps = await deployToScf(client, artifacts().slice(0, 1), opts());
    expect(steps.map((x) => x.action)).toContain("CreateFunction");
  });

  it("--remove disables the SSM secret with the webhook and chat tokens and schedules its deletion, not leaving it behind", async () => {
    const emu = await emulator();
    const env = {
      TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
      TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
      TENCENTCLOUD_REGION: "ap-guangzhou",
      CVM_AUTOPILOT_ENDPOINT: emu.url,
      WEBHOOK_SECRET: "w".repeat(40),
    };
    expect((await runCli(["deploy"], env, 60_000)).code).toBe(0);
    expect(emu.state.secrets.get("ap-guangzhou/cvm-autopilot-secrets")?.Status).toBe("Enabled");
    const planned = await runCli(["deploy", "--remove", "--dry-run"], env, 60_000);
    expect(planned.stdout).toContain(
      "secrets: would DeleteSecret (cvm-autopilot-secrets: disabled, then deleted after 7 days)",
    );
    const gone = await runCli(["deploy", "--remove"], env, 60_000);
    expect(gone.code).toBe(0);
    expect(gone.stdout).toMatch(
      /secrets: DeleteSecret \(cvm-autopilot-secrets disabled and scheduled for deletion on \d{4}-\d{2}-\d{2} \(7 days; RestoreSecret undoes it\)\)/,
    );
    expect(emu.state.secrets.get("ap-guangzhou/cvm-autopilot-secrets")?.Status).toBe("PendingDelete");
    // Disabled first: the real service refuses to schedule the deletion of an enabled secret.
    const order = emu.calls
      .filter((c) => c.action === "DisableSecret" || c.action === "DeleteSecret")
      .map((c) => `${c.action}${c.code ? ` ${c.code}` : ""}`);
    expect(order).toEqual(["DisableSecret", "DeleteSecret"]);
    expect((await runCli(["deploy", "--remove"], env, 60_000)).stdout).toContain(
      "secrets: absent (cvm-autopilot-secrets is already scheduled for deletion)",
    );
  });

  it("WEBHOOK_SECRET and NOTIFY_* go to an SSM secret, not the function's environment; the deployed function reads it with its role", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    const webhook = "scf-webhook-secret-0123456789abcdef0123";
    const deployerEnv = {
      REGIONS: "ap-guangzhou",
      WEBHOOK_SECRET: webhook,
      NOTIFY_URLS: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecom-key-abc123",
    };
    const secret = scfSecretFrom(deployerEnv)!;
    const withSecret = (env: Record<string, string>) =>
      opts({
        secret: scfSecretFrom(env),
        functionEnv: Object.fromEntries(REGISTRY.map((f) => [f.name, functionEnvFor(f, env, scfSecretFrom(env))])),
      });
    const first = await deployToScf(client, artifacts(), withSecret(deployerEnv));
    expect(first.filter((s) => s.action === "CreateSecret")).toHaveLength(1);
    const fn = scfStore.get(emu.state)!.get("ap-guangzhou/default/cvm-autopilot-auto-stop-idle")!;
    const vars = Object.fromEntries(fn.Environment.Variables.map((v) => [v.Key, v.Value]));
    expect(vars).toMatchObject({
      CVM_AUTOPILOT_SECRET_NAME: "cvm-autopilot-secrets",
      CVM_AUTOPILOT_SECRET_VERSION: secret.version,
    });
    expect(JSON.stringify(fn.Environment)).not.toContain(webhook);
    expect(JSON.stringify(fn.Environment)).not.toContain("wecom-key-abc123");
    // Unchanged: no write at all; changed: a new version, and the functions point at it.
    const second = await deployToScf(client, artifacts(), withSecret(deployerEnv));
    expect(second.filter((s) => !["unchanged", "url"].includes(s.action))).toEqual([]);
    const rotated = { ...deployerEnv, WEBHOOK_SECRET: "rotated-webhook-secret-0123456789abcdef01" };
    const third = await deployToScf(client, artifacts(), withSecret(rotated));
    expect(third.filter((s) => s.action === "PutSecretValue")).toHaveLength(1);
    expect(third.filter((s) => s.action === "UpdateFunctionConfiguration")).toHaveLength(REGISTRY.length);

    // The deployed function, as SCF runs it: its environment plus the role's injected credentials.
    const { makeHandlers } = await import("../lib/host/adapters.ts");
    const { FUNCTIONS } = await import("../functions/registry.ts");
    const { memoryLogger } = await import("../lib/log/logger.ts");
    const { scfApigw, signedHeaders } = await import("./helpers/events.ts");
    const runtimeEnv = {
      ...Object.fromEntries(fn.Environment.Variables.map((v) => [v.Key, v.Value])),
      TENCENTCLOUD_SECRETID: emu.credentials.secretId,
      TENCENTCLOUD_SECRETKEY: emu.credentials.secretKey,
      TENCENTCLOUD_REGION: "ap-guangzhou",
      CVM_AUTOPILOT_ENDPOINT: emu.url,
    };
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env: runtimeEnv, logger: memoryLogger() });
    const body = '{"dryRun":true}';
    const ok = (await h.main_handler(scfApigw(body, signedHeaders(rotated.WEBHOOK_SECRET, body)), {
      request_id: "s1",
    })) as { statusCode: number };
    expect(ok.statusCode).toBe(200);
    const stale = (await h.main_handler(
      scfApigw(body, signedHeaders(webhook, body, Math.floor(Date.now() / 1000) - 1)),
      { request_id: "s2" },
    )) as { statusCode: number };
    expect(stale.statusCode).toBe(401);
    expect(
      emu
        .callsFor("GetSecretValue")
        .filter((c) => (c.params as { SecretName: string }).SecretName === "cvm-autopilot-secrets").length,
    ).toBeGreaterThan(0);
  });

  it("a missing execution role stops the deploy before any write, saying exactly what to create", async () => {
    const noRole = await emulator({ scfRoles: [] });
    const env = {
      TENCENTCLOUD_SECRET_ID: noRole.credentials.secretId,
      TENCENTCLOUD_SECRET_KEY: noRole.credentials.secretKey,
      TENCENTCLOUD_REGION: "ap-guangzhou",
      CVM_AUTOPILOT_ENDPOINT: noRole.url,
    };
    const r = await runCli(["deploy"], env, 60_000);
    expect(r.code).toBe(2);
    // Every function's role is named, each with its own policy document.
    for (const f of REGISTRY) {
      expect(r.stderr).toContain(`SCF_ROLE: the CAM role cvm-autopilot-runner-${f.name} does not exist`);
      expect(r.stderr).toContain(`tccli cam CreateRole --RoleName cvm-autopilot-runner-${f.name} `);
      expect(r.stderr).toContain(`require("./dist/cam-policy.json")["${f.name}"]`);
    }
    expect(r.stderr).toContain('"principal":{"service":["scf.qcloud.com"]}');
    expect(r.stderr).toContain("dist/cam-policy.json");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(noRole.calls.filter((c) => !/^(Get|List|Describe)/.test(c.action!))).toEqual([]);
    // A role SCF may not assume is no better: its trust policy must name scf.qcloud.com.
    const wrongTrust = await emulator({
      scfRoles: [],
      roles: REGISTRY.map((f) => `cvm-autopilot-runner-${f.name}`),
    });
    const w = await runCli(
      ["deploy"],
      {
        ...env,
        TENCENTCLOUD_SECRET_ID: wrongTrust.credentials.secretId,
        TENCENTCLOUD_SECRET_KEY: wrongTrust.credentials.secretKey,
        CVM_AUTOPILOT_ENDPOINT: wrongTrust.url,
      },
      60_000,
    );
    expect(w.code).toBe(2);
    expect(w.stderr).toContain("does not let SCF assume it");
  });

  it("an invoked function gets credentials only through its execution role, and runs with them", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 1, traffic: 0 } });
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 60, traffic: 5 } });
    const { client } = clientFor(emu);
    await deployToScf(
      client,
      artifacts(),
      opts({ functionEnv: envForAll({ REGIONS: "ap-guangzhou", DRY_RUN: "true", CVM_AUTOPILOT_ENDPOINT: emu.url }) }),
    );
    const { FUNCTIONS } = await import("../functions/registry.ts");
    const { makeHandlers } = await import("../lib/host/adapters.ts");
    const { memoryLogger } = await import("../lib/log/logger.ts");
    const timer = { Type: "Timer", TriggerName: "auto-stop-idle-schedule", Time: new Date().toISOString() };
    const invoke = async () => {
      await client.call(
        "scf",
        "Invoke",
        {
          Namespace: "default",
          FunctionName: "cvm-autopilot-auto-stop-idle",
          InvocationType: "Event",
          ClientContext: JSON.stringify(timer),
        },
        { region: "ap-guangzhou" },
      );
      return scfStore.get(emu.state)!.get("ap-guangzhou/default/cvm-autopilot-auto-stop-idle")!.invocations!.at(-1)!;
    };
    // SCF runs the function with its environment and the role's injected credentials.
    const withRole = await invoke();
    expect(withRole.environment.TENCENTCLOUD_SECRETID).toMatch(/^AKIDtmp/);
    expect(withRole.environment.TENCENTCLOUD_SESSIONTOKEN).toBeTruthy();
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env: withRole.environment, logger: memoryLogger() });
    const report = (await h.main_handler(withRole.event, {
      request_id: withRole.requestId,
      function_name: "cvm-autopilot-auto-stop-idle",
    })) as unknown as { outcomes: { planned: number } };
    expect(report.outcomes.planned).toBe(1);
    // Without a role SCF injects nothing, and the run stops at its configuration.
    scfStore.get(emu.state)!.get("ap-guangzhou/default/cvm-autopilot-auto-stop-idle")!.Role = "";
    const noRole = await invoke();
    expect(Object.keys(noRole.environment).filter((k) => k.startsWith("TENCENTCLOUD_SECRET"))).toEqual([]);
    const bare = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env: noRole.environment, logger: memoryLogger() });
    await expect(bare.main_handler(noRole.event, { request_id: "x" })).rejects.toThrow(
      /TENCENTCLOUD_SECRET_ID: required/,
    );
  });

  it("dry-run writes nothing", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    const steps = await deployToScf(client, artifacts(), opts({ dryRun: true }));
    expect(steps.filter((s) => s.action === "would CreateFunction")).toHaveLength(REGISTRY.length);
    expect(emu.calls.filter((c) => !/^(Get|List)/.test(c.action!))).toEqual([]);
  });

  it("cvm-autopilot deploy runs end to end against the emulator and is idempotent", async () => {
    const emu = await emulator();
    const env = {
      TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
      TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
      TENCENTCLOUD_REGION: "ap-guangzhou",
      CVM_AUTOPILOT_ENDPOINT: emu.url,
    };
    const a = await runCli(["deploy", "--namespace", "default"], env, 60_000);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain(`deploy: ${4 * REGISTRY.length} write(s)`);
    expect(a.stdout).toMatch(
      /webhooks \(signed with WEBHOOK_SECRET\):\n {2}cvm-autopilot-auto-stop-idle: POST https:\/\/1250000000-[0-9a-f]{10}\.ap-guangzhou\.tencentscf\.com\/run\/auto-stop-idle/,
    );
    const b = await runCli(["deploy"], env, 60_000);
    expect(b.stdout).toContain("deploy: 0 write(s)");
    const gone = await runCli(["deploy", "--remove"], env, 60_000);
    expect(gone.stdout).toContain(`remove: ${3 * REGISTRY.length} write(s)`);
    expect(scfStore.get(emu.state)!.size).toBe(0);
  });

  it("DRY_RUN is deployed into the functions; it does not turn the deploy itself into a dry run (--dry-run does)", async () => {
    const emu = await emulator();
    const env = {
      TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
      TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
      TENCENTCLOUD_REGION: "ap-guangzhou",
      CVM_AUTOPILOT_ENDPOINT: emu.url,
      DRY_RUN: "true",
    };
    const planned = await runCli(["deploy", "--dry-run"], env, 60_000);
    // Where and when, before the plan: the account, region and namespace, and each schedule in words in its zone.
    expect(planned.stdout.split("\n").slice(0, 3)).toEqual([
      "deploy to account 100000000001, region ap-guangzhou, namespace default (dry run: nothing is written)",
      "schedules (UTC):",
      '  auto-stop-idle: every 15 minutes ("*/15 * * * *")',
    ]);
    expect(planned.stdout).toContain('  key-rotation: at 03:00, only on Monday ("0 3 * * 1")');
    // The plan's writes are counted as planned (they were listed above it), and none was made.
    expect(planned.stdout).toContain(`deploy: ${4 * REGISTRY.length} write(s) planned (dry run: nothing changed)`);
    expect(emu.calls.filter((c) => !/^(Get|List|Describe)/.test(c.action!))).toEqual([]);
    const a = await runCli(["deploy"], env, 60_000);
    expect(a.stdout).toContain(`deploy: ${4 * REGISTRY.length} write(s)`);
    const fn = scfStore.get(emu.state)!.get("ap-guangzhou/default/cvm-autopilot-auto-stop-idle")!;
    expect(fn.Environment.Variables).toEqual(
      expect.arrayContaining([
        { Key: "DRY_RUN", Value: "true" },
        { Key: "NODE_OPTIONS", Value: "--enable-source-maps" },
      ]),
    );
    expect(a.stdout).toContain("functions deployed in dry run (DRY_RUN=true)");
  });

  it("a deploy without DRY_RUN deploys the functions in dry run and says how to go live; DRY_RUN=false deploys them live", () => {
    const unset = { REGIONS: "ap-guangzhou" };
    expect(functionEnvFor(REGISTRY[0]!, unset).DRY_RUN).toBe("true");
    expect(functionEnvFor(REGISTRY[0]!, { ...unset, DRY_RUN: "false" }).DRY_RUN).toBe("false");
    expect(deployedModeLine({}, true, false)).toMatch(/dry run \(DRY_RUN is not set.*deploy again with DRY_RUN=false/);
    expect(deployedModeLine({ DRY_RUN: "false" }, false, false)).toMatch(/^functions deployed LIVE/);
    // Lambda: serverless.yml packaged without DRY_RUN gives the functions DRY_RUN=true.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Serverless Framework variable the template must carry
    expect(serverlessEnvironment().DRY_RUN).toBe("${env:DRY_RUN, 'true'}");
  });
});
