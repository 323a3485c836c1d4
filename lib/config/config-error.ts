/** The environment as settings read it, and the one error every bad setting ends in. */

export type Env = Record<string, string | undefined>;

/** Every problem with the environment, each naming the variable and the fix. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "ConfigError";
  }
}
