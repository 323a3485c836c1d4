/**
 * Reads the official SDK's generated models (the .d.ts text) for what the real API accepts: each
 * action's request fields, the filter names its `Filters` doc comment lists, and the values an
 * enum-like field's doc comment lists. An independent witness: nothing here comes from our code.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

const MODEL_FILES: Record<string, string> = {
  cvm: "tencentcloud-sdk-nodejs-cvm/tencentcloud/services/cvm/v20170312/cvm_models.d.ts",
  monitor: "tencentcloud-sdk-nodejs-monitor/tencentcloud/services/monitor/v20180724/monitor_models.d.ts",
  ssm: "tencentcloud-sdk-nodejs-ssm/tencentcloud/services/ssm/v20190923/ssm_models.d.ts",
  scf: "tencentcloud-sdk-nodejs-scf/tencentcloud/services/scf/v20180416/scf_models.d.ts",
  sts: "tencentcloud-sdk-nodejs-sts/tencentcloud/services/sts/v20180813/sts_models.d.ts",
};

/**
 * Services with no per-product SDK package (ECOSYSTEM-NOTES): their request shapes are written
 * in lib/tencent/official-models.ts (from the full SDK's models; tag and region from tccli's api.json)
 * and checked by tsc there, not here.
 */
const UNPUBLISHED = new Set(["organization", "cam", "tag", "region"]);

const texts = new Map<string, string>();
export function modelText(service: string): string {
  if (UNPUBLISHED.has(service)) return "";
  let t = texts.get(service);
  if (t === undefined) {
    const file = MODEL_FILES[service];
    if (!file) throw new Error(`no official model known for service ${service}`);
    t = readFileSync(require.resolve(file), "utf8");
    texts.set(service, t);
  }
  return t;
}

export interface ModelField {
  name: string;
  optional: boolean;
  doc: string;
}

/** The fields of `export interface <name> { … }` with their doc comments; [] for `export type <name> = null`. */
export function interfaceFields(service: string, name: string): ModelField[] | undefined {
  const text = modelText(service);
  if (new RegExp(`export type ${name} = null;`).test(text)) return [];
  const start = text.indexOf(`export interface ${name} {`);
  if (start < 0) return undefined;
  const end = text.indexOf("\n}", start);
  const body = text.slice(start, end);
  const fields: ModelField[] = [];
  const re = /\/\*\*([\s\S]*?)\*\/\s*\n {4}(\w+)(\??):/g;
  for (let m = re.exec(body); m; m = re.exec(body)) fields.push({ name: m[2]!, optional: m[3] === "?", doc: m[1]! });
  return fields;
}

/** Filter names a request's `Filters` doc lists (`<li><strong>zone</strong>` or `<li> key-name - String - …`). */
export function filterNames(service: string, action: string): string[] {
  const doc = interfaceFields(service, `${action}Request`)?.find((f) => f.name === "Filters")?.doc ?? "";
  const names = new Set<string>();
  for (const m of doc.matchAll(/<li>\s*<strong>([a-z0-9:-]+)<\/strong>/g)) names.add(m[1]!);
  for (const m of doc.matchAll(/<li>\s*([a-z][a-z0-9:-]*[a-z0-9])\s+-\s+/g)) names.add(m[1]!);
  return [...names];
}

/** Whether a filter name is one the model lists (`tag:<key>` is allowed where `tag:tag-key` is listed). */
export function filterAllowed(allowed: string[], name: string): boolean {
  return allowed.includes(name) || (name.startsWith("tag:") && allowed.includes("tag:tag-key"));
}
