/**
 * The functions' execution role, checked before a deploy writes anything: SCF gives a
 * function credentials only through its role, so a missing role, or one SCF may not assume, stops
 * the deploy with exactly what to create.
 */
import type { TencentCloudClient } from "../tencent/client.ts";
import { api } from "../tencent/services.ts";

/** The trust policy the functions' role needs: SCF may assume it (CAM's role policy syntax). */
export const SCF_TRUST_POLICY = {
  version: "2.0",
  statement: [{ action: "name/sts:AssumeRole", effect: "allow", principal: { service: ["scf.qcloud.com"] } }],
};

/** The role a function runs as: SCF_ROLE's name with the function's, so each role carries that function's policy alone. */
export const roleFor = (prefix: string, fn: string) => `${prefix}-${fn}`;

export class DeployError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeployError";
  }
}

/**
 * Before any write: the role a function runs as exists and SCF may assume it (CAM GetRole).
 * Without it SCF injects no credentials and every run ends "credentials required", so the deploy
 * stops and says exactly what to create, with that function's own policy from dist/cam-policy.json.
 */
export async function checkRole(client: TencentCloudClient, role: string, region: string, fn: string): Promise<void> {
  const create = [
    `Create it once, then deploy again:`,
    `  tccli cam CreateRole --RoleName ${role} --PolicyDocument '${JSON.stringify(SCF_TRUST_POLICY)}' --Description "cvm-autopilot ${fn}"`,
    `  tccli cam CreatePolicy --PolicyName ${role}-policy --PolicyDocument "$(node -p 'JSON.stringify(require("./dist/cam-policy.json")["${fn}"])')"`,
    `  tccli cam AttachRolePolicy --AttachRoleName ${role} --PolicyName ${role}-policy`,
    `(dist/cam-policy.json is written by \`npm run build\`: one policy per function, exactly the actions it calls.)`,
  ].join("\n");
  let info: { RoleName: string; PolicyDocument?: string };
  try {
    info = (await api(client).getRole(region, { RoleName: role })).RoleInfo;
  } catch (err) {
    const e = err as { code?: string; requestId?: string };
    if (e.code === "InvalidParameter.RoleNotExist" || e.code === "ResourceNotFound.NotFound") {
      throw new DeployError(
        `SCF_ROLE: the CAM role ${role} does not exist [RequestId ${e.requestId ?? "?"}]. ${create}`,
      );
    }
    throw err;
  }
  if (!(info.PolicyDocument ?? "").includes("scf.qcloud.com")) {
    throw new DeployError(
      `SCF_ROLE: the CAM role ${role} does not let SCF assume it (its trust policy names no scf.qcloud.com), so the functions would get no credentials. Set its trust policy to ${JSON.stringify(SCF_TRUST_POLICY)}`,
    );
  }
}
