/** Commands that arrive with the functions and deploy work: run, serve, deploy. */
import type { Env } from "../lib/config/config.ts";
import { UsageError } from "./usage.ts";

export async function runCommand(command: string, _args: string[], _env: Env, _out: (s: string) => void, _err: (s: string) => void): Promise<number> {
  throw new UsageError(`unknown command "${command}"`);
}
