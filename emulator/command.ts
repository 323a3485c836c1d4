/** `cvm-autopilot emulator`: the local Tencent Cloud emulator, until Ctrl-C. */
import { appendFileSync, readFileSync } from "node:fs";
import { DEMO_CREDENTIALS, startEmulator } from "./server.ts";
import type { Env } from "../lib/config/config.ts";
import type { EmuInstance } from "./state.ts";
import { UsageError } from "../lib/usage-error.ts";

export interface EmulatorArgs {
  port?: string | undefined;
  instances?: string | undefined;
  regions?: string | undefined;
  fleet?: string | undefined;
  seed?: string | undefined;
  latency?: string | undefined;
  "reply-log"?: string | undefined;
  accounts?: string | undefined;
  rateLimits: boolean;
}

const intArg = (name: string, v: string | undefined, dflt: number, max = Number.MAX_SAFE_INTEGER): number => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n > max)
    throw new UsageError(
      `--${name} must be a whole number from 0${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ""}, got "${v}" (e.g. --${name} ${name === "port" ? "9000" : "10"})`,
    );
  return n;
};

export async function emulatorCommand(args: EmulatorArgs, env: Env, out: (s: string) => void) {
  const regions = args.regions
    ? args.regions
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
  const fromEnv = env.TENCENTCLOUD_SECRET_ID && env.TENCENTCLOUD_SECRET_KEY;
  const credentials = fromEnv
    ? {
        secretId: env.TENCENTCLOUD_SECRET_ID!,
        secretKey: env.TENCENTCLOUD_SECRET_KEY!,
        token: env.TENCENTCLOUD_SESSION_TOKEN,
      }
    : DEMO_CREDENTIALS;
  // --accounts N: N member accounts, each with the whole --instances fleet; the caller's own account then has none.
  const members = intArg("accounts", args.accounts, 0);
  const perAccount = intArg("instances", args.instances, 0);
  const emu = await startEmulator({
    port: intArg("port", args.port, 9000, 65535),
    instances: members ? 0 : perAccount,
    ...(members
      ? {
          accounts: Array.from({ length: members }, (_, i) => ({
            uin: String(200000000001 + i),
            name: `member-${i + 1}`,
            instances: perAccount,
            ...(regions ? { fleetRegions: regions } : {}),
          })),
        }
      : {}),
    ...(regions ? { fleetRegions: regions } : {}),
    seed: intArg("seed", args.seed, 1),
    latencyMs: intArg("latency", args.latency, 0),
    rateLimits: args.rateLimits,
    credentials,
    // Synchronous, so a reply is in the file before its caller has it: the benchmark reads the
    // file as soon as a run ends. The file is opened for appending each time, so it may be
    // truncated between runs.
    ...(args["reply-log"] ? { onReply: (body: string) => appendFileSync(args["reply-log"]!, `${body}\n`) } : {}),
  });
  if (args.fleet) {
    let rows: Array<Partial<EmuInstance> & { Region: string }>;
    try {
      rows = JSON.parse(readFileSync(args.fleet, "utf8")) as typeof rows;
      if (!Array.isArray(rows)) throw new Error("expected a JSON array of instances");
    } catch (e) {
      await emu.stop();
      throw new UsageError(`--fleet ${args.fleet}: ${(e as Error).message}`);
    }
    for (const r of rows) emu.state.addInstance(r);
  }
  const total = [...emu.accounts.byUin.values()].reduce((n, a) => n + a.state.instances.size, 0);
  out(
    `cvm-autopilot emulator listening on ${emu.url} with ${total} instances${members ? ` in ${members} member accounts (roles: qcs::cam::uin/<uin>:roleName/cvm-autopilot, uins ${200000000001}…${200000000000 + members})` : ""}`,
  );
  out(
    fromEnv
      ? "accepting the credentials in TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY"
      : `demo credentials: TENCENTCLOUD_SECRET_ID=${DEMO_CREDENTIALS.secretId} TENCENTCLOUD_SECRET_KEY=${DEMO_CREDENTIALS.secretKey}`,
  );
  out(
    `try: CVM_AUTOPILOT_ENDPOINT=${emu.url} cvm-autopilot call DescribeInstances --region ${regions?.[0] ?? "ap-guangzhou"}`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await emu.stop();
}
