/** key-rotation settings, declared once (lib/config/settings.ts) and read from env. */
import { readConfig, toBaseConfig, type BaseConfig, type Env } from "../../lib/config/config.ts";
import { bool, int, pattern } from "../../lib/config/fields.ts";
import { tag } from "../../lib/config/parsers.ts";
import { declareSettings, type SettingValues } from "../../lib/config/settings.ts";

export const SETTINGS = declareSettings({
  scopeTag: { env: "KEY_ROTATION_TAG", parse: tag("autopilot:rotate-keys=true"), meaning: "instances in scope" },
  maxAgeDays: { env: "KEY_ROTATION_MAX_AGE_DAYS", parse: int(90, 1, 3650), meaning: "rotate keys older than this" },
  allowForceStop: {
    env: "KEY_ROTATION_ALLOW_FORCE_STOP",
    parse: bool(false),
    meaning: "`true` rotates running instances too (ForceStop); otherwise they are skipped and reported",
  },
  // Key names: letters, digits, underscores, at most 25 (seed CreateKeyPair); the prefix leaves
  // room for `_YYYYMMDDHHMM`.
  keyPrefix: {
    env: "KEY_ROTATION_KEY_PREFIX",
    parse: pattern(
      /^[A-Za-z][A-Za-z0-9_]{0,11}$/,
      "1-12 letters, digits or underscores, starting with a letter",
      "autopilot",
    ),
    meaning: "names of the keys the tool creates: `<prefix>_YYYYMMDDHHMM`",
  },
  keyBits: { env: "KEY_ROTATION_KEY_BITS", parse: int(3072, 3072, 8192), meaning: "RSA key size, at least 3072" },
  maxInstances: {
    env: "KEY_ROTATION_MAX_INSTANCES",
    parse: int(100, 1, 100000),
    meaning: "blast-radius limit per region and run",
  },
  // SSM DeleteSecret's recovery window (0-30 days): a retired private key stays restorable for at
  // least a week, so no mistake of ours can lose one outright.
  secretRecoveryDays: {
    env: "KEY_ROTATION_SECRET_RECOVERY_DAYS",
    parse: int(7, 7, 30),
    meaning:
      "SSM recovery window for retired private keys, 7–30 days: the secret is disabled first (SSM schedules the deletion of a disabled secret only), and a scheduled deletion can be undone (`RestoreSecret`) until then; the role needs `ssm:DisableSecret` (in `dist/cam-policy.json`)",
  },
});

export type KeyRotationConfig = BaseConfig & SettingValues<typeof SETTINGS>;

export function loadConfig(env: Env = process.env): KeyRotationConfig {
  const { shared, own } = readConfig(env, SETTINGS);
  return { ...toBaseConfig(shared), ...own };
}
