/** Reads what key rotation decides from: the tagged instances, the key pairs, our secrets. */
import { listAll } from "../../lib/tencent/services.ts";
import { settleAll } from "../../lib/settle.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { RegionView } from "./plan.ts";
import type { KeyRotationConfig } from "./config.ts";

export async function readView(
  client: TencentCloudClient,
  region: string,
  config: KeyRotationConfig,
  only: Set<string> | undefined,
): Promise<RegionView> {
  const [instances, keyPairs, secrets] = await settleAll([
    listAll(client, "DescribeInstances", region, { Filters: [{ Name: "tag-key", Values: [config.scopeTag.key] }] }),
    listAll(client, "DescribeKeyPairs", region, {}),
    // State 1: enabled secrets only; ones pending deletion are history, not progress.
    listAll(client, "ListSecrets", region, {
      State: 1,
      SearchSecretName: `cvm-autopilot-${region}-${config.keyPrefix}_`,
    }),
  ]);
  return {
    region,
    instances: instances.map((i) => ({ ...i, Region: region })).filter((i) => !only || only.has(i.InstanceId)),
    keyPairs,
    secrets: new Set(secrets.map((s) => s.SecretName)),
    narrowed: only !== undefined,
  };
}
