/**
 * Identity services the many-account emulator answers: STS, CAM and Organization.
 *
 * STS (sts 2018-08-13) as the current API documents it: AssumeRole with a role ARN
 * `qcs::cam::uin/<uin>:roleName/<name>`, RoleSessionName 2–128 of `[\w+=,.@-]`, DurationSeconds
 * up to 43200 (default 7200); it answers Credentials {Token, TmpSecretId, TmpSecretKey},
 * ExpiredTime (Unix seconds) and Expiration (ISO). Error codes from the SDK's sts errors list:
 * ResourceNotFound.RoleNotFound, InvalidParameter.OverTimeError, InvalidParameter.ParamError.
 * GetCallerIdentity names the caller's account.
 */
import { ApiFault, int, str } from "../api-fault.ts";
import { DEFAULT_SESSION_S, MAX_SESSION_S, type AccountRegistry } from "../accounts.ts";
import type { Handler } from "./context.ts";

const ROLE_ARN = /^qcs::cam::uin\/(\d+):roleName\/([\w+=,.@-]+)$/;

export function stsHandlers(accounts: AccountRegistry): Record<string, Handler> {
  return {
    AssumeRole(ctx) {
      const arn = str(ctx.params, "RoleArn", true)!;
      const session = str(ctx.params, "RoleSessionName", true)!;
      if (!/^[\w+=,.@-]{2,128}$/.test(session))
        throw new ApiFault(
          "InvalidParameter.ParamError",
          "RoleSessionName must be 2 to 128 of letters, digits and +=,.@_-.",
        );
      const duration = int(ctx.params, "DurationSeconds", DEFAULT_SESSION_S);
      if (duration > MAX_SESSION_S || duration < 1)
        throw new ApiFault("InvalidParameter.OverTimeError", `DurationSeconds must be at most ${MAX_SESSION_S}.`);
      const m = ROLE_ARN.exec(arn);
      if (!m) throw new ApiFault("InvalidParameter.ParamError", `RoleArn \`${arn}\` is not a role ARN.`);
      const target = accounts.byUin.get(m[1]!);
      if (!target?.roles.has(m[2]!))
        throw new ApiFault("ResourceNotFound.RoleNotFound", `The role \`${m[2]}\` does not exist in account ${m[1]}.`);
      const t = accounts.issue(target.uin, duration, target.rolePolicies?.get(m[2]!));
      return {
        Credentials: { Token: t.token, TmpSecretId: t.secretId, TmpSecretKey: t.secretKey },
        ExpiredTime: Math.floor(t.expiresAtMs / 1000),
        Expiration: new Date(t.expiresAtMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
      };
    },
    GetCallerIdentity(ctx) {
      const uin = ctx.account ?? accounts.management.uin;
      return {
        Arn: `qcs::cam::uin/${uin}:uin/${uin}`,
        AccountId: uin,
        UserId: uin,
        PrincipalId: uin,
        Type: "RootAccount",
      };
    },
  };
}

/**
 * CAM GetRole (cam 2019-01-16): a role's RoleInfo with its trust policy as PolicyDocument; a
 * role that does not exist is InvalidParameter.RoleNotExist (the SDK's cam errors list).
 */
export function camHandlers(accounts: AccountRegistry): Record<string, Handler> {
  return {
    GetRole(ctx) {
      const a = accounts.byUin.get(ctx.account ?? accounts.management.uin)!;
      const name = str(ctx.params, "RoleName") ?? str(ctx.params, "RoleId", true)!;
      const scf = a.scfRoles?.has(name) ?? false;
      if (!scf && !a.roles.has(name))
        throw new ApiFault("InvalidParameter.RoleNotExist", `The role \`${name}\` does not exist.`);
      const principal = scf
        ? { service: ["scf.qcloud.com"] }
        : { qcs: [`qcs::cam::uin/${accounts.management.uin}:root`] };
      return {
        RoleInfo: {
          RoleId: `46116860184${a.uin.slice(-8)}`,
          RoleName: name,
          PolicyDocument: JSON.stringify({
            version: "2.0",
            statement: [{ action: "name/sts:AssumeRole", effect: "allow", principal }],
          }),
          Description: "",
        },
      };
    },
  };
}

/** Tencent Cloud Organization (organization 2021-03-31): the management account lists its members, 1–50 a page. */
export function organizationHandlers(accounts: AccountRegistry): Record<string, Handler> {
  return {
    DescribeOrganizationMembers(ctx) {
      if ((ctx.account ?? accounts.management.uin) !== accounts.management.uin) {
        throw new ApiFault(
          "FailedOperation.OrganizationPermissionIllegal",
          "Only the organization's management account may list its members.",
        );
      }
      // Both required by the model.
      str(ctx.params, "Limit", true);
      const offset = int(ctx.params, "Offset", 0);
      const limit = int(ctx.params, "Limit", 10);
      if (limit < 1 || limit > 50) throw new ApiFault("InvalidParameter.LimitExceeded", "Limit is 1 to 50.");
      // SearchKey (the model: member name or id) narrows the listing; Total counts what it matched.
      const key = typeof ctx.params.SearchKey === "string" ? ctx.params.SearchKey : "";
      const all = [...accounts.byUin.values()].filter(
        (a) => a.member !== false && (!key || a.uin.includes(key) || a.name.includes(key)),
      );
      return {
        Items: all
          .slice(offset, offset + limit)
          .map((a) => ({ MemberUin: Number(a.uin), Name: a.name, MemberType: "Create", NodeId: 1, NodeName: "Root" })),
        Total: all.length,
      };
    },
  };
}
