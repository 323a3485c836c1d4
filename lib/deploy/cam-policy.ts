/**
 * Each function's own CAM policy, derived from its declaration: the actions it says it calls
 * (FunctionSpec.calls) and the ones the runtime calls for every function — as Cloud Custodian
 * derives a policy's IAM permissions from the actions it uses, never written twice. A read-only
 * function's role cannot stop a machine, and a function may invoke only itself.
 */
import { ACTIONS, type ActionName } from "../tencent/actions.ts";
import { functionNameFor } from "./scf-deploy.ts";

/**
 * What the runtime calls for any function: the region list (Region API, else CVM's), the caller's
 * account (messages, tags' resource names), member roles and the organization (ACCOUNTS), and the
 * function's own secret in SSM at cold start (lib/deploy/scf-secret.ts).
 */
export const RUNTIME_CALLS = [
  "DescribeRegions",
  "GetCallerIdentity",
  "AssumeRole",
  "DescribeOrganizationMembers",
  "GetSecretValue",
] as const satisfies readonly ActionName[];

export interface PolicyDocument {
  version: "2.0";
  statement: Array<{ effect: "allow"; action: string[]; resource: string[] }>;
}

/**
 * With HISTORY_BUCKET (COS), the run records: new objects under runs/, read back, and the bucket
 * listed (COS's CAM names: PutObject, GetObject, GetBucket; resource
 * qcs::cos:<region>:uid/<appid>:<bucket>/<key>).
 */
function historyStatement(env: Record<string, string | undefined>): PolicyDocument["statement"] {
  const bucket = env.HISTORY_BUCKET?.trim().replace(/^cos:\/\//, "");
  if (!bucket || bucket.startsWith("s3://")) return [];
  return [
    {
      effect: "allow",
      action: ["cos:PutObject", "cos:GetObject", "cos:GetBucket"],
      resource: [`qcs::cos:*:uid/*:${bucket}/*`],
    },
  ];
}

/** The least-privilege policy of one function's role. */
export function camPolicyFor(
  fn: { name: string; calls: readonly ActionName[] },
  env: Record<string, string | undefined> = {},
): PolicyDocument {
  const names = [...new Set<ActionName>([...RUNTIME_CALLS, ...fn.calls])];
  // scf and cam actions, and the alarm-policy writes (deployerOnly), are the deployer's: a run that names one is a mistake.
  const deployers = names.filter((a) => {
    const spec = ACTIONS[a] as { service: string; deployerOnly?: boolean };
    return spec.service === "scf" || spec.service === "cam" || spec.deployerOnly === true;
  });
  if (deployers.length) throw new Error(`${fn.name}: calls lists the deployer's actions ${deployers.join(", ")}`);
  const actions = names.map((a) => `${ACTIONS[a].service}:${a}`);
  // region:DescribeRegions is called directly (its name is CVM's too), so it is named here.
  actions.push("region:DescribeRegions");
  return {
    version: "2.0",
    statement: [
      { effect: "allow", action: actions.sort(), resource: ["*"] },
      // Fan-out: a coordinator invokes its own function, asynchronously, once per shard, and no other
      // (CAM names the Invoke API scf:InvokeFunction; resources are qcs::scf:<region>:uin/<uin>:namespace/<ns>/function/<name>).
      {
        effect: "allow",
        action: ["scf:InvokeFunction"],
        resource: [`qcs::scf:*:uin/*:namespace/*/function/${functionNameFor(fn.name)}`],
      },
      ...historyStatement(env),
    ],
  };
}

/** One policy document per function, by name: `dist/cam-policy.json`. */
export function camPolicies(
  functions: ReadonlyArray<{ name: string; calls: readonly ActionName[] }>,
  env: Record<string, string | undefined> = {},
) {
  return Object.fromEntries(functions.map((f) => [f.name, camPolicyFor(f, env)]));
}
