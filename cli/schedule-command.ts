/**
 * `cvm-autopilot schedule [--next N]`: each office-hours machine's next starts and stops, with
 * the kind of day that decides each (working day, holiday, make-up workday), read from the
 * machines' tags and the schedules' calendars. Reads only; with no credentials, the demo fleet.
 */
import type { Env } from "../lib/config/config.ts";
import { createLogger } from "../lib/log/logger.ts";
import { resolveRegions } from "../lib/runtime/regions.ts";
import { clientFromConfig } from "../lib/runtime/run-deps.ts";
import { pages } from "../lib/tencent/services.ts";
import { loadConfig } from "../functions/office-hours/config.ts";
import { loadCountryCalendars } from "../lib/calendar/calendar.ts";
import { nextChanges, type Change } from "../functions/office-hours/next-changes.ts";
import { localTime } from "./going-live.ts";
import { UsageError } from "./usage.ts";
import { demoRunEnv, demoSeam, hasCredentials } from "./demo-seam.ts";

interface Machine {
  id: string;
  name: string;
  region: string;
  schedule: string;
  optedOut: boolean;
}

/** The office-hours machines in every region the config covers, by tag key (server side, as a run reads them). */
async function machines(env: Env): Promise<{ list: Machine[]; config: ReturnType<typeof loadConfig> }> {
  const config = loadConfig(env);
  const client = clientFromConfig(
    config,
    createLogger({ level: "error", sink: (l) => process.stderr.write(`${l}\n`) }),
  );
  const list: Machine[] = [];
  for (const region of await resolveRegions(config, client))
    for await (const page of pages(client, "DescribeInstances", region, {
      Filters: [{ Name: "tag-key", Values: [config.tagKey] }],
    }))
      for (const i of page) {
        const tags = new Map((i.Tags ?? []).map((t) => [t.Key, t.Value]));
        list.push({
          id: i.InstanceId,
          name: i.InstanceName ?? "",
          region,
          schedule: tags.get(config.tagKey) ?? "",
          optedOut: tags.get(config.optOutTag.key) === config.optOutTag.value,
        });
      }
  list.sort((a, b) => a.region.localeCompare(b.region) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return { list, config };
}

const DAY = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
function changeLine(c: Change, zone: string): string {
  const when = localTime(c.at, zone);
  const weekday = DAY[new Date(`${when.slice(0, 10)}T12:00:00Z`).getUTCDay()];
  const verb = c.action === "skip" ? "no start" : c.action;
  return `  ${verb.padEnd(8)} ${weekday} ${c.action === "skip" ? `${c.date}      ` : when}  ${c.dayKind}: ${c.why}`;
}

export async function scheduleCommand(
  next: string | undefined,
  env: Env,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const count = next === undefined ? 4 : Number(next);
  if (!Number.isInteger(count) || count < 1 || count > 50)
    throw new UsageError(`--next needs a whole number of starts and stops from 1 to 50, e.g. --next 6 (got "${next}")`);
  // No credentials: the demo fleet, said first (on stderr), as `run` does.
  const seam = hasCredentials(env) ? undefined : await demoSeam();
  const emu = seam ? await seam.startDemoEmulator() : undefined;
  try {
    if (emu)
      err(`cvm-autopilot schedule: no credentials set, so reading the embedded emulator's demo fleet at ${emu.url}`);
    return await listChanges(count, emu && seam ? demoRunEnv(seam, emu, env) : env, out);
  } finally {
    await emu?.stop();
  }
}

async function listChanges(count: number, env: Env, out: (s: string) => void): Promise<number> {
  const { list, config } = await machines(env);
  await loadCountryCalendars([...config.schedules.values()].map((s) => s.calendar));
  if (!list.length)
    out(`no machine is tagged ${config.tagKey}=<schedule>; schedules: ${[...config.schedules.keys()].join(", ")}`);
  const now = new Date();
  const memo = new Map<string, Change[]>();
  for (const m of list) {
    const s = config.schedules.get(m.schedule);
    out(`${m.name || m.id} (${m.id}, ${m.region}): schedule "${m.schedule}"${s ? ` (${s.timezone})` : ""}`);
    if (m.optedOut)
      out(`  opted out by tag ${config.optOutTag.key}=${config.optOutTag.value}: never started or stopped`);
    else if (!s)
      out(
        `  no schedule "${m.schedule}" in OFFICE_HOURS_SCHEDULES (${[...config.schedules.keys()].join(", ")}): left alone`,
      );
    else {
      if (!memo.has(s.name)) memo.set(s.name, nextChanges(s, now, count));
      for (const c of memo.get(s.name)!) out(changeLine(c, s.timezone));
    }
  }
  return 0;
}
