/**
 * From ACCOUNTS to the accounts a run covers: the listed roles, or the organization's members
 * (DescribeOrganizationMembers, organization 2021-03-31, pages of 50 with Total), and the caller's
 * own account (GetCallerIdentity's AccountId) only when `self` is listed.
 */
import type { TencentCloudClient } from "../tencent/client.ts";
import { CLIENT_CODES, TencentCloudApiError } from "../tencent/errors.ts";
import { api } from "../tencent/services.ts";
import { roleArnOf, type Account, type AccountsSpec } from "./accounts.ts";

const PAGE = 50;
/** A runaway guard: 200 pages is 10,000 member accounts. */
const MAX_PAGES = 200;

export async function callerAccount(client: TencentCloudClient, region: string): Promise<Account> {
  const r = await api(client).getCallerIdentity(region, {});
  return { uin: String(r.AccountId) };
}

export async function organizationMembers(
  client: TencentCloudClient,
  region: string,
): Promise<Array<{ uin: string; name?: string }>> {
  const out: Array<{ uin: string; name?: string }> = [];
  for (let page = 0, offset = 0; ; page++, offset += PAGE) {
    if (page >= MAX_PAGES)
      throw new TencentCloudApiError({
        code: CLIENT_CODES.listing,
        message: `more than ${MAX_PAGES * PAGE} organization members; list role ARNs in ACCOUNTS instead`,
        action: "DescribeOrganizationMembers",
        region,
        service: "organization",
        requestId: undefined,
      });
    const r = await api(client).describeOrganizationMembers(region, { Offset: offset, Limit: PAGE });
    // A page without Total cannot say whether the list is whole: never act on part of an organization.
    if (typeof r.Total !== "number" || !Array.isArray(r.Items)) {
      throw new TencentCloudApiError({
        code: CLIENT_CODES.listing,
        message: "DescribeOrganizationMembers replied without Items or Total",
        action: "DescribeOrganizationMembers",
        region,
        service: "organization",
        requestId: r.RequestId,
      });
    }
    // The shared pager's rule: a page short of its own Total is a cut listing, not the end of it.
    if (r.Items.length < PAGE && offset + r.Items.length < r.Total) {
      throw new TencentCloudApiError({
        code: CLIENT_CODES.listing,
        message: `DescribeOrganizationMembers page at offset ${offset} has ${r.Items.length} members but Total is ${r.Total}: the listing was cut short, so no member is run (a partial organization is never taken for the whole)`,
        action: "DescribeOrganizationMembers",
        region,
        service: "organization",
        requestId: r.RequestId,
      });
    }
    for (const m of r.Items)
      if (!out.some((x) => x.uin === String(m.MemberUin)))
        out.push({ uin: String(m.MemberUin), ...(m.Name ? { name: m.Name } : {}) });
    if (offset + PAGE >= r.Total) return out;
  }
}

/**
 * One member by uin, by the organization's own listing (DescribeOrganizationMembers' SearchKey:
 * "成员名称或者成员ID搜索", organization_models.d.ts), or undefined when it is not a member. The
 * search matches loosely, so only an exact MemberUin counts.
 */
export async function organizationMember(
  client: TencentCloudClient,
  region: string,
  uin: string,
): Promise<{ uin: string; name?: string } | undefined> {
  const r = await api(client).describeOrganizationMembers(region, { Offset: 0, Limit: PAGE, SearchKey: uin });
  const m = (Array.isArray(r.Items) ? r.Items : []).find((x) => String(x.MemberUin) === uin);
  return m ? { uin, ...(m.Name ? { name: m.Name } : {}) } : undefined;
}

/** The accounts of a run, in a stable order: the caller's own first when listed. */
export async function resolveAccounts(
  spec: AccountsSpec,
  client: TencentCloudClient,
  region: string,
): Promise<Account[]> {
  const self = spec.self || spec.kind === "organization" ? await callerAccount(client, region) : undefined;
  const out: Account[] = spec.self && self ? [self] : [];
  if (spec.kind === "list") {
    for (const r of spec.roles) if (r.uin !== self?.uin || !spec.self) out.push({ uin: r.uin, roleArn: r.roleArn });
    return out;
  }
  for (const m of await organizationMembers(client, region)) {
    // The management account is a member too; it is covered only when `self` is listed.
    if (m.uin === self?.uin) continue;
    out.push({ ...m, roleArn: roleArnOf(m.uin, spec.roleName) });
  }
  return out;
}
