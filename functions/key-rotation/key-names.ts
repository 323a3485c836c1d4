/**
 * How key rotation spells its progress on the cloud side: a key pair `<prefix>_<YYYYMMDDHHMM>`
 * and its private half in the SSM secret `cvm-autopilot-<region>-<key name>`. A run reads these
 * names back to find what an earlier run left, so they are the one record of it.
 */

export const secretNameFor = (region: string, keyName: string) => `cvm-autopilot-${region}-${keyName}`;

/** `<prefix>_YYYYMMDDHHMM` in UTC: at most 25 characters, sortable by age. */
export function generationName(prefix: string, now: Date): string {
  return `${prefix}_${now.toISOString().slice(0, 16).replace(/[-T:]/g, "")}`;
}

export const isOurs = (name: string, prefix: string) => new RegExp(`^${prefix}_\\d{12}$`).test(name);

/** The creation time encoded in a generation name (UTC minutes). */
export function parseGeneration(keyName: string): number {
  const m = /_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(keyName);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!) : 0;
}
