/** prepaid-advice settings, from env. */
import * as z from "zod/mini";
import { baseShape, ownVariables, parseEnv, toBaseConfig, type BaseConfig, type Env } from "../../lib/config/config.ts";
import { num } from "../../lib/config/fields.ts";

const schema = z.object({
  ...baseShape,
  // Advise prepaid only where it saves at least this much a month (CNY).
  PREPAID_ADVICE_MIN_SAVING: num(0, { min: 0 }),
});

export interface PrepaidAdviceConfig extends BaseConfig {
  minSaving: number;
}

/** The variables this function reads beyond the shared ones. */
export const VARIABLES = ownVariables(schema);

export function loadConfig(env: Env = process.env): PrepaidAdviceConfig {
  const e = parseEnv(schema, env);
  return {
    ...toBaseConfig(e),
    minSaving: e.PREPAID_ADVICE_MIN_SAVING,
  };
}
