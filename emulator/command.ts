/** `cvm-autopilot emulator`: the local Tencent Cloud emulator, until Ctrl-C. */
import { appendFileSync, readFileSync } from "node:fs";
import { DEMO_CREDENTIALS, startEmulator, type Emulator, type EmulatorOptions } from "./server.ts";
import type { AcceptedCredentials } from "./auth.ts";
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
  const fromEnv = Boolean(env.TENCENTCLOUD_SECRET_ID && env.TENCENTCLOUD_SECRET_KEY);
  const credentials = fromEnv
    ? {
        secretId: env.TENCENTCLOUD_SECRET_ID!,
        secretKey: env.TENCENTCLOUD_SECRET_KEY!,
        token: env.TENCENTCLOUD_SESSION_TOKEN,
      }
    : DEMO_CREDENTIALS;
  // --accounts N: N member accounts, each with the whole --instances fleet; the caller's own account then has none.
  const members = intArg("accounts", args.accounts, 0);
  const emu = await startEmulator(emulatorOptions(args, members, regions, credentials));
  if (args.fleet) await addFleet(emu, args.fleet);
  announce(out, emu, members, fromEnv, regions);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await emu.stop();
}

/**
 * The emulator the arguments ask for. Numbers are read in the order they always were (--accounts,
 * --instances, --port, --seed, --latency), so of two bad ones the same is named.
 */
function emulatorOptions(
  args: EmulatorArgs,
  members: number,
  regions: string[] | undefined,
  credentials: AcceptedCredentials,
): EmulatorOptions {
  const perAccount = intArg("instances", args.instances, 0);
  return {
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
  };
}

/** --fleet FILE: the instances a JSON file lists, added to the running emulator (stopped again if the file is bad). */
async function addFleet(emu: Emulator, file: string): Promise<void> {
  let rows: Array<Partial<EmuInstance> & { Region: string }>;
  try {
    rows = JSON.parse(readFileSync(file, "utf8")) as typeof rows;
    if (!Array.isArray(rows)) throw new Error("expected a JSON array of instances");
  } catch (e) {
    await emu.stop();
    throw new UsageError(`--fleet ${file}: ${(e as Error).message}`);
  }
  for (const r of rows) emu.state.addInstance(r);
}

/** Where the emulator listens, with what, and a first command to try. */
function announce(
  out: (s: string) => void,
  emu: Emulator,
  members: number,
  fromEnv: boolean,
  regions: string[] | undefined,
): void {
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
}
