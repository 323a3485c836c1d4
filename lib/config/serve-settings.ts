/**
 * What `serve`, `run` and the schedules read beside the functions' own settings, declared once
 * (settings.ts), here below every reader: the CLI, the local server (lib/host), the schedule table
 * (lib/deploy) and the local history directory (lib/history) each read them through these
 * declarations, so a bad value is one ConfigError naming the variable. The reference lists them
 * with deploy's (cli/host-settings.ts).
 */
import { csv, field, int, optionalBool, optionalString } from "./fields.ts";
import { declareSettings } from "./settings.ts";

/** What `serve` and the schedules read, where they use it (cli/serve.ts, lib/host, lib/deploy/schedules.ts, lib/history). */
export const SERVE_SETTINGS = declareSettings({
  port: {
    env: "PORT",
    parse: int(8080, 0, 65535),
    meaning: "webhook server port (`0`: any free port)",
  },
  logFile: {
    env: "LOG_FILE",
    parse: optionalString(),
    meaning: "JSON logs to this file (`-`: stdout); unset: warnings and errors on stderr",
  },
  scheduleTimezone: {
    env: "SCHEDULE_TIMEZONE",
    parse: optionalString(),
    meaning:
      "the IANA zone every schedule is written in; each platform gets an expression that fires at the same instants (SCF evaluates timers in Beijing time, EventBridge in UTC); a zone with daylight saving, or whose offset from those is not whole hours, is refused",
    default: "`UTC`",
  },
  reportDir: {
    env: "REPORT_DIR",
    parse: optionalString(),
    meaning:
      "keep each run's full report as `<dir>/<function>/<runId>.json` plus `latest.json` (for `serve` and `run`; `run --out DIR` wins)",
  },
  runOnStart: {
    env: "SERVE_RUN_ON_START",
    parse: optionalBool(),
    meaning: "run each function once at start",
    default: "`true` with the demo emulator",
  },
  // The names are checked against the functions served (local-server.ts enabledFunctions).
  functions: {
    env: "SERVE_FUNCTIONS",
    parse: field((v) => csv(v)),
    meaning: "which functions to serve, comma list",
    default: "all",
  },
});
