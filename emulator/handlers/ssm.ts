/**
 * Secrets Manager (ssm 2019-09-23), the actions key rotation needs, shaped as Tencent Cloud's
 * current SSM API docs give them: CreateSecret, GetSecretValue, PutSecretValue, DescribeSecret,
 * ListSecrets, DisableSecret, DeleteSecret. DeleteSecret refuses an enabled secret, as the real
 * service does ("您必须先通过 DisableSecret 停用凭据后才可以进行（计划）删除操作", ssm api.json); the
 * error code is not documented, so the emulator answers OperationDenied.SecretEnabled. A disabled
 * secret's value cannot be read (DisableSecret's description).
 */
import { ApiFault, int, str } from "../api-fault.ts";
import type { EmuSecret } from "../state.ts";
import type { Handler, HandlerContext } from "./context.ts";

const key = (region: string, name: string) => `${region}/${name}`;

/**
 * A secret by name. One scheduled for deletion still exists (DescribeSecret shows it with Status
 * PendingDelete) but refuses reads and writes with ResourceUnavailable.ResourcePendingDeleted, as
 * the current SSM error codes say.
 */
function find(ctx: HandlerContext, name: string, opts: { pendingOk?: boolean } = {}): EmuSecret {
  const s = ctx.state.secrets.get(key(ctx.region, name));
  if (!s) throw new ApiFault("ResourceNotFound", `The secret \`${name}\` does not exist.`);
  if (s.Status === "PendingDelete" && !opts.pendingOk)
    throw new ApiFault(
      "ResourceUnavailable.ResourcePendingDeleted",
      `The secret \`${name}\` is scheduled for deletion.`,
    );
  return s;
}

function checkName(name: string): void {
  // SSM: 1-128 characters of letters, digits, hyphens and underscores, starting with a letter or digit.
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(name))
    throw new ApiFault("InvalidParameterValue", `SecretName \`${name}\` is not valid.`);
}

const meta = (s: EmuSecret) => ({
  SecretName: s.SecretName,
  Description: s.Description,
  Status: s.Status,
  CreateTime: s.CreateTime,
});

export const ssmHandlers: Record<string, Handler> = {
  CreateSecret: (ctx) => {
    const name = str(ctx.params, "SecretName", true)!;
    checkName(name);
    const value = str(ctx.params, "SecretString", true)!;
    const version = str(ctx.params, "VersionId") ?? "v1";
    if (ctx.state.secrets.has(key(ctx.region, name)))
      throw new ApiFault("ResourceInUse.SecretExists", `The secret \`${name}\` already exists.`);
    const tags = Array.isArray(ctx.params.Tags) ? (ctx.params.Tags as Array<{ TagKey: string; TagValue: string }>) : [];
    ctx.state.secrets.set(key(ctx.region, name), {
      Region: ctx.region,
      SecretName: name,
      Description: str(ctx.params, "Description") ?? "",
      CreateTime: Math.floor(ctx.state.now() / 1000),
      Status: "Enabled",
      versions: new Map([[version, value]]),
      Tags: tags,
    });
    return { SecretName: name, VersionId: version };
  },
  GetSecretValue: (ctx) => {
    const s = find(ctx, str(ctx.params, "SecretName", true)!);
    const version = str(ctx.params, "VersionId", true)!;
    if (s.Status === "Disabled")
      throw new ApiFault("ResourceUnavailable.SecretDisabled", `The secret \`${s.SecretName}\` is disabled.`);
    const value = s.versions.get(version);
    if (value === undefined)
      throw new ApiFault("ResourceNotFound", `The secret \`${s.SecretName}\` has no version \`${version}\`.`);
    return { SecretName: s.SecretName, VersionId: version, SecretString: value };
  },
  PutSecretValue: (ctx) => {
    const s = find(ctx, str(ctx.params, "SecretName", true)!);
    const version = str(ctx.params, "VersionId", true)!;
    if (s.versions.has(version))
      throw new ApiFault("ResourceInUse.VersionIdExists", `Version \`${version}\` already exists.`);
    s.versions.set(version, str(ctx.params, "SecretString", true)!);
    return { SecretName: s.SecretName, VersionId: version };
  },
  DescribeSecret: (ctx) => meta(find(ctx, str(ctx.params, "SecretName", true)!, { pendingOk: true })),
  ListSecrets: (ctx) => {
    const offset = int(ctx.params, "Offset", 0);
    const limit = Math.min(int(ctx.params, "Limit", 20), 1000);
    const search = str(ctx.params, "SearchSecretName");
    // State: 0 all (default), 1 Enabled, 2 Disabled, 3 PendingDelete (SSM ListSecrets).
    const wanted = [undefined, "Enabled", "Disabled", "PendingDelete"][int(ctx.params, "State", 0)];
    const rows = [...ctx.state.secrets.values()]
      .filter(
        (s) =>
          s.Region === ctx.region && (!wanted || s.Status === wanted) && (!search || s.SecretName.includes(search)),
      )
      .sort((a, b) => a.SecretName.localeCompare(b.SecretName));
    // As the real service answers (witness ssm.ListSecrets.json: TotalCount 3 with one row): the
    // region's secrets, not the ones the filters matched.
    const all = [...ctx.state.secrets.values()].filter((s) => s.Region === ctx.region).length;
    return { TotalCount: all, SecretMetadatas: rows.slice(offset, offset + limit).map(meta) };
  },
  DisableSecret: (ctx) => {
    const s = find(ctx, str(ctx.params, "SecretName", true)!);
    s.Status = "Disabled";
    return { SecretName: s.SecretName };
  },
  DeleteSecret: (ctx) => {
    const s = find(ctx, str(ctx.params, "SecretName", true)!);
    if (s.Status === "Enabled")
      throw new ApiFault(
        "OperationDenied.SecretEnabled",
        `The secret \`${s.SecretName}\` is enabled: disable it with DisableSecret before scheduling its deletion.`,
      );
    const days = int(ctx.params, "RecoveryWindowInDays", 0);
    if (days === 0) ctx.state.secrets.delete(key(ctx.region, s.SecretName));
    else s.Status = "PendingDelete";
    return { SecretName: s.SecretName, DeleteTime: Math.floor(ctx.state.now() / 1000) + days * 86400 };
  },
};
