/** An API error the emulator answers with `Response.Error {Code, Message}`. */
export class ApiFault extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiFault";
  }
}

const ID_PATTERNS: Record<string, RegExp> = {
  ins: /^ins-[a-z0-9]{8}$/,
  img: /^img-[a-z0-9]{8}$/,
  skey: /^skey-[a-z0-9]{8}$/,
};

/** Reads an array parameter (`InstanceIds`), enforcing the documented batch limit of 100. */
export function idList(
  params: Record<string, unknown>,
  name: string,
  opts: { required?: boolean; max?: number } = {},
): string[] {
  const v = params[name];
  if (v === undefined || v === null) {
    if (opts.required)
      throw new ApiFault("MissingParameter", `The request is missing a required parameter \`${name}\`.`);
    return [];
  }
  if (!Array.isArray(v)) throw new ApiFault("InvalidParameter", `\`${name}\` must be an array.`);
  if (opts.required && v.length === 0)
    throw new ApiFault("MissingParameter", `The request is missing a required parameter \`${name}\`.`);
  if (v.length > (opts.max ?? 100))
    throw new ApiFault("InvalidParameterValue.LimitExceeded", `\`${name}\` accepts at most ${opts.max ?? 100} values.`);
  return v.map(String);
}

/** Checks an id's shape: `ins-1122` is Malformed (seed: "invalid instance ID length"). */
export function checkIdFormat(kind: "ins" | "img" | "skey", id: string): void {
  if (ID_PATTERNS[kind]!.test(id)) return;
  const code =
    kind === "ins"
      ? "InvalidInstanceId.Malformed"
      : kind === "img"
        ? "InvalidImageId.Malformed"
        : "InvalidKeyPairId.Malformed";
  throw new ApiFault(code, `The specified id \`${id}\` is malformed.`);
}

export function str(params: Record<string, unknown>, name: string, required = false): string | undefined {
  const v = params[name];
  if (v === undefined || v === null || v === "") {
    if (required) throw new ApiFault("MissingParameter", `The request is missing a required parameter \`${name}\`.`);
    return undefined;
  }
  if (typeof v !== "string" && typeof v !== "number")
    throw new ApiFault("InvalidParameter", `\`${name}\` must be a string.`);
  return String(v);
}

/** Integers arrive as numbers (TC3 JSON) or strings (legacy form). */
export function int(params: Record<string, unknown>, name: string, dflt: number): number {
  const v = params[name];
  if (v === undefined || v === null || v === "") return dflt;
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new ApiFault("InvalidParameterValue", `\`${name}\` must be a non-negative integer.`);
  return n;
}

/** Booleans arrive as true/false (JSON) or TRUE/FALSE/true/false (legacy form, seed examples). */
export function bool(params: Record<string, unknown>, name: string): boolean {
  const v = params[name];
  if (v === undefined || v === null || v === "") return false;
  if (typeof v === "boolean") return v;
  const s = String(v).toUpperCase();
  if (s === "TRUE") return true;
  if (s === "FALSE") return false;
  throw new ApiFault("InvalidParameterValue", `\`${name}\` must be TRUE or FALSE.`);
}

/** Offset/Limit as the seed defines them: Limit defaults to 20, at most 100. */
export function paging(params: Record<string, unknown>): { offset: number; limit: number } {
  const offset = int(params, "Offset", 0);
  const limit = int(params, "Limit", 20);
  if (limit > 100) throw new ApiFault("InvalidParameterValue.LimitExceeded", "`Limit` must be at most 100.");
  return { offset, limit };
}

export interface FilterParam {
  Name: string;
  Values: string[];
}

/** Filters.N, at most 10 filters of at most 5 values each (seed DescribeInstances; some actions document more values). */
export function filters(
  params: Record<string, unknown>,
  allowed: (name: string) => boolean,
  maxValues = 5,
): FilterParam[] {
  const raw = params.Filters;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ApiFault("InvalidParameter", "`Filters` must be an array.");
  if (raw.length > 10) throw new ApiFault("InvalidParameterValue.LimitExceeded", "At most 10 Filters are allowed.");
  return raw.map((f: { Name?: unknown; Values?: unknown }) => {
    const name = String(f?.Name ?? "");
    if (!allowed(name)) throw new ApiFault("InvalidFilter", `The filter \`${name}\` is not supported.`);
    const values = Array.isArray(f.Values) ? f.Values.map(String) : [];
    if (values.length > maxValues)
      throw new ApiFault("InvalidFilterValue.LimitExceeded", `Filter \`${name}\` has more than ${maxValues} values.`);
    return { Name: name, Values: values };
  });
}
