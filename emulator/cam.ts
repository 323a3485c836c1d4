/**
 * CAM as the emulator enforces it: a key that carries a policy (a sub-user's, or an assumed
 * role's) may call only the actions that policy allows; any other call is refused with
 * AuthFailure.UnauthorizedOperation (the 2018 CVM API 3.0 reference's common error codes:
 * "Request failed to be authorized via CAM"), before the action's parameters are read, as the
 * real gateway refuses. A key with no policy (an account's root key) may call anything.
 *
 * What is modelled (CAM's policy syntax, "Element Reference"): `version` 2.0, statements with
 * `effect` allow or deny, `action` as `<service>:<Action>` with `*` wildcards (`*`,
 * `cvm:Describe*`), a deny overriding any allow. Resources and conditions are not evaluated: the
 * policies the product writes name `*` for Tencent Cloud APIs, and a witness that half-modelled
 * resource ARNs would vouch for less than it seems to.
 */

export interface CamStatement {
  effect: "allow" | "deny";
  action: string | string[];
  resource?: string | string[];
}

export interface CamPolicy {
  version?: string;
  statement: CamStatement[];
}

const escapeRegExp = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");

/** Whether one action pattern (`cvm:Describe*`, `*`) names `service:action`; CAM matches service names case-insensitively. */
function matches(pattern: string, service: string, action: string): boolean {
  if (pattern === "*") return true;
  const [svc, act] = pattern.split(":", 2);
  if (act === undefined || svc!.toLowerCase() !== service.toLowerCase()) return false;
  return new RegExp(`^${escapeRegExp(act).replace(/\*/g, ".*")}$`).test(action);
}

const list = (a: string | string[]) => (Array.isArray(a) ? a : [a]);

/** Whether a policy lets its holder call `service:action`: some allow names it and no deny does. */
export function camAllows(policy: CamPolicy, service: string, action: string): boolean {
  let allowed = false;
  for (const s of policy.statement) {
    if (!list(s.action).some((p) => matches(p, service, action))) continue;
    if (s.effect === "deny") return false;
    allowed = true;
  }
  return allowed;
}

/** The refusal's message, shaped like CAM's own (which names the operation and the resource). */
export const unauthorizedMessage = (service: string, action: string) =>
  `you are not authorized to perform operation (${service}:${action}); resource (*) has no permission`;
