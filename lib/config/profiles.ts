/**
 * Credentials from where Tencent Cloud users keep them, for a profile chosen by name
 * (`--profile NAME` or TENCENTCLOUD_PROFILE), when the environment holds no key itself:
 * - the SDK's profile file, `~/.tencentcloud/credentials` (then `/etc/tencentcloud/credentials`),
 *   INI sections of `secret_id`, `secret_key` and an optional `token` (the official SDK's
 *   ProfileCredential reads its `[default]` section);
 * - tccli's profiles, `~/.tccli/<name>.credential` (JSON: secretId, secretKey, token) with the
 *   region from `~/.tccli/<name>.configure` (`_sys_param.region`), as tccli's configure.py writes them;
 *   tccli writes the string "None" for a field left blank, which is read as missing.
 * Only a named profile is read: a key lying in a file is never picked up unasked, so a demo run
 * on a developer's machine cannot turn into a run against a real account by accident.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, type Env } from "./config.ts";

/** `[section]` → key → value, from an INI text (`;` and `#` start comments). */
function ini(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let section: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith(";") || line.startsWith("#")) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) out.set(head[1]!.trim(), (section = new Map()));
    else if (section && line.includes("="))
      section.set(line.slice(0, line.indexOf("=")).trim(), line.slice(line.indexOf("=") + 1).trim());
  }
  return out;
}

const readJson = (file: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

/** A tccli field's value: a non-empty string other than tccli's "None" (Python's None, written for a blank field). */
const tccliField = (v: unknown): string | undefined =>
  typeof v === "string" && v.trim() && v.trim() !== "None" ? v.trim() : undefined;

/** What a named profile adds to the environment (nothing when no profile is named or the environment has a key). */
export function profileEnv(env: Env, home: string, etc = "/etc/tencentcloud/credentials"): Env {
  const name = env.TENCENTCLOUD_PROFILE?.trim();
  if (!name || env.TENCENTCLOUD_SECRET_ID?.trim() || env.TENCENTCLOUD_SECRETID?.trim()) return {};
  for (const file of [join(home, ".tencentcloud", "credentials"), etc]) {
    if (!existsSync(file)) continue;
    const s = ini(readFileSync(file, "utf8")).get(name);
    if (s?.get("secret_id") && s.get("secret_key")) {
      return {
        TENCENTCLOUD_SECRET_ID: s.get("secret_id"),
        TENCENTCLOUD_SECRET_KEY: s.get("secret_key"),
        ...(s.get("token") ? { TENCENTCLOUD_SESSION_TOKEN: s.get("token") } : {}),
      };
    }
  }
  const file = join(home, ".tccli", `${name}.credential`);
  const cred = readJson(file);
  const [secretId, secretKey] = [tccliField(cred?.secretId), tccliField(cred?.secretKey)];
  if (secretId && secretKey) {
    const conf = readJson(join(home, ".tccli", `${name}.configure`));
    const region = tccliField((conf?._sys_param as { region?: unknown } | undefined)?.region ?? conf?.region);
    const token = tccliField(cred?.token);
    return {
      TENCENTCLOUD_SECRET_ID: secretId,
      TENCENTCLOUD_SECRET_KEY: secretKey,
      ...(token ? { TENCENTCLOUD_SESSION_TOKEN: token } : {}),
      ...(region && !env.TENCENTCLOUD_REGION ? { TENCENTCLOUD_REGION: region } : {}),
    };
  }
  if (cred) {
    const blank = [secretId ? "" : "secretId", secretKey ? "" : "secretKey"].filter(Boolean).join(" and ");
    throw new ConfigError([
      `TENCENTCLOUD_PROFILE: ~/.tccli/${name}.credential has no ${blank} (blank, or "None", which tccli writes for a field left blank); run \`tccli configure --profile ${name}\` and enter them, or set TENCENTCLOUD_SECRET_ID / _SECRET_KEY`,
    ]);
  }
  throw new ConfigError([
    `TENCENTCLOUD_PROFILE: no profile "${name}" with secret_id and secret_key in ~/.tencentcloud/credentials (or ${etc}), and no ~/.tccli/${name}.credential with secretId and secretKey; create one (tccli configure --profile ${name}) or set TENCENTCLOUD_SECRET_ID / _SECRET_KEY`,
  ]);
}
