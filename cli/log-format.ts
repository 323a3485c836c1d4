/** LOG_FORMAT for the CLI's commands, read by its declaration (lib/config/shared-settings.ts). */
import type { Env } from "../lib/config/config.ts";
import { readSetting } from "../lib/config/settings.ts";
import { DIRECT_SHARED_SETTINGS } from "../lib/config/shared-settings.ts";
import { cliLogFormat } from "../lib/log/logger.ts";

/** LOG_FORMAT as declared (a bad value is a ConfigError naming it), or undefined when unset. */
export const declaredLogFormat = (env: Env) => readSetting(env, DIRECT_SHARED_SETTINGS.logFormat);

/** The format of a command's log on `stream`: LOG_FORMAT, else human at a terminal and JSON when piped. */
export const logFormat = (env: Env, stream: { isTTY?: boolean }) => cliLogFormat(declaredLogFormat(env), stream);
