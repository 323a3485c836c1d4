/**
 * Settings for an AWS SDK v3 client (the Lambda runtime provides the SDK) from the environment the
 * adapter was given, which in tests is not process.env: the region, and the SDK's own
 * AWS_ENDPOINT_URL_<SERVICE> override (a local stand-in).
 */
import type { Env } from "../config/config.ts";

export function awsClientConfig(
  env: Env,
  service: "LAMBDA" | "SECRETS_MANAGER",
): { region?: string; endpoint?: string } {
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`]?.trim();
  return { ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}), ...(endpoint ? { endpoint } : {}) };
}
