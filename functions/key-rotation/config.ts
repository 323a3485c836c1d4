/** key-rotation settings, from env (issue 8). */
import { z } from "zod";
import { baseSchema, boolFlag, parseEnv, positiveInt, toBaseConfig, type BaseConfig, type Env } from "../../lib/config/config.ts";
import { tagSchema, type TagMatch } from "../../lib/config/parsers.ts";

const schema = baseSchema.extend({
  KEY_ROTATION_TAG: tagSchema("autopilot:rotate-keys=true"),
  KEY_ROTATION_MAX_AGE_DAYS: positiveInt(90),
  KEY_ROTATION_ALLOW_FORCE_STOP: boolFlag(false),
  // Key names: letters, digits, underscores, at most 25 (seed CreateKeyPair); the prefix leaves
  // room for `_YYYYMMDDHHMM`.
  KEY_ROTATION_KEY_PREFIX: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,11}$/, "expected 1-12 letters, digits or underscores, starting with a letter").optional().transform((v) => v ?? "autopilot"),
  KEY_ROTATION_KEY_BITS: z.coerce.number().int().min(3072, "RSA keys must be at least 3072 bits").max(8192).optional().transform((v) => v ?? 3072),
  KEY_ROTATION_MAX_INSTANCES: positiveInt(100),
});

export interface KeyRotationConfig extends BaseConfig {
  scopeTag: TagMatch;
  maxAgeDays: number;
  allowForceStop: boolean;
  keyPrefix: string;
  keyBits: number;
  maxInstances: number;
}

export function loadConfig(env: Env = process.env): KeyRotationConfig {
  const e = parseEnv(schema, env);
  return {
    ...toBaseConfig(e),
    scopeTag: e.KEY_ROTATION_TAG,
    maxAgeDays: e.KEY_ROTATION_MAX_AGE_DAYS,
    allowForceStop: e.KEY_ROTATION_ALLOW_FORCE_STOP,
    keyPrefix: e.KEY_ROTATION_KEY_PREFIX,
    keyBits: e.KEY_ROTATION_KEY_BITS,
    maxInstances: e.KEY_ROTATION_MAX_INSTANCES,
  };
}
