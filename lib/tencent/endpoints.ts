/**
 * Where a service is reached. Seed 004 "Request Structure": `<service>.tencentcloudapi.com`
 * routes to the nearest region; finance regions (`*-fsi`) must use their own domain
 * (`cvm.ap-shanghai-fsi.tencentcloudapi.com`, per every action's "Finance regions" note).
 */

export interface Endpoint {
  /** Base URL the request goes to, e.g. `https://cvm.tencentcloudapi.com`. */
  url: string;
  /** Hostname that is signed (TC3 signs `host` without a port, as the official SDK does). */
  signedHost: string;
}

export function isFinanceRegion(region: string | undefined): boolean {
  return !!region && region.endsWith("-fsi");
}

/**
 * Services with one global host: their finance-region callers still reach `<service>.tencentcloudapi.com`
 * (the CAM, STS, Organization, Tag and Region API docs name that domain alone; none lists a finance-region one).
 */
export const GLOBAL_SERVICES: ReadonlySet<string> = new Set(["cam", "sts", "organization", "tag", "region"]);

/** Endpoint for a service in a region; `override` (CVM_AUTOPILOT_ENDPOINT) sends every service to one base URL. */
export function resolveEndpoint(
  service: string,
  region: string | undefined,
  override?: string,
  site: "china" | "intl" = "china",
): Endpoint {
  if (override) {
    const u = new URL(override);
    // userinfo (`https://user:pw@host`) is no part of an API 3.0 address: it would ride along in
    // every request and break the legacy string to sign, so it is dropped (and redacted in logs).
    u.username = "";
    u.password = "";
    return { url: u.toString().replace(/\/+$/, ""), signedHost: u.hostname };
  }
  // The international site's hosts are `<service>.intl.tencentcloudapi.com` (its API docs name that
  // domain, e.g. tag.intl.tencentcloudapi.com); finance regions are China's and keep their own.
  const host =
    isFinanceRegion(region) && !GLOBAL_SERVICES.has(service)
      ? `${service}.${region}.tencentcloudapi.com`
      : site === "intl"
        ? `${service}.intl.tencentcloudapi.com`
        : `${service}.tencentcloudapi.com`;
  return { url: `https://${host}`, signedHost: host };
}
