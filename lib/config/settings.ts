/**
 * A setting is declared once, here or in its function's config.ts, and everything else comes from
 * that declaration: the typed settings object (its type inferred), the parse of the environment
 * with every problem named by variable, docs/configuration.md (`npm run docs`), `run <fn> --help`,
 * `validate`, the deploy environments and the unknown-variable warnings.
 *
 * One entry per environment variable, keyed by the property the parsed settings carry:
 *
 *   export const SETTINGS = declareSettings({
 *     lookbackMinutes: {
 *       env: "AUTO_STOP_LOOKBACK_MINUTES", // the variable
 *       parse: int(60, 5, 1440),           // its parser (fields.ts, parsers.ts): the default and the checks
 *       meaning: "look-back window",        // for people: the reference's "meaning" column
 *     },
 *   });
 *   const s = readSettings(env, SETTINGS); // s.lookbackMinutes: number
 *
 * A function's loadConfig reads its group with the shared one, `readConfig(env, SETTINGS)`
 * (config.ts), and its config type is `BaseConfig & SettingValues<typeof SETTINGS>` or what its
 * loadConfig makes of them: never an interface that repeats the declarations.
 *
 * `default` (words, markdown) is given only when the parser's own default does not say it: a
 * number, word or tag default is shown as it is (`60`), an unset or empty one as "—".
 */
import * as z from "zod/mini";
import { ConfigError, type Env } from "./config-error.ts";

/** One environment variable: its name, its parser, and what it means to people. */
export interface Setting<T = unknown> {
  /** The variable's name. */
  env: string;
  /** Parses the raw value (blank counts as unset); holds the default and names the fix when it fails. */
  parse: z.ZodMiniType<T, string | undefined>;
  /** What it does, for the reference (markdown, one line). */
  meaning: string;
  /** The default in words, when the parser's default does not say it (e.g. "first of `REGIONS`"). */
  default?: string;
}

/** Settings by the property their parsed value fills. */
export type Settings = Record<string, Setting>;

/** The parsed values of a group of settings, typed from their parsers. */
export type SettingValues<S extends Settings> = { [K in keyof S]: z.output<S[K]["parse"]> };

/** Declares a group of settings (an identity that keeps each parser's type). */
export const declareSettings = <const S extends Settings>(s: S): S => s;

/** The variables a group declares, in declaration order. */
export const variablesOf = (s: Settings): string[] => Object.values(s).map((d) => d.env);

/** Parses env with a schema; throws ConfigError listing every issue by variable name. */
export function parseEnv<S extends z.ZodMiniType>(schema: S, env: Env): z.output<S> {
  const res = schema.safeParse(env);
  if (res.success) return res.data;
  throw new ConfigError(res.error.issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`));
}

export function readSettings<A extends Settings>(env: Env, a: A): SettingValues<A>;
export function readSettings<A extends Settings, B extends Settings>(
  env: Env,
  a: A,
  b: B,
): SettingValues<A> & SettingValues<B>;
/**
 * Reads every setting of the groups from env at once, so one ConfigError lists every problem,
 * each as `VARIABLE: what was expected, got what`.
 */
export function readSettings(env: Env, ...groups: Settings[]): Record<string, unknown> {
  const all = groups.flatMap((g) => Object.entries(g));
  // Two groups filling one property would hand one setting's value to the other: a mistake in the declarations.
  const keys = all.map(([k]) => k);
  const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
  if (twice.length) throw new Error(`settings declared twice: ${twice.join(", ")}`);
  const shape = Object.fromEntries(all.map(([, d]) => [d.env, d.parse]));
  const parsed = parseEnv(z.object(shape), env) as Record<string, unknown>;
  return Object.fromEntries(all.map(([key, d]) => [key, parsed[d.env]]));
}

/** One declared setting's value, parsed by its declaration: a bad value is the same ConfigError, naming the variable. */
export function readSetting<T>(env: Env, s: Setting<T>): T {
  return readSettings(env, { value: s }).value as T;
}

/** `value` as the reference shows a default: `60`, `autopilot:sync=true`, or — for none. */
function shown(value: unknown): string {
  if (value === undefined || value === null) return "—";
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return `\`${value}\``;
  if (Array.isArray(value) || value instanceof Map)
    return (Array.isArray(value) ? value.length : value.size) ? "" : "—";
  const tag = value as { key?: unknown; value?: unknown };
  if (typeof tag.key === "string" && typeof tag.value === "string") return `\`${tag.key}=${tag.value}\``;
  return "";
}

/** The default as the reference says it: the declared words, else the parser's value for an unset variable. */
export function defaultWords(s: Setting): string {
  if (s.default !== undefined) return s.default;
  const r = s.parse.safeParse(undefined);
  const words = r.success ? shown(r.data) : "";
  // A default the reference cannot show by itself needs its words declared: the generator's test says which.
  return words || "**say the default in words (`default`)**";
}
