/**
 * The actions we call, as data: service, version, documented per-second limit, and how the
 * action pages or batches. Typed service methods are generated from this table.
 * Limits come from the 2018 CVM API 3.0 reference ("A maximum of N requests can be initiated per second") for cvm;
 * for monitor / ssm / scf from Tencent Cloud's current API docs for those products.
 */
import { STATE_CHANGED_CODES } from "./instance-codes.ts";

export const SERVICE_VERSIONS = {
  cvm: "2017-03-12",
  monitor: "2018-07-24", // Cloud Monitor API 3.0, GetMonitorData
  ssm: "2019-09-23", // Secrets Manager API 3.0
  scf: "2018-04-16", // Serverless Cloud Function API 3.0
  tag: "2018-08-13", // Tag API 3.0: TagResources (office-hours records its last action on the instance)
  sts: "2018-08-13", // Security Token Service API 3.0: AssumeRole, GetCallerIdentity
  organization: "2021-03-31", // Tencent Cloud Organization API 3.0: DescribeOrganizationMembers
  cam: "2019-01-16", // Cloud Access Management API 3.0: GetRole (deploy checks the functions' role)
  // Region API: DescribeRegions with Product=cvm, the current region list (CVM's DescribeRegions is no
  // longer updated, cvm api.json). Its action shares CVM's name, so it is called directly, not from the table.
  region: "2022-06-27",
} as const;
export type Service = keyof typeof SERVICE_VERSIONS;

export interface ActionSpec {
  service: Service;
  /** Requests per second, per region. */
  rateLimit: number;
  /** Rows per page (Offset/Limit paging) when the action lists. */
  pageSize?: number;
  /** Ids per call when the action takes a batch. */
  batchSize?: number;
  /** Called by `deploy` only (as the deployer), never by a running function: kept out of the functions' CAM policy. */
  deployerOnly?: boolean;
  /**
   * Error codes every caller handles as an ordinary answer (a machine already stopped when two
   * functions both stop it): logged at debug, never as a failed call.
   */
  expected?: ReadonlySet<string>;
}

const cvm = (rateLimit: number, extra: Partial<ActionSpec> = {}): ActionSpec => ({
  service: "cvm",
  rateLimit,
  ...extra,
});
/** scf documents 20 requests per second for each of its actions. */
const scf = (extra: Partial<ActionSpec> = {}): ActionSpec => ({ service: "scf", rateLimit: 20, ...extra });

export const ACTIONS = {
  // cvm, the 2018 CVM API 3.0 reference
  DescribeRegions: cvm(20),
  DescribeZones: cvm(20),
  DescribeInstances: cvm(40, { pageSize: 100, batchSize: 100 }),
  DescribeInstancesStatus: cvm(40, { pageSize: 100, batchSize: 100 }),
  // A machine whose state moved since it was described is reported as changed under us, not as an error.
  StartInstances: cvm(10, { batchSize: 100, expected: STATE_CHANGED_CODES }),
  StopInstances: cvm(10, { batchSize: 100, expected: STATE_CHANGED_CODES }),
  ModifyInstancesRenewFlag: cvm(10, { batchSize: 100 }),
  DescribeImages: cvm(10, { pageSize: 100 }),
  DescribeImageQuota: cvm(10),
  SyncImages: cvm(10),
  DeleteImages: cvm(10, { batchSize: 100 }),
  CreateKeyPair: cvm(10),
  ImportKeyPair: cvm(10),
  DescribeKeyPairs: cvm(10, { pageSize: 100, batchSize: 100 }),
  // Not in the 2018 CVM API 3.0 reference; the current API docs (product/213/33254): 40 per second. Auto-stop's prices.
  DescribeZoneInstanceConfigInfos: cvm(40),
  // rightsize: one instance a call (the current model: "本接口目前仅支持每次操作1个实例"); 10 per second (2018 reference).
  ResetInstancesType: cvm(10, { batchSize: 1 }),
  InquiryPriceResetInstancesType: cvm(10, { batchSize: 1 }),
  // prepaid-advice: up to 100 instances a call (the model and the 2018 page); one price for the whole call.
  InquiryPriceModifyInstancesChargeType: cvm(10, { batchSize: 100 }),
  AssociateInstancesKeyPairs: cvm(10, { batchSize: 100 }),
  DisassociateInstancesKeyPairs: cvm(10, { batchSize: 100 }),
  DeleteKeyPairs: cvm(10, { batchSize: 100 }),
  // monitor: GetMonitorData allows 20 req/s, 50 instances and 7,200 data points a request (tccli
  // monitor api.json: "单请求最多可支持批量拉取50个实例的监控数据，单请求的数据点数限制为7200个"; the
  // per-product Node package 4.0.1034 still says 10). The point budget is kept in monitor.ts.
  GetMonitorData: { service: "monitor", rateLimit: 20, batchSize: 50 },
  // monitor alarm policies (AUTO_STOP_SOURCE=alarms): 20 per second, as Cloud Monitor's API docs
  // give it for BindingPolicyObject (product/248/40421); assumed the same for the others, whose
  // pages we could not read here. Not billed: only GetMonitorData counts against the free tier.
  // deploy writes the policies; a run only reads them (DescribeAlarmPolicies, DescribeAlarmHistories).
  CreateAlarmPolicy: { service: "monitor", rateLimit: 20, deployerOnly: true },
  BindingPolicyTag: { service: "monitor", rateLimit: 20, deployerOnly: true },
  // What a rule may hold (Period, ContinuePeriod, Operator per metric): read by deploy before it writes a
  // policy, and by a run to tell whether the policy still matches the config.
  DescribeAlarmMetrics: { service: "monitor", rateLimit: 20 },
  DescribeAlarmPolicies: { service: "monitor", rateLimit: 20 },
  DeleteAlarmPolicy: { service: "monitor", rateLimit: 20, deployerOnly: true },
  // Pages of 1 to 100 (the official model: "每页的数量，取值1~100").
  DescribeAlarmHistories: { service: "monitor", rateLimit: 20 },
  // ssm: 20 req/s per action (Secrets Manager API docs)
  CreateSecret: { service: "ssm", rateLimit: 20 },
  GetSecretValue: { service: "ssm", rateLimit: 20 },
  PutSecretValue: { service: "ssm", rateLimit: 20 },
  DescribeSecret: { service: "ssm", rateLimit: 20 },
  ListSecrets: { service: "ssm", rateLimit: 20, pageSize: 100 },
  DeleteSecret: { service: "ssm", rateLimit: 20 },
  // Before DeleteSecret, which refuses an enabled secret (ssm api.json); 50 per second (SSM API docs, product/1140/40525).
  DisableSecret: { service: "ssm", rateLimit: 50 },
  // scf: 20 req/s (Serverless Cloud Function API docs)
  GetFunction: scf(),
  CreateFunction: scf(),
  UpdateFunctionCode: scf(),
  UpdateFunctionConfiguration: scf(),
  CreateTrigger: scf(),
  ListTriggers: scf({ pageSize: 100 }),
  DeleteTrigger: scf(),
  // deploy turns off the platform's retry of failed asynchronous runs (the next schedule is the retry).
  GetFunctionEventInvokeConfig: scf(),
  UpdateFunctionEventInvokeConfig: scf(),
  // `deploy` creates a missing namespace; `deploy --remove` deletes our functions.
  CreateNamespace: scf(),
  DeleteFunction: scf(),
  // A coordinator's one asynchronous invocation per shard; Invoke shares scf's 20 per second.
  Invoke: scf(),
  // sts: AssumeRole 600 per second, GetCallerIdentity 20 (the STS API docs' request limits).
  AssumeRole: { service: "sts", rateLimit: 600 },
  GetCallerIdentity: { service: "sts", rateLimit: 20 },
  // organization: 20 per second; pages of at most 50 members (the model: "取值范围：1~50").
  DescribeOrganizationMembers: { service: "organization", rateLimit: 20, pageSize: 50 },
  // tag: TagResources binds tags to at most 10 resources a call (tccli tag/v20180813/api.json:
  // ResourceList "N取值范围：0~9"), 20 requests a second (Tag API docs, product/651/33003).
  TagResources: { service: "tag", rateLimit: 20, batchSize: 10 },
  // auto-stop removes a snooze tag once it has reported it expired; the same limits as TagResources (same api.json, Tag API docs).
  UnTagResources: { service: "tag", rateLimit: 20, batchSize: 10 },
  // cam: 20 per second (CAM API docs). The deployer's, like scf's: not in the functions' policy.
  GetRole: { service: "cam", rateLimit: 20 },
} as const satisfies Record<string, ActionSpec>;

export type ActionName = keyof typeof ACTIONS;

/** Fallback for actions outside the table (`cvm-autopilot call` can send anything). */
export const DEFAULT_RATE_LIMIT = 10;

export function actionSpec(action: string): ActionSpec | undefined {
  return (ACTIONS as Record<string, ActionSpec>)[action];
}
