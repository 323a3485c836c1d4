/**
 * The emulator's route table: every API action by service, and how a request finds its handler.
 * An unknown action, a wrong version, a missing or unsupported Region are refused with the codes
 * the API 3.0 common errors list.
 */
import { VERSIONS } from "./limits.ts";
import { ApiFault } from "./api-fault.ts";
import type { AuthenticatedRequest } from "./auth.ts";
import { imageHandlers } from "./handlers/images.ts";
import { instanceHandlers } from "./handlers/instances.ts";
import { keyHandlers } from "./handlers/keys.ts";
import { monitorHandlers } from "./handlers/monitor.ts";
import { alarmHandlers } from "./handlers/alarms.ts";
import { priceHandlers } from "./handlers/prices.ts";
import { chargeAndTypeHandlers } from "./handlers/charge-and-type.ts";
import { regionApiHandlers, regionHandlers } from "./handlers/regions.ts";
import { ssmHandlers } from "./handlers/ssm.ts";
import { scfHandlers } from "./handlers/scf.ts";
import { tagHandlers } from "./handlers/tags.ts";
import type { Handler } from "./handlers/context.ts";
import { camHandlers, organizationHandlers, stsHandlers } from "./handlers/identity.ts";
import type { AccountRegistry } from "./accounts.ts";

export type Services = Record<string, Record<string, Handler>>;

export const services = (accounts: AccountRegistry): Services => ({
  cvm: {
    ...regionHandlers,
    ...instanceHandlers,
    ...imageHandlers,
    ...keyHandlers,
    ...priceHandlers,
    ...chargeAndTypeHandlers,
  },
  monitor: { ...monitorHandlers, ...alarmHandlers },
  ssm: ssmHandlers,
  scf: scfHandlers,
  sts: stsHandlers(accounts),
  organization: organizationHandlers(accounts),
  cam: camHandlers(accounts),
  tag: tagHandlers,
  region: regionApiHandlers,
});
// Organization and Tag are global services: their APIs take no Region.
const REGIONLESS = new Set(["DescribeRegions", "DescribeOrganizationMembers", "TagResources", "UnTagResources"]);

/** The service and handler a request names, or the API's refusal (thrown as an ApiFault). */
export function route(
  table: Services,
  authed: Pick<AuthenticatedRequest, "scopeService" | "action" | "version" | "region">,
  regions: readonly string[],
  /** The call's record: its service is noted even when the action is refused. */
  record: { service: string | undefined },
): { service: string; handler: Handler } {
  const known = authed.scopeService && table[authed.scopeService] ? authed.scopeService : undefined;
  // Without a TC3 scope (legacy signatures) an action two services share (DescribeRegions:
  // cvm and region) is routed by the version the request names.
  const having = Object.keys(table).filter((s) => table[s]![authed.action]);
  const service = known ?? having.find((s) => VERSIONS[s] === authed.version) ?? having[0];
  const handler = service ? table[service]![authed.action] : undefined;
  record.service = service;
  if (!service || !handler)
    throw new ApiFault(
      "InvalidAction",
      `The action \`${authed.action}\` does not exist${known ? ` in ${known}` : ""}.`,
    );
  const version = VERSIONS[service];
  if (authed.version !== version)
    throw new ApiFault(
      "NoSuchVersion",
      `The API version \`${authed.version}\` does not exist for ${service}; use ${version}.`,
    );
  if (!authed.region && !REGIONLESS.has(authed.action))
    throw new ApiFault("MissingParameter", "The request is missing a required parameter `Region`.");
  if (authed.region && !regions.includes(authed.region))
    throw new ApiFault("UnsupportedRegion", `The region \`${authed.region}\` is not supported.`);
  return { service, handler };
}
