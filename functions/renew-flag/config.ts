/** renew-flag settings, declared once (lib/config/settings.ts) and read from env. */
import { readConfig, toBaseConfig, type BaseConfig, type Env } from "../../lib/config/config.ts";
import { csv, field, int } from "../../lib/config/fields.ts";
import { parseTag, type TagMatch } from "../../lib/config/parsers.ts";
import { declareSettings, type SettingValues } from "../../lib/config/settings.ts";
import { RENEW_FLAGS, type RenewFlag } from "../../lib/tencent/data-types.ts";

export interface RenewRule {
  tag: TagMatch;
  flag: RenewFlag;
}

const FLAG_HELP = `one of ${RENEW_FLAGS.join(", ")}`;
const isFlag = (v: string): v is RenewFlag => (RENEW_FLAGS as readonly string[]).includes(v);

/** `key=value:FLAG,...`; the first matching rule wins, so order is priority. */
const rules = () =>
  field((v, fail) => {
    const out: RenewRule[] = [];
    for (const item of csv(v)) {
      const colon = item.lastIndexOf(":");
      const tag = colon > 0 ? parseTag(item.slice(0, colon)) : undefined;
      const flag = item.slice(colon + 1).trim();
      if (!tag) fail(`"${item}" is not key=value:FLAG (e.g. env=prod:NOTIFY_AND_AUTO_RENEW)`);
      else if (!isFlag(flag)) fail(`"${flag}" in "${item}" is not a renew flag: expected ${FLAG_HELP}`);
      else out.push({ tag, flag });
    }
    return out;
  });

export const SETTINGS = declareSettings({
  rules: {
    env: "RENEW_RULES",
    parse: rules(),
    meaning: "`key=value:FLAG,…`; **the first matching rule wins** (order is priority)",
  },
  defaultFlag: {
    env: "RENEW_DEFAULT_FLAG",
    parse: field((v, fail) => {
      if (v !== undefined && !isFlag(v)) fail(`expected ${FLAG_HELP}, got "${v}"`);
      return v as RenewFlag | undefined;
    }),
    meaning: "flag for prepaid instances no rule matches; unset: leave them alone",
  },
  warnDays: {
    env: "RENEW_WARN_DAYS",
    parse: int(7, 1, 3650),
    meaning: "warn about instances expiring within this many days that will not auto-renew",
  },
});

export type RenewPolicy = SettingValues<typeof SETTINGS>;

export type RenewConfig = BaseConfig & { policy: RenewPolicy };

export function loadConfig(env: Env = process.env): RenewConfig {
  const { shared, own } = readConfig(env, SETTINGS);
  return { ...toBaseConfig(shared), policy: own };
}
