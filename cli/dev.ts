/**
 * Loads a development-only TypeScript module (the emulator) from the built CLI: registers tsx,
 * a development dependency, first. In a published install neither is present, and the caller
 * says what to do instead.
 */
export async function importDev<T>(specifier: string, from: string): Promise<T> {
  const { register } = await import("tsx/esm/api");
  register();
  return (await import(new URL(specifier, from).href)) as T;
}
