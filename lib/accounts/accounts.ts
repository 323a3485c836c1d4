/**
 * ACCOUNTS: the accounts a run covers. A list of CAM role ARNs
 * (`qcs::cam::uin/<uin>:roleName/<role>`, the form STS AssumeRole's model documents) to assume,
 * `organization:<role name>` to list the organization's members (DescribeOrganizationMembers)
 * and assume that role in each, and `self` for the caller's own account — included only when
 * listed. Unset: the caller's own account alone, as before.
 */

export type AccountsSpec =
  | { kind: "list"; roles: Array<{ uin: string; roleArn: string }>; self: boolean }
  | { kind: "organization"; roleName: string; self: boolean };

export interface Account {
  uin: string;
  /** The member's name, where the organization listing gives one. */
  name?: string | undefined;
  /** The role assumed in it; undefined for the caller's own account. */
  roleArn?: string | undefined;
}

const ROLE_ARN = /^qcs::cam::uin\/(\d{5,20}):roleName\/([\w+=,.@-]{1,128})$/;
const ROLE_NAME = /^[\w+=,.@-]{1,128}$/;

/** Parses ACCOUNTS, or says what is wrong with it in words (the caller names the variable). */
export function parseAccounts(raw: string | undefined): AccountsSpec | undefined | string {
  if (raw === undefined) return undefined;
  const items = raw
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  // Set but naming nothing (",", " "): a run over zero accounts would do nothing and say it succeeded.
  if (!items.length)
    return `names no account; list role ARNs (qcs::cam::uin/100000000001:roleName/cvm-autopilot), organization:<role name> or self, or leave ACCOUNTS unset for this account alone`;
  const self = items.includes("self");
  const rest = items.filter((i) => i !== "self");
  const org = rest.filter((i) => i.startsWith("organization:"));
  if (org.length) {
    if (org.length > 1 || rest.length > 1)
      return "organization:<role name> stands alone (optionally with self); list role ARNs instead to pick accounts";
    const roleName = org[0]!.slice("organization:".length);
    if (!ROLE_NAME.test(roleName))
      return `"${roleName}" is not a CAM role name (letters, digits and +=,.@_- up to 128)`;
    return { kind: "organization", roleName, self };
  }
  const roles: Array<{ uin: string; roleArn: string }> = [];
  for (const r of rest) {
    const m = ROLE_ARN.exec(r);
    if (!m)
      return `"${r}" is not a role ARN like qcs::cam::uin/100000000001:roleName/cvm-autopilot, organization:<role name>, or self`;
    if (roles.some((x) => x.uin === m[1])) return `account ${m[1]} is listed twice`;
    roles.push({ uin: m[1]!, roleArn: r });
  }
  return { kind: "list", roles, self };
}

export const roleArnOf = (uin: string, roleName: string) => `qcs::cam::uin/${uin}:roleName/${roleName}`;

/** How an account is named on every line that names a resource: its uin, and its name when known. */
export const accountLabel = (a: Pick<Account, "uin" | "name">) => (a.name ? `${a.uin} (${a.name})` : a.uin);

/** The account a report line names, in words, or undefined for a one-account run's line. */
export const lineAccount = (e: { account?: string | undefined; accountName?: string | undefined }) =>
  e.account ? accountLabel({ uin: e.account, name: e.accountName }) : undefined;
