/** renew-flag settings, from env. */
import * as z from "zod/mini";
import {
  baseShape,
  ownVariables,
  parseEnv,
  legacyBaseConfig,
  type BaseConfig,
  type Env,
} from "../../lib/config/config.ts";
import { csv, field, int } from "../../lib/config/fields.ts";
import { parseTag, type TagMatch } from "../../lib/config/parsers.ts";
import { RENEW_FLAGS, type RenewFlag } from "../../lib/tencent/data-types.ts";

export interface RenewRule {
  tag: TagMatch;
  flag: RenewFlag;
}

const FLAG_HELP = `one of ${RENEW_FLAGS.join(", ")}`;
const isFlag = (v: string): v is RenewFlag => (RENEW_FLAGS as readonly string[]).includes(v);

const schema = z.object({
  ...baseShape,
  // `key=value:FLAG,...`; the first matching rule wins, so order is priority.
  RENEW_RULES: field((v, fail) => {
    const rules: RenewRule[] = [];
    for (const item of csv(v)) {
      const colon = item.lastIndexOf(":");
      const tag = colon > 0 ? parseTag(item.slice(0, colon)) : undefined;
      const flag = item.slice(colon + 1).trim();
      if (!tag) fail(`"${item}" is not key=value:FLAG (e.g. env=prod:NOTIFY_AND_AUTO_RENEW)`);
      else if (!isFlag(flag)) fail(`"${flag}" in "${item}" is not a renew flag: expected ${FLAG_HELP}`);
      else rules.push({ tag, flag });
    }
    return rules;
  }),
  RENEW_DEFAULT_FLAG: field((v, fail) => {
    if (v !== undefined && !isFlag(v)) fail(`expected ${FLAG_HELP}, got "${v}"`);
    return v as RenewFlag | undefined;
  }),
  RENEW_WARN_DAYS: int(7, 1, 3650),
});

export interface RenewPolicy {
  rules: RenewRule[];
  defaultFlag: RenewFlag | undefined;
  warnDays: number;
}

export interface RenewConfig extends BaseConfig {
  policy: RenewPolicy;
}

/** The variables this function reads beyond the shared ones. */
export const VARIABLES = ownVariables(schema);

export function loadConfig(env: Env = process.env): RenewConfig {
  const e = parseEnv(schema, env);
  return {
    ...legacyBaseConfig(e),
    policy: { rules: e.RENEW_RULES, defaultFlag: e.RENEW_DEFAULT_FLAG, warnDays: e.RENEW_WARN_DAYS },
  };
}
