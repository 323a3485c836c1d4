/**
 * Env-var fields for zod/mini schemas. Every variable is an optional string parsed by a small
 * function that names what it expected; zod gathers every failure with its variable name.
 * zod/mini rather than classic zod: it tree-shakes, so a function bundle carries ~15 KB of zod
 * instead of ~450 KB.
 */
import * as z from "zod/mini";
import { RE2JS } from "re2js";
import { redactText } from "../log/redact.ts";

export type Fail = (message: string) => void;

/** An env var: blank means unset; `parse` reports problems through `fail`. */
export function field<T>(parse: (raw: string | undefined, fail: Fail) => T) {
  return z.pipe(
    z.optional(z.string({ error: "expected a string" })),
    z.transform((raw: string | undefined, ctx) => {
      const v = raw === undefined || raw.trim() === "" ? undefined : raw.trim();
      return parse(v, (message) => ctx.issues.push({ code: "custom", message, input: raw }));
    }),
  );
}

export const optionalString = () => field((v) => v);

/** `a,b,c` -> ["a","b","c"], trimmed, empties dropped. */
export const csv = (v: string | undefined): string[] =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** Decimal digits only: Number() would also take "0x10", "1e3", " 7 " and "" (0). */
const wholeNumber = (v: string) => (/^\d{1,15}$/.test(v) ? Number(v) : Number.NaN);

export const int = (dflt: number, min = 1, max = Number.MAX_SAFE_INTEGER) =>
  field((v, fail) => {
    if (v === undefined) return dflt;
    const n = wholeNumber(v);
    if (!Number.isInteger(n) || n < min || n > max)
      fail(`expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : " up"}, got "${v}"`);
    return n;
  });

export const optionalInt = (min = 0) =>
  field((v, fail) => {
    if (v === undefined) return undefined;
    const n = wholeNumber(v);
    if (!Number.isInteger(n) || n < min) fail(`expected a whole number of at least ${min}, got "${v}"`);
    return n;
  });

/** A number in (gt, max] or [min, max]. */
export const num = (dflt: number, range: { min?: number; gt?: number; max?: number }) =>
  field((v, fail) => {
    if (v === undefined) return dflt;
    // Plain decimals only (0.5, 12): not "0x10", "1e3" or an empty string, which Number() accepts.
    const n = /^-?\d{1,15}(\.\d{1,15})?$/.test(v) ? Number(v) : Number.NaN;
    const lo = range.gt !== undefined ? n > range.gt : n >= (range.min ?? -Infinity);
    if (!Number.isFinite(n) || !lo || n > (range.max ?? Infinity)) {
      fail(
        `expected a number ${range.gt !== undefined ? `above ${range.gt}` : `from ${range.min}`}${range.max !== undefined ? ` up to ${range.max}` : ""}, got "${v}"`,
      );
    }
    return n;
  });

const TRUE = ["true", "1", "yes", "on"];
const FALSE = ["false", "0", "no", "off"];
/** A set value as true or false; anything else fails, naming what it takes. */
function asBool(v: string, fail: Fail): boolean | undefined {
  if (TRUE.includes(v.toLowerCase())) return true;
  if (FALSE.includes(v.toLowerCase())) return false;
  fail(`expected true or false, got "${v}"`);
  return undefined;
}
export const bool = (dflt: boolean) => field((v, fail) => (v === undefined ? dflt : (asBool(v, fail) ?? dflt)));
/** true or false, or undefined when unset: for a default that depends on something else (the demo). */
export const optionalBool = () => field((v, fail) => (v === undefined ? undefined : asBool(v, fail)));

export function oneOf<const T extends string>(values: readonly T[], dflt: T): ReturnType<typeof field<T>>;
export function oneOf<const T extends string>(values: readonly T[]): ReturnType<typeof field<T | undefined>>;
export function oneOf<const T extends string>(values: readonly T[], dflt?: T) {
  return field((v, fail) => {
    if (v === undefined) return dflt;
    if (!(values as readonly string[]).includes(v)) fail(`expected one of ${values.join(", ")}, got "${v}"`);
    return v as T;
  });
}

export const REGION = /^[a-z]{2,3}-[a-z]+(-[a-z0-9]+)*$/;
export const isRegion = (s: string) => REGION.test(s);

export const region = () =>
  field((v, fail) => {
    if (v !== undefined && !isRegion(v)) fail(`expected a region name such as ap-guangzhou, got "${v}"`);
    return v;
  });

/** A comma list of region names, or `all` (resolved with DescribeRegions at run time). */
export const regions = () =>
  field((v, fail): string[] | "all" | undefined => {
    if (v === undefined) return undefined;
    if (v === "all") return "all";
    const list = csv(v);
    for (const r of list) if (!isRegion(r)) fail(`"${r}" is not a region name (e.g. ap-guangzhou), or use "all"`);
    return list;
  });

export const baseUrl = () =>
  field((v, fail) => {
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (u.protocol === "http:" || u.protocol === "https:") return v;
    } catch {
      // fall through
    }
    // The value is echoed with any userinfo masked: a URL may carry a password.
    fail(`expected a base URL such as http://127.0.0.1:9000, got "${redactText(v)}"`);
    return undefined;
  });

/** A shared secret: blank means unset; a set one must be long enough to resist guessing. */
export const secret = (minLength: number, hint: string) =>
  field((v, fail) => {
    if (v === undefined) return undefined;
    if (v.length < minLength) fail(`at least ${minLength} characters (got ${v.length}); ${hint}`);
    return v;
  });

/** A compiled pattern that is matched against text from any tenant. */
export interface Pattern {
  test(text: string): boolean;
  /** The expression as written, for people. */
  pattern(): string;
}

/**
 * A regular expression matched in linear time (RE2 semantics, via re2js): instance names come
 * from anyone who can create an instance, and a backtracking engine lets a pattern such as
 * `^([a-z0-9]+-?)+$` hang the whole run on one crafted name. RE2 has no
 * backreferences or lookaround; a pattern that needs them is refused with the reason.
 */
export const regex = () =>
  field((v, fail): Pattern | undefined => {
    if (v === undefined) return undefined;
    try {
      return RE2JS.compile(v);
    } catch (e) {
      fail(
        `not a valid regular expression for the linear-time (RE2) engine: ${(e as Error).message}; backreferences and lookaround are not supported`,
      );
      return undefined;
    }
  });

export function pattern(re: RegExp, expected: string, dflt: string): ReturnType<typeof field<string>>;
export function pattern(re: RegExp, expected: string): ReturnType<typeof field<string | undefined>>;
export function pattern(re: RegExp, expected: string, dflt?: string) {
  return field((v, fail) => {
    if (v === undefined) return dflt;
    if (!re.test(v)) fail(`expected ${expected}, got "${v}"`);
    return v;
  });
}
