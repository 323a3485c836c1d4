/** A keep-running link: shown on GET, done on POST, only while its time is ahead and the machine runs. */
import type { Logger } from "../log/logger.ts";
import type { TencentCloudClient } from "../tencent/client.ts";
import { errorRecord } from "../tencent/errors.ts";
import { tagInstances } from "../tencent/instance-tags.ts";
import { tagsOf } from "../tencent/normalize.ts";
import { api } from "../tencent/services.ts";
import { instantTag, SNOOZE_TAG } from "../snooze/snooze.ts";
import { ok, page, type LinkCase, type SnoozeAnswer } from "./snooze-page.ts";

export async function keepRunning(
  c: LinkCase,
  client: TencentCloudClient,
  dryRun: boolean,
  logger: Logger,
  fn: string,
): Promise<SnoozeAnswer> {
  const { inst, who, link } = c;
  const name = inst.InstanceName || inst.InstanceId;
  const until = link.until as number;
  const t = instantTag(until);
  // A time already past would write a snooze that holds nothing: the link says so and writes nothing.
  if (until <= c.nowMs)
    return ok("This link's time has passed", [
      `It was to keep ${who} running until ${t}; that time has passed, so it changes nothing now. Nothing was changed.`,
      `${name} is ${c.stateNow} now.`,
      c.snoozeNow,
    ]);
  if (inst.InstanceState !== "RUNNING")
    return ok(`${name} is ${c.stateNow} now`, [
      `${who} is ${c.stateNow} now: there is nothing to keep running. Nothing was changed.`,
    ]);
  if (!c.post)
    return ok(
      `Keep ${name} running?`,
      [`${who} is running now.`, c.snoozeNow, `The button keeps it running until ${t}; nothing changes until then.`],
      { label: `Keep it running until ${t}`, query: c.query },
    );
  if (dryRun)
    return ok("Dry run", [
      `${who} would keep running until ${t}; the function runs in dry run, so no tag was written.`,
    ]);
  try {
    const problem = await writeSnooze(client, link.region, link.instance, t);
    if (problem)
      return {
        status: 500,
        html: page("Not snoozed", [`${who} could not be tagged (${problem}). Nothing else was changed.`]),
      };
  } catch (err) {
    const e = errorRecord(err);
    logger.error("snooze link failed", { function: fn, instance: link.instance, code: e.code, requestId: e.requestId });
    return { status: 500, html: page("Not snoozed", [`The cloud refused (${e.code}). Nothing was changed.`]) };
  }
  return ok(`${name} keeps running`, [
    `${who} keeps running until ${t} (tag ${SNOOZE_TAG}). Nothing else was changed.`,
  ]);
}

/**
 * Writes the snooze and reads it back: a run removing an ended snooze compares the value just
 * before its UnTagResources, and this read-back catches the one write that could land in between,
 * so the snooze is written again rather than lost. Returns a problem code, or undefined.
 */
async function writeSnooze(
  client: TencentCloudClient,
  region: string,
  id: string,
  value: string,
): Promise<string | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const [r] = await tagInstances(client, region, [id], { [SNOOZE_TAG]: value });
    if (!r?.ok) return r?.code ?? "unknown";
    const res = await api(client).describeInstances(region, { InstanceIds: [id] });
    const now = (res.InstanceSet ?? []).find((i) => i.InstanceId === id);
    if (!now || tagsOf(now).get(SNOOZE_TAG) === value) return undefined;
  }
  return "SnoozeRemovedMeanwhile";
}
