/**
 * The emulator's own table of what the real API documents: versions and per-action request
 * limits, each with the page it comes from. Deliberately not imported from the product's action
 * table (lib/tencent/actions.ts): when the two are written separately from the docs, a wrong limit
 * on one side shows up as throttling in the tests instead of being confirmed by both.
 */

/** API versions per service (each product's API 3.0 docs). */
export const VERSIONS: Record<string, string> = {
  cvm: "2017-03-12", // CVM API 3.0 (the 2018 CVM API 3.0 reference)
  monitor: "2018-07-24", // Cloud Monitor API 3.0, GetMonitorData
  ssm: "2019-09-23", // Secrets Manager API 3.0
  scf: "2018-04-16", // Serverless Cloud Function API 3.0
  sts: "2018-08-13", // Security Token Service API 3.0
  organization: "2021-03-31", // Tencent Cloud Organization API 3.0
  cam: "2019-01-16", // Cloud Access Management API 3.0
  tag: "2018-08-13", // Tag API 3.0
  region: "2022-06-27", // Region API: DescribeRegions by product
};

/** Requests per second per action and region. */
export const RATE_LIMITS: Record<string, number> = {
  // The 2018 CVM API 3.0 reference, each action's page: "A maximum of N requests can be initiated per second".
  DescribeRegions: 20,
  DescribeZones: 20,
  DescribeInstances: 40,
  DescribeInstancesStatus: 40,
  StartInstances: 10,
  StopInstances: 10,
  ModifyInstancesRenewFlag: 10,
  DescribeImages: 10,
  DescribeImageQuota: 10,
  SyncImages: 10,
  DeleteImages: 10,
  CreateKeyPair: 10,
  ImportKeyPair: 10,
  DescribeKeyPairs: 10,
  // The 2018 CVM API 3.0 reference, each action's page: 10 per second (the current docs agree).
  ResetInstancesType: 10,
  InquiryPriceResetInstancesType: 10,
  ModifyInstancesChargeType: 10,
  InquiryPriceModifyInstancesChargeType: 10,
  // Current API docs (product/213/33254), not in the 2018 CVM API 3.0 reference.
  DescribeZoneInstanceConfigInfos: 40,
  AssociateInstancesKeyPairs: 10,
  DisassociateInstancesKeyPairs: 10,
  DeleteKeyPairs: 10,
  // Cloud Monitor API docs, GetMonitorData: 20 per second.
  GetMonitorData: 20,
  // SSM API docs (product/1140/40525): DisableSecret 50 per second.
  DisableSecret: 50,
  // Tag API docs (product/651/33003): TagResources 20 per second.
  TagResources: 20,
  // STS API docs: AssumeRole 600 per second.
  AssumeRole: 600,
};
/** For an action the table does not name (SSM and SCF document 20 per second for theirs). */
export const DEFAULT_RATE_LIMIT = 20;

/** The 2018 CVM API 3.0 reference "Usage restrictions": "Total 1,000 times per minute (100 times/min for a single API)", CVM only; enforced when asked. */
export const ACCOUNT_BUDGET = { perMinute: 1000, perActionPerMinute: 100 };

/** Sliding windows per key (service/action/region by the second; the account budget by the minute). */
export class ServerLimiter {
  private readonly arrivals = new Map<string, number[]>();
  admit(key: string, limit: number, now: number, windowMs = 1000): boolean {
    const list = this.arrivals.get(key) ?? [];
    while (list.length && list[0]! <= now - windowMs) list.shift();
    if (list.length >= limit) return false;
    list.push(now);
    this.arrivals.set(key, list);
    return true;
  }
}
