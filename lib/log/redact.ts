/**
 * Redaction for anything that may reach a log, report or error: credential-shaped keys,
 * PEM/OpenSSH private key blocks, TC3 Authorization signatures, and any registered secret value.
 */

const SECRET_KEY_PATTERN =
  /(secret.?key|secretkey|token|signature|authorization|private.?key|password|webhook.?secret|notify.?(secret|urls?)|dingtalk.?secret)/i;
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const TC3_SIGNATURE = /(Signature=)[0-9a-fA-F]{16,}/g;
const LEGACY_SIGNATURE = /(Signature=)[A-Za-z0-9+/%]{20,}={0,2}/g;
/** `scheme://user:password@host`: the userinfo part is a credential. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;
export const REDACTED = "[REDACTED]";

const registered = new Set<string>();

/** Remember a secret value (a SecretKey, a session token) so it is masked wherever it appears. */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 6) return;
  registered.add(value);
  // As an echo may quote it: URL-encoded, or inside JSON with its slashes escaped.
  const encoded = encodeURIComponent(value);
  if (encoded !== value) registered.add(encoded);
  if (value.includes("/")) registered.add(value.replaceAll("/", "\\/"));
}

/** Masks secrets inside free text. */
export function redactText(text: string): string {
  let out = text;
  // Each pattern needs a marker a plain sentence lacks: a report of thousands of reasons and
  // names then costs one scan each instead of four regular expressions (14 ms of a 1,000-machine run).
  if (out.includes("-----BEGIN")) out = out.replace(PEM_BLOCK, REDACTED);
  if (out.includes("Signature="))
    out = out.replace(TC3_SIGNATURE, `$1${REDACTED}`).replace(LEGACY_SIGNATURE, `$1${REDACTED}`);
  if (out.includes("://") && out.includes("@")) out = out.replace(URL_USERINFO, `$1${REDACTED}@`);
  for (const s of registered) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

/** Whether a field's name says it holds a secret; a report repeats a few names thousands of times. */
const secretNamed = new Map<string, boolean>();
function isSecretName(k: string): boolean {
  let v = secretNamed.get(k);
  if (v === undefined) {
    v = SECRET_KEY_PATTERN.test(k);
    if (secretNamed.size < 10_000) secretNamed.set(k, v);
  }
  return v;
}

/** Deep copy with secret-named fields and secret values masked. Errors become plain records. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return "[…]";
  if (typeof value === "string") return redactText(value);
  if (value instanceof Error) {
    const rec: Record<string, unknown> = { name: value.name, message: redactText(value.message) };
    for (const k of ["code", "requestId", "action", "region"]) {
      const v = (value as unknown as Record<string, unknown>)[k];
      if (v !== undefined) rec[k] = redact(v, depth + 1);
    }
    return rec;
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    // Own enumerable keys, as Object.entries gives, without a [key, value] array for each field:
    // a report of thousands of results is mostly small objects.
    const rec0 = value as Record<string, unknown>;
    for (const k of Object.keys(rec0)) {
      const v = rec0[k];
      out[k] = isSecretName(k) && v !== undefined && v !== null && v !== "" ? REDACTED : redact(v, depth + 1);
    }
    // A name/value pair whose name is a secret's (SCF Environment.Variables, tags): mask the value.
    const rec = value as Record<string, unknown>;
    if (typeof rec.Key === "string" && SECRET_KEY_PATTERN.test(rec.Key) && "Value" in rec && rec.Value !== "")
      out.Value = REDACTED;
    return out;
  }
  return value;
}
