/**
 * Credentials of the CAM role bound to the CVM instance this runs on, from the instance metadata
 * service, as the official SDK's CvmRoleCredential reads them (product/598/85616):
 * `<metadata>/cam/security-credentials/` names the role, and `…/<role>` answers
 * {TmpSecretId, TmpSecretKey, Token, ExpiredTime (Unix seconds), Code: "Success"}. Kept until five
 * minutes before they expire, asked again when the API refuses them. Only used when asked for
 * (CVM_AUTOPILOT_USE_CVM_ROLE): the metadata address means nothing off a CVM.
 */
import { registerSecret } from "../log/redact.ts";
import type { CredentialSource } from "../tencent/client.ts";
import type { Credentials } from "../tencent/signer.ts";
import { TencentCloudApiError } from "../tencent/errors.ts";

export const DEFAULT_METADATA_URL = "http://metadata.tencentyun.com/latest/meta-data/";
const EARLY_MS = 5 * 60_000;

const unavailable = (message: string) =>
  new TencentCloudApiError({
    code: "ClientError.CvmRoleUnavailable",
    message,
    action: "GetCvmRoleCredentials",
    region: undefined,
    service: "metadata",
    requestId: undefined,
  });

export function cvmRoleCredentials(metadataUrl: string, now: () => number = Date.now): CredentialSource {
  const base = metadataUrl.endsWith("/") ? metadataUrl : `${metadataUrl}/`;
  let cached: { credentials: Credentials; expiresAtMs: number } | undefined;
  const get = async (path: string): Promise<Response> => {
    try {
      return await fetch(`${base}cam/security-credentials/${path}`, { signal: AbortSignal.timeout(3000) });
    } catch (e) {
      throw unavailable(
        `the instance metadata service (${base}) did not answer (${(e as Error).message}): CVM_AUTOPILOT_USE_CVM_ROLE works only on a CVM with a role bound; elsewhere set TENCENTCLOUD_SECRET_ID / _SECRET_KEY`,
      );
    }
  };
  return {
    async get() {
      if (cached && now() < cached.expiresAtMs - EARLY_MS) return cached.credentials;
      const list = await get("");
      const role = list.ok ? (await list.text()).split(/\r?\n/)[0]!.trim() : "";
      if (!role)
        throw unavailable(
          "no CAM role is bound to this CVM instance (the metadata service names none): bind one to the instance, or set TENCENTCLOUD_SECRET_ID / _SECRET_KEY",
        );
      const res = await get(encodeURIComponent(role));
      const body = (res.ok ? await res.json().catch(() => undefined) : undefined) as
        | { TmpSecretId?: unknown; TmpSecretKey?: unknown; Token?: unknown; ExpiredTime?: unknown; Code?: unknown }
        | undefined;
      if (
        body?.Code !== "Success" ||
        typeof body.TmpSecretId !== "string" ||
        typeof body.TmpSecretKey !== "string" ||
        typeof body.Token !== "string"
      ) {
        throw unavailable(
          `the metadata service gave no credentials for role ${role} (HTTP ${res.status}${body?.Code ? `, Code ${String(body.Code)}` : ""})`,
        );
      }
      registerSecret(body.TmpSecretKey);
      registerSecret(body.Token);
      const expiresAtMs = typeof body.ExpiredTime === "number" ? body.ExpiredTime * 1000 : now() + EARLY_MS * 2;
      cached = {
        credentials: { secretId: body.TmpSecretId, secretKey: body.TmpSecretKey, token: body.Token },
        expiresAtMs,
      };
      return cached.credentials;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
