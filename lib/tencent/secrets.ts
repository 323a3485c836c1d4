/**
 * Scheduling an SSM secret's deletion as the real service requires: DisableSecret first, then
 * DeleteSecret with a recovery window. SSM refuses to schedule the deletion of an enabled secret
 * (ssm api.json, DeleteSecret: "您必须先通过 DisableSecret 停用凭据后才可以进行（计划）删除操作"),
 * and within the window RestoreSecret undoes it. Idempotent: a secret already pending deletion,
 * or gone, is said to be so, not an error.
 */
import type { TencentCloudClient } from "./client.ts";
import { TencentCloudApiError } from "./errors.ts";
import { api } from "./services.ts";

export type SecretDeletion =
  | { status: "scheduled"; requestId: string; deleteTime: number }
  | { status: "already-pending" | "absent"; code: string; requestId?: string | undefined };

const PENDING = "ResourceUnavailable.ResourcePendingDeleted";

export async function scheduleSecretDeletion(
  client: TencentCloudClient,
  region: string,
  secretName: string,
  recoveryDays: number,
): Promise<SecretDeletion> {
  const settled = (err: unknown): SecretDeletion | undefined => {
    if (!(err instanceof TencentCloudApiError)) return undefined;
    if (err.code === PENDING) return { status: "already-pending", code: err.code, requestId: err.requestId };
    if (err.code === "ResourceNotFound") return { status: "absent", code: err.code, requestId: err.requestId };
    return undefined;
  };
  try {
    await api(client).disableSecret(region, { SecretName: secretName });
    const res = await api(client).deleteSecret(region, { SecretName: secretName, RecoveryWindowInDays: recoveryDays });
    return { status: "scheduled", requestId: res.RequestId, deleteTime: res.DeleteTime };
  } catch (err) {
    const s = settled(err);
    if (s) return s;
    throw err;
  }
}
