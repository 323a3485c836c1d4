/**
 * The official SDK's generated models, as our contract with the real API (issue 15). Type-only:
 * esbuild erases these imports, so no SDK code reaches a bundle, while `tsc` checks every request
 * we build against the model and every response field we read (see `conforms.ts`).
 * Sources: tencentcloud-sdk-nodejs-{cvm,monitor,ssm,scf,sts}, `tencentcloud/services/<svc>/<version>/<svc>_models.d.ts`.
 */
export type * as Cvm from "tencentcloud-sdk-nodejs-cvm/tencentcloud/services/cvm/v20170312/cvm_models.js";
export type * as Monitor from "tencentcloud-sdk-nodejs-monitor/tencentcloud/services/monitor/v20180724/monitor_models.js";
export type * as Ssm from "tencentcloud-sdk-nodejs-ssm/tencentcloud/services/ssm/v20190923/ssm_models.js";
export type * as Scf from "tencentcloud-sdk-nodejs-scf/tencentcloud/services/scf/v20180416/scf_models.js";
export type * as Sts from "tencentcloud-sdk-nodejs-sts/tencentcloud/services/sts/v20180813/sts_models.js";
