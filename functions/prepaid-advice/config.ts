/** prepaid-advice settings, declared once (lib/config/settings.ts) and read from env. */
import { readConfig, toBaseConfig, type BaseConfig, type Env } from "../../lib/config/config.ts";
import { num } from "../../lib/config/fields.ts";
import { declareSettings, type SettingValues } from "../../lib/config/settings.ts";

export const SETTINGS = declareSettings({
  // Advise prepaid only where it saves at least this much a month (CNY).
  minSaving: {
    env: "PREPAID_ADVICE_MIN_SAVING",
    parse: num(0, { min: 0 }),
    meaning:
      "advise a prepaid month only where it saves at least this much a month (CNY); the hours stopped without charge come from history (HISTORY, HISTORY_BUCKET)",
  },
});

export type PrepaidAdviceConfig = BaseConfig & SettingValues<typeof SETTINGS>;

export function loadConfig(env: Env = process.env): PrepaidAdviceConfig {
  const { shared, own } = readConfig(env, SETTINGS);
  return { ...toBaseConfig(shared), ...own };
}
