/**
 * Request and response types per action, bound to the official models.
 * Requests are the models' own request types, so a misspelt field we send fails `tsc`. Responses
 * are the shapes we read (fields required where our normalizer guarantees them), and each is proven
 * at compile time to name only fields the model's response has (`Unknown` in model-conformance.ts).
 */
import type { ACTIONS } from "./actions.ts";
import type { Expect, Unknown } from "./model-conformance.ts";
import type { Cam, Cvm, Monitor, Organization, Scf, Ssm, Sts, Tag } from "./official-models.ts";
import type { GetMonitorDataResponse, Image, Instance, InstanceState, KeyPair, RegionInfo } from "./data-types.ts";

/** The models write an empty request as `null`; we send `{}`. */
type Req<T> = [T] extends [null] ? Record<string, never> : T;

/** The fields of an InstanceTypeQuotaItem we read, with its ItemPrice's (both in the official models). */
type ZonePrice = {
  Zone?: string;
  InstanceType?: string;
  InstanceFamily?: string;
  Cpu?: number;
  Memory?: number;
  Status?: string;
  InstanceChargeType?: string;
  Price?: {
    UnitPrice?: number;
    UnitPriceDiscount?: number;
    UnitPriceSecondStep?: number;
    UnitPriceDiscountSecondStep?: number;
    UnitPriceThirdStep?: number;
    UnitPriceDiscountThirdStep?: number;
    ChargeUnit?: string;
    OriginalPrice?: number;
    DiscountPrice?: number;
  };
};

/** The fields of a Price (InstancePrice: an ItemPrice) we read from the InquiryPrice* actions (official model). */
type QuotedPrice = {
  Price?: {
    InstancePrice?: {
      UnitPrice?: number;
      UnitPriceDiscount?: number;
      ChargeUnit?: string;
      OriginalPrice?: number;
      DiscountPrice?: number;
    };
  };
};

/** The fields of an AlarmPolicy we read (official model); every one may be missing. */
type AlarmPolicyRow = {
  PolicyId?: string;
  PolicyName?: string;
  Namespace?: string;
  Enable?: number;
  OriginId?: string;
  Condition?: {
    IsUnionRule?: number;
    Rules?: Array<{ MetricName?: string; Period?: number; Operator?: string; Value?: string; ContinuePeriod?: number }>;
  };
  TagInstances?: Array<{ Key?: string; Value?: string }>;
  TagOperation?: string;
};
/** The fields of a DescribeAlarmMetrics row we read (official model: Metric, MetricConfig). */
type AlarmMetricRow = {
  MetricName?: string;
  MetricConfig?: { Operator?: string[]; Period?: number[]; ContinuePeriod?: number[] } | null;
};
/** The fields of an AlarmHistory we read (official model). */
type AlarmHistoryRow = {
  AlarmObject?: string;
  Dimensions?: string;
  FirstOccurTime?: number;
  LastOccurTime?: number;
  AlarmStatus?: string;
  PolicyId?: string;
  Region?: string;
};

type Secret = { SecretName: string; Description: string; Status: string; CreateTime: number };

/** [request, the response we read, the model's response]. */
interface Table {
  DescribeRegions: [
    Req<Cvm.DescribeRegionsRequest>,
    { TotalCount: number; RegionSet: RegionInfo[] },
    Cvm.DescribeRegionsResponse,
  ];
  DescribeZones: [
    Req<Cvm.DescribeZonesRequest>,
    { TotalCount: number; ZoneSet: Array<{ Zone: string; ZoneState: string }> },
    Cvm.DescribeZonesResponse,
  ];
  DescribeInstances: [
    Cvm.DescribeInstancesRequest,
    { TotalCount: number; InstanceSet: Instance[] },
    Cvm.DescribeInstancesResponse,
  ];
  DescribeInstancesStatus: [
    Cvm.DescribeInstancesStatusRequest,
    { TotalCount: number; InstanceStatusSet: Array<{ InstanceId: string; InstanceState: InstanceState }> },
    Cvm.DescribeInstancesStatusResponse,
  ];
  StartInstances: [Cvm.StartInstancesRequest, object, Cvm.StartInstancesResponse];
  StopInstances: [Cvm.StopInstancesRequest, object, Cvm.StopInstancesResponse];
  ModifyInstancesRenewFlag: [Cvm.ModifyInstancesRenewFlagRequest, object, Cvm.ModifyInstancesRenewFlagResponse];
  DescribeImages: [Cvm.DescribeImagesRequest, { TotalCount: number; ImageSet: Image[] }, Cvm.DescribeImagesResponse];
  DescribeImageQuota: [Req<Cvm.DescribeImageQuotaRequest>, { ImageNumQuota: number }, Cvm.DescribeImageQuotaResponse];
  SyncImages: [
    Cvm.SyncImagesRequest,
    { ImageSet?: Array<{ ImageId: string; Region: string }> },
    Cvm.SyncImagesResponse,
  ];
  DeleteImages: [Cvm.DeleteImagesRequest, object, Cvm.DeleteImagesResponse];
  CreateKeyPair: [Cvm.CreateKeyPairRequest, { KeyPair: KeyPair }, Cvm.CreateKeyPairResponse];
  ImportKeyPair: [Cvm.ImportKeyPairRequest, { KeyId: string }, Cvm.ImportKeyPairResponse];
  DescribeZoneInstanceConfigInfos: [
    Cvm.DescribeZoneInstanceConfigInfosRequest,
    { InstanceTypeQuotaSet?: ZonePrice[] },
    Cvm.DescribeZoneInstanceConfigInfosResponse,
  ];
  ResetInstancesType: [Cvm.ResetInstancesTypeRequest, object, Cvm.ResetInstancesTypeResponse];
  InquiryPriceResetInstancesType: [
    Cvm.InquiryPriceResetInstancesTypeRequest,
    QuotedPrice,
    Cvm.InquiryPriceResetInstancesTypeResponse,
  ];
  InquiryPriceModifyInstancesChargeType: [
    Cvm.InquiryPriceModifyInstancesChargeTypeRequest,
    QuotedPrice,
    Cvm.InquiryPriceModifyInstancesChargeTypeResponse,
  ];
  DescribeKeyPairs: [
    Cvm.DescribeKeyPairsRequest,
    { TotalCount: number; KeyPairSet: KeyPair[] },
    Cvm.DescribeKeyPairsResponse,
  ];
  AssociateInstancesKeyPairs: [Cvm.AssociateInstancesKeyPairsRequest, object, Cvm.AssociateInstancesKeyPairsResponse];
  DisassociateInstancesKeyPairs: [
    Cvm.DisassociateInstancesKeyPairsRequest,
    object,
    Cvm.DisassociateInstancesKeyPairsResponse,
  ];
  DeleteKeyPairs: [Cvm.DeleteKeyPairsRequest, object, Cvm.DeleteKeyPairsResponse];
  GetMonitorData: [Monitor.GetMonitorDataRequest, GetMonitorDataResponse, Monitor.GetMonitorDataResponse];
  CreateAlarmPolicy: [
    Monitor.CreateAlarmPolicyRequest,
    { PolicyId: string; OriginId: string },
    Monitor.CreateAlarmPolicyResponse,
  ];
  BindingPolicyTag: [Monitor.BindingPolicyTagRequest, object, Monitor.BindingPolicyTagResponse];
  DescribeAlarmMetrics: [
    Monitor.DescribeAlarmMetricsRequest,
    { Metrics: AlarmMetricRow[] },
    Monitor.DescribeAlarmMetricsResponse,
  ];
  DescribeAlarmPolicies: [
    Monitor.DescribeAlarmPoliciesRequest,
    { TotalCount: number; Policies: AlarmPolicyRow[] },
    Monitor.DescribeAlarmPoliciesResponse,
  ];
  DeleteAlarmPolicy: [Monitor.DeleteAlarmPolicyRequest, object, Monitor.DeleteAlarmPolicyResponse];
  DescribeAlarmHistories: [
    Monitor.DescribeAlarmHistoriesRequest,
    { TotalCount: number; Histories: AlarmHistoryRow[] },
    Monitor.DescribeAlarmHistoriesResponse,
  ];
  CreateSecret: [Ssm.CreateSecretRequest, { SecretName: string; VersionId: string }, Ssm.CreateSecretResponse];
  GetSecretValue: [
    Ssm.GetSecretValueRequest,
    { SecretName: string; VersionId: string; SecretString: string },
    Ssm.GetSecretValueResponse,
  ];
  PutSecretValue: [Ssm.PutSecretValueRequest, { SecretName: string; VersionId: string }, Ssm.PutSecretValueResponse];
  DescribeSecret: [Ssm.DescribeSecretRequest, Secret, Ssm.DescribeSecretResponse];
  ListSecrets: [Ssm.ListSecretsRequest, { TotalCount: number; SecretMetadatas: Secret[] }, Ssm.ListSecretsResponse];
  DeleteSecret: [Ssm.DeleteSecretRequest, { SecretName: string; DeleteTime: number }, Ssm.DeleteSecretResponse];
  DisableSecret: [Ssm.DisableSecretRequest, { SecretName?: string }, Ssm.DisableSecretResponse];
  GetFunction: [
    Scf.GetFunctionRequest,
    {
      FunctionName: string;
      Runtime: string;
      Status: string;
      Environment?: { Variables?: Array<{ Key: string; Value: string }> };
    },
    Scf.GetFunctionResponse,
  ];
  CreateFunction: [Scf.CreateFunctionRequest, object, Scf.CreateFunctionResponse];
  UpdateFunctionCode: [Scf.UpdateFunctionCodeRequest, object, Scf.UpdateFunctionCodeResponse];
  UpdateFunctionConfiguration: [
    Scf.UpdateFunctionConfigurationRequest,
    object,
    Scf.UpdateFunctionConfigurationResponse,
  ];
  CreateTrigger: [
    Scf.CreateTriggerRequest,
    { TriggerInfo?: { TriggerName?: string; TriggerDesc?: string } },
    Scf.CreateTriggerResponse,
  ];
  CreateNamespace: [Scf.CreateNamespaceRequest, object, Scf.CreateNamespaceResponse];
  DeleteFunction: [Scf.DeleteFunctionRequest, object, Scf.DeleteFunctionResponse];
  ListTriggers: [
    Scf.ListTriggersRequest,
    { TotalCount: number; Triggers: Array<{ TriggerName: string; Type: string; TriggerDesc: string }> },
    Scf.ListTriggersResponse,
  ];
  DeleteTrigger: [Scf.DeleteTriggerRequest, object, Scf.DeleteTriggerResponse];
  GetFunctionEventInvokeConfig: [
    Scf.GetFunctionEventInvokeConfigRequest,
    { AsyncTriggerConfig?: { MsgTTL?: number; RetryConfig?: Array<{ RetryNum?: number }> } },
    Scf.GetFunctionEventInvokeConfigResponse,
  ];
  UpdateFunctionEventInvokeConfig: [
    Scf.UpdateFunctionEventInvokeConfigRequest,
    object,
    Scf.UpdateFunctionEventInvokeConfigResponse,
  ];
  Invoke: [Scf.InvokeRequest, { Result?: { FunctionRequestId?: string } }, Scf.InvokeResponse];
  AssumeRole: [
    Sts.AssumeRoleRequest,
    {
      Credentials: { Token: string; TmpSecretId: string; TmpSecretKey: string };
      ExpiredTime: number;
      Expiration?: string;
    },
    Sts.AssumeRoleResponse,
  ];
  GetCallerIdentity: [
    Req<Sts.GetCallerIdentityRequest>,
    { AccountId: string; Arn?: string; UserId?: string; PrincipalId?: string; Type?: string },
    Sts.GetCallerIdentityResponse,
  ];
  GetRole: [Cam.GetRoleRequest, { RoleInfo: { RoleName: string; PolicyDocument?: string } }, Cam.GetRoleResponse];
  TagResources: [
    Tag.TagResourcesRequest,
    { FailedResources?: Array<{ Resource: string; Code: string; Message: string }> },
    Tag.TagResourcesResponse,
  ];
  UnTagResources: [
    Tag.UnTagResourcesRequest,
    { FailedResources?: Array<{ Resource: string; Code: string; Message: string }> },
    Tag.UnTagResourcesResponse,
  ];
  DescribeOrganizationMembers: [
    Organization.DescribeOrganizationMembersRequest,
    { Items: Array<{ MemberUin: number; Name?: string }>; Total: number },
    Organization.DescribeOrganizationMembersResponse,
  ];
}

/** Request and response types per action, as the rest of the code uses them. */
export type ApiTypes = { [A in keyof Table]: [Table[A][0], Table[A][1]] };

/** The action table and these types list the same actions: one without the other fails here. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export type TableMatchesTypes = Expect<
  Equal<keyof typeof ACTIONS, keyof Table> extends true ? never : "ACTIONS and the typed table differ"
>;

/** Every response we read names only fields its model has. A misspelt field fails here, by path. */
export type ResponsesConform = Expect<{ [A in keyof Table]: Unknown<Table[A][1], Table[A][2], A> }[keyof Table]>;
