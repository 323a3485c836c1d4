/**
 * What key rotation's plan is made of: the policy it follows, the region as read, the key to bind,
 * and the plan itself, with the closed list of kinds its decisions carry. plan.ts builds it,
 * apply.ts carries it out.
 */
import type { TagMatch } from "../../lib/config/parsers.ts";
import type { Instance, KeyPair } from "../../lib/tencent/data-types.ts";

export type RegionalInstance = Instance & { Region: string };

export interface RotationPolicy {
  scopeTag: TagMatch;
  maxAgeDays: number;
  allowForceStop: boolean;
  keyPrefix: string;
  maxInstances: number;
}

/** What a rotation run does or leaves, per instance, key and secret: the closed list reports read. */
export const KINDS = {
  due: "key due for rotation",
  leftover: "older key of ours still bound",
  "opted-out": "opted out",
  young: "key younger than KEY_ROTATION_MAX_AGE_DAYS",
  running: "running; KEY_ROTATION_ALLOW_FORCE_STOP is false",
  "busy-state": "in a transitional state",
  "over-limit": "over KEY_ROTATION_MAX_INSTANCES",
  "no-key": "no key pair bound",
  "new-key": "new key generation",
  "resume-key": "stored key to import",
  "orphan-key": "key pair without a stored private key",
  "superseded-secret": "stored key superseded before import",
  "retired-key": "older key, no longer bound",
} as const;
export type RotationKind = keyof typeof KINDS;

export type Target =
  | { kind: "existing"; keyId: string; keyName: string }
  | { kind: "import"; keyName: string; secretName: string; resumed: boolean }
  | { kind: "new"; keyName: string; secretName: string };

export interface RegionPlan {
  region: string;
  target: Target | undefined;
  /** Bind the target to these: STOPPED ones, and RUNNING ones only when force stop is allowed. */
  bindStopped: string[];
  bindRunning: string[];
  skipped: Array<{ instanceId: string; kind: RotationKind; reason: string }>;
  /** Instances that carry an older key of ours beside the newest (an overlapping run's leftover). */
  leftovers: Set<string>;
  /** Our key pairs with no private half in SSM and bound nowhere: delete. */
  orphanKeys: Array<{ keyId: string; keyName: string }>;
  /** Secrets of ours whose key pair was never imported and never will be: delete. */
  orphanSecrets: string[];
  /** Problems no run can fix by itself: reported as errors, loudly. */
  problems: Array<{ id: string; code: string; message: string }>;
  /** Keys bound to each instance to bind, as read: the only foreign keys a run may unbind. */
  boundBefore: Map<string, string[]>;
  /** Retire old keys and clean up orphans: only in a run that saw the whole region. */
  cleanUp: boolean;
}

export interface RegionView {
  region: string;
  instances: RegionalInstance[];
  keyPairs: KeyPair[];
  /** Names of our secrets in this region. */
  secrets: Set<string>;
  /** The trigger narrowed the run to some instances: nothing region-wide may be touched. */
  narrowed: boolean;
}
