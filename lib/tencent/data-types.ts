/**
 * API data types we read and write. CVM shapes from the 2018 CVM API 3.0 reference "Data Types"; `Tags` as the
 * current CVM API returns them ({Key, Value}; the 2018 seed's example shows lower-case
 * tagKey/tagValue, which we also accept when reading). Monitor and SSM from their current docs.
 */

export interface Filter {
  Name: string;
  Values: string[];
}
export interface Tag {
  Key: string;
  Value: string;
}
export type InstanceState =
  | "PENDING"
  | "LAUNCH_FAILED"
  | "RUNNING"
  | "STOPPED"
  | "STARTING"
  | "STOPPING"
  | "REBOOTING"
  | "SHUTDOWN"
  | "TERMINATING";
export type ChargeType = "PREPAID" | "POSTPAID_BY_HOUR" | "CDHPAID" | "SPOTPAID";
export const RENEW_FLAGS = [
  "NOTIFY_AND_AUTO_RENEW",
  "NOTIFY_AND_MANUAL_RENEW",
  "DISABLE_NOTIFY_AND_MANUAL_RENEW",
] as const;
export type RenewFlag = (typeof RENEW_FLAGS)[number];

export interface Instance {
  InstanceId: string;
  InstanceName: string;
  InstanceState: InstanceState;
  InstanceChargeType: ChargeType;
  InstanceType: string;
  CPU: number;
  Memory: number;
  Placement: { Zone: string; ProjectId: number; HostId?: string };
  CreatedTime: string;
  ExpiredTime?: string | null;
  RenewFlag?: RenewFlag | null;
  RestrictState?: "NORMAL" | "EXPIRED" | "PROTECTIVELY_ISOLATED";
  ImageId: string;
  OsName?: string;
  LoginSettings?: { KeyIds?: string[] | null };
  Tags?: Tag[];
  PrivateIpAddresses?: string[];
  PublicIpAddresses?: string[] | null;
  StopChargingMode?: string;
  /** The system disk (cvm model SystemDisk): ResetInstancesType accepts CLOUD_BASIC, CLOUD_PREMIUM, CLOUD_SSD, CLOUD_BSSD. */
  SystemDisk?: { DiskType?: string; DiskSize?: number };
  /**
   * The instance's latest operation (e.g. StopInstances, ResetInstance), its state (SUCCESS,
   * OPERATING, FAILED) and its request's id; each may be null (cvm 2017-03-12 Instance model; the
   * DescribeInstances example in tccli's api.json). A start, a stop or a restart gives a new id.
   */
  LatestOperation?: string | null;
  LatestOperationState?: string | null;
  LatestOperationRequestId?: string | null;
}

export interface Image {
  ImageId: string;
  ImageName: string;
  ImageDescription: string;
  ImageSize: number;
  /** Official model (cvm 2017-03-12 Image.ImageState): CREATING, NORMAL, CREATEFAILED, SYNCING, IMPORTING, IMPORTFAILED. */
  ImageState: "CREATING" | "NORMAL" | "CREATEFAILED" | "SYNCING" | "IMPORTING" | "IMPORTFAILED";
  ImageType: "PRIVATE_IMAGE" | "PUBLIC_IMAGE" | "SHARED_IMAGE";
  CreatedTime: string;
  OsName: string;
  Platform: string;
  Architecture: string;
  ImageCreator?: string;
  ImageSource?: string;
  SyncPercent?: number;
  Tags?: Tag[];
}

export interface KeyPair {
  KeyId: string;
  KeyName: string;
  ProjectId: number;
  Description: string;
  PublicKey: string;
  PrivateKey?: string;
  AssociatedInstanceIds: string[];
  CreatedTime: string;
  Tags?: Tag[];
}

export interface RegionInfo {
  Region: string;
  RegionName: string;
  RegionState: string;
}

// --- Cloud Monitor GetMonitorData (monitor 2018-07-24) ---
export interface MonitorDimension {
  Name: string;
  Value: string;
}
export interface MonitorInstance {
  Dimensions: MonitorDimension[];
}
export interface GetMonitorDataRequest {
  Namespace: string;
  MetricName: string;
  Instances: MonitorInstance[];
  Period?: number;
  StartTime?: string;
  EndTime?: string;
}
export interface DataPoint {
  Dimensions: MonitorDimension[];
  Timestamps: number[];
  Values: number[];
}
export interface GetMonitorDataResponse {
  Period: number;
  MetricName: string;
  DataPoints: DataPoint[];
  StartTime: string;
  EndTime: string;
  Msg?: string;
}
