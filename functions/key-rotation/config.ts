/** key-rotation settings, from env. */
import * as z from "zod/mini";
import {
  baseShape,
  ownVariables,
  parseEnv,
  legacyBaseConfig,
  type BaseConfig,
  type Env,
} from "../../lib/config/config.ts";
import { bool, int, pattern } from "../../lib/config/fields.ts";
import { tag, type TagMatch } from "../../lib/config/parsers.ts";

const schema = z.object({
  ...baseShape,
  KEY_ROTATION_TAG: tag("autopilot:rotate-keys=true"),
  KEY_ROTATION_MAX_AGE_DAYS: int(90, 1, 3650),
  KEY_ROTATION_ALLOW_FORCE_STOP: bool(false),
  // Key names: letters, digits, underscores, at most 25 (seed CreateKeyPair); the prefix leaves
  // room for `_YYYYMMDDHHMM`.
  KEY_ROTATION_KEY_PREFIX: pattern(
    /^[A-Za-z][A-Za-z0-9_]{0,11}$/,
    "1-12 letters, digits or underscores, starting with a letter",
    "autopilot",
  ),
  KEY_ROTATION_KEY_BITS: int(3072, 3072, 8192),
  KEY_ROTATION_MAX_INSTANCES: int(100, 1, 100000),
  // SSM DeleteSecret's recovery window (0-30 days): a retired private key stays restorable for at
  // least a week, so no mistake of ours can lose one outright.
  KEY_ROTATION_SECRET_RECOVERY_DAYS: int(7, 7, 30),
});

export interface KeyRotationConfig extends BaseConfig {
  scopeTag: TagMatch;
  maxAgeDays: number;
  allowForceStop: boolean;
  keyPrefix: string;
  keyBits: number;
  maxInstances: number;
  secretRecoveryDays: number;
}

/** The variables this function reads beyond the shared ones. */
export const VARIABLES = ownVariables(schema);

export function loadConfig(env: Env = process.env): KeyRotationConfig {
  const e = parseEnv(schema, env);
  return {
    ...legacyBaseConfig(e),
    scopeTag: e.KEY_ROTATION_TAG,
    maxAgeDays: e.KEY_ROTATION_MAX_AGE_DAYS,
    allowForceStop: e.KEY_ROTATION_ALLOW_FORCE_STOP,
    keyPrefix: e.KEY_ROTATION_KEY_PREFIX!,
    keyBits: e.KEY_ROTATION_KEY_BITS,
    maxInstances: e.KEY_ROTATION_MAX_INSTANCES,
    secretRecoveryDays: e.KEY_ROTATION_SECRET_RECOVERY_DAYS,
  };
}
