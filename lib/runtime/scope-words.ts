/** Words the functions' scope lines and `touches` share, so the same thing is named the same way everywhere. */
import type { TagMatch } from "../config/parsers.ts";
import type { ActionName } from "../tencent/actions.ts";

/** Starting and stopping machines: what auto-stop, office-hours and a forced key binding all change. */
export const INSTANCE_POWER = "instance power";

/**
 * What each write changes, in words shared across functions: a function's `touches` follow from
 * its declared calls (FunctionSpec.calls), so two functions that would race on the same machines
 * are found without naming either. AssociateInstancesKeyPairs stops a running machine when asked
 * to (ForceStop, KEY_ROTATION_ALLOW_FORCE_STOP). Tags are left out: each function writes its own.
 */
const CHANGES: Partial<Record<ActionName, string>> = {
  StartInstances: INSTANCE_POWER,
  StopInstances: INSTANCE_POWER,
  AssociateInstancesKeyPairs: INSTANCE_POWER,
  ModifyInstancesRenewFlag: "renewal flags",
  SyncImages: "custom images",
  DeleteImages: "custom images",
  ImportKeyPair: "key pairs",
  DeleteKeyPairs: "key pairs",
};

/** What a function's writes change, from the actions it calls. */
export const touchesOf = (calls: readonly ActionName[]): string[] => [
  ...new Set(calls.flatMap((a) => (CHANGES[a] ? [CHANGES[a]] : []))),
];

/** A tag as people write it: `key=value`. */
export const tagText = (t: TagMatch) => `${t.key}=${t.value}`;
