/**
 * The official SDK's generated models, as our contract with the real API. Type-only:
 * esbuild erases these imports, so no SDK code reaches a bundle, while `tsc` checks every request
 * we build against the model and every response field we read (see `model-conformance.ts`).
 * Sources: tencentcloud-sdk-nodejs-{cvm,monitor,ssm,scf,sts}, `tencentcloud/services/<svc>/<version>/<svc>_models.d.ts`.
 */
export type * as Cvm from "tencentcloud-sdk-nodejs-cvm/tencentcloud/services/cvm/v20170312/cvm_models.js";
export type * as Monitor from "tencentcloud-sdk-nodejs-monitor/tencentcloud/services/monitor/v20180724/monitor_models.js";
export type * as Ssm from "tencentcloud-sdk-nodejs-ssm/tencentcloud/services/ssm/v20190923/ssm_models.js";
export type * as Scf from "tencentcloud-sdk-nodejs-scf/tencentcloud/services/scf/v20180416/scf_models.js";
export type * as Sts from "tencentcloud-sdk-nodejs-sts/tencentcloud/services/sts/v20180813/sts_models.js";
/**
 * Tencent Cloud Organization is not published as a per-product package (ECOSYSTEM-NOTES), so the
 * two shapes we use are written here from the full SDK's
 * `tencentcloud/services/organization/v20210331/organization_models.d.ts`: the request's
 * Offset/Limit (1–50) and the response's Items (OrgMember: MemberUin, Name) and Total.
 */
/**
 * CAM is not published per product either; GetRole's request (RoleId or RoleName) and the fields
 * of RoleInfo we read (RoleName, PolicyDocument: the trust policy), from the full SDK's
 * `tencentcloud/services/cam/v20190116/cam_models.d.ts`.
 */
export declare namespace Cam {
  interface GetRoleRequest {
    RoleId?: string;
    RoleName?: string;
  }
  interface RoleInfo {
    RoleId: string;
    RoleName: string;
    PolicyDocument?: string;
    Description?: string;
  }
  interface GetRoleResponse {
    RoleInfo?: RoleInfo;
    RequestId?: string;
  }
}

export declare namespace Organization {
  interface DescribeOrganizationMembersRequest {
    Offset: number;
    Limit: number;
    Lang?: string;
    SearchKey?: string;
    AuthName?: string;
    Product?: string;
  }
  interface OrgMember {
    MemberUin: number;
    Name: string;
    MemberType: string;
    NodeId: number;
    NodeName: string;
  }
  interface DescribeOrganizationMembersResponse {
    Items?: OrgMember[];
    Total?: number;
    RequestId?: string;
  }
}

/**
 * The Tag API is not published as a per-product package either; TagResources as tccli's
 * `tccli/services/tag/v20180813/api.json` gives it: ResourceList (six-segment names,
 * `qcs::cvm:<region>:uin/<uin>:instance/<id>`, at most 10) and Tags (TagKey, TagValue; at most 10;
 * an existing key's value is replaced); the reply lists FailedResources {Resource, Code, Message},
 * empty when every resource was tagged.
 */
export declare namespace Tag {
  interface Tag {
    TagKey: string;
    TagValue: string;
  }
  interface TagResourcesRequest {
    ResourceList: string[];
    Tags: Tag[];
  }
  interface FailedResource {
    Resource: string;
    Code: string;
    Message: string;
  }
  interface TagResourcesResponse {
    FailedResources?: FailedResource[];
    RequestId?: string;
  }
  /** UnTagResources (same api.json): ResourceList as above, TagKeys (at most 10); FailedResources as TagResources'. */
  interface UnTagResourcesRequest {
    ResourceList: string[];
    TagKeys: string[];
  }
  interface UnTagResourcesResponse {
    FailedResources?: FailedResource[];
    RequestId?: string;
  }
}
