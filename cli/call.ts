/** `cvm-autopilot call <Action>`: one signed API call, printed as JSON — the simplest proof that signing works. */
import { loadBaseConfig, type Env } from "../lib/config/config.ts";
import { clientFromConfig } from "../lib/runtime/run-deps.ts";
import { createLogger } from "../lib/log/logger.ts";
import { logFormat } from "./log-format.ts";
import { TencentCloudApiError } from "../lib/tencent/errors.ts";
import { UsageError } from "./usage.ts";
import { GLOBAL_SERVICES } from "../lib/tencent/endpoints.ts";

export interface CallArgs {
  action: string;
  region?: string | undefined;
  service: string;
  version?: string | undefined;
  params?: string | undefined;
}

export async function callCommand(
  args: CallArgs,
  env: Env,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  let params: Record<string, unknown> = {};
  if (args.params) {
    try {
      params = JSON.parse(args.params) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`--params is not valid JSON (${(e as Error).message}); e.g. --params '{"Limit":10}'`);
    }
    if (!params || typeof params !== "object" || Array.isArray(params))
      throw new UsageError("--params must be a JSON object, e.g. '{\"Limit\":10}'");
  }
  // A region, from --region or TENCENTCLOUD_REGION; only the global services (cam, sts, …) take none.
  const region = args.region ?? (env.TENCENTCLOUD_REGION?.trim() || undefined);
  // Credentials first: they are the more basic thing to fix.
  const config = loadBaseConfig({ ...env, TENCENTCLOUD_REGION: region ?? "ap-guangzhou" });
  if (!region && !GLOBAL_SERVICES.has(args.service))
    throw new UsageError(
      `call needs --region (or TENCENTCLOUD_REGION), e.g. cvm-autopilot call ${args.action} --region ap-guangzhou`,
    );
  const client = clientFromConfig(
    config,
    createLogger({
      level: config.logLevel === "debug" ? "debug" : "warn",
      sink: (l) => err(l),
      format: logFormat(env, process.stderr),
    }),
  );
  try {
    const res = await client.call(args.service, args.action, params, {
      region,
      ...(args.version ? { version: args.version } : {}),
    });
    out(JSON.stringify({ Response: res }, null, 2));
    return 0;
  } catch (e) {
    if (e instanceof TencentCloudApiError) {
      err(`Code: ${e.code}\nMessage: ${e.apiMessage}\nRequestId: ${e.requestId ?? "(none)"}`);
      return 1;
    }
    throw e;
  }
}
