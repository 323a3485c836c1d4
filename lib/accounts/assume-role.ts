/**
 * An assumed role's credentials as a CredentialSource: STS AssumeRole (sts 2018-08-13)
 * through the caller's own client, with a session name that identifies the run, assumed again
 * five minutes before they expire (the reply's ExpiredTime, Unix seconds; halfway through a
 * shorter session) and whenever the API refuses them. One assume at a time: concurrent calls share the pending one.
 */
import type { CredentialSource, TencentCloudClient } from "../tencent/client.ts";
import type { Credentials } from "../tencent/signer.ts";
import { api } from "../tencent/services.ts";
import { registerSecret } from "../log/redact.ts";

/** Requested lifetime: an hour covers any run; a longer run is refreshed before expiry. */
export const SESSION_SECONDS = 3600;
export const REFRESH_BEFORE_MS = 5 * 60_000;

/** `RoleSessionName`: 2–128 of `[\w+=,.@-]` (the AssumeRole model), naming the tool and the run. */
export const sessionName = (runId: string) => `cvm-autopilot-${runId}`.replace(/[^\w+=,.@-]/g, "-").slice(0, 128);

export function assumedRole(
  caller: TencentCloudClient,
  roleArn: string,
  opts: { region: string; runId: string; now?: () => number; durationSeconds?: number },
): CredentialSource {
  const now = opts.now ?? Date.now;
  let current: { creds: Credentials; refreshAtMs: number } | undefined;
  let pending: Promise<Credentials> | undefined;
  const assume = async (): Promise<Credentials> => {
    const r = await api(caller).assumeRole(opts.region, {
      RoleArn: roleArn,
      RoleSessionName: sessionName(opts.runId),
      DurationSeconds: opts.durationSeconds ?? SESSION_SECONDS,
    });
    const c = r.Credentials;
    const creds = { secretId: c.TmpSecretId, secretKey: c.TmpSecretKey, token: c.Token };
    registerSecret(creds.secretKey);
    registerSecret(creds.token);
    const expiresAtMs = r.ExpiredTime * 1000;
    // Five minutes early, or halfway for a session shorter than ten minutes.
    current = { creds, refreshAtMs: expiresAtMs - Math.min(REFRESH_BEFORE_MS, Math.max(0, expiresAtMs - now()) / 2) };
    return creds;
  };
  return {
    async get() {
      if (current && now() < current.refreshAtMs) return current.creds;
      pending ??= assume().finally(() => (pending = undefined));
      return pending;
    },
    invalidate() {
      current = undefined;
    },
  };
}
