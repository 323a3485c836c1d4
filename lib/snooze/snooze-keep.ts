/** A keep-running link: shown on GET, done on POST, only while its time is ahead and the machine runs. */
import type { Logger } from "../log/logger.ts";
import type { TencentCloudClient } from "../tencent/client.ts";
import { errorRecord } from "../tencent/errors.ts";
import { tagInstances } from "../runtime/instance-tags.ts";
import { instantTag, SNOOZE_TAG } from "./snooze.ts";
import { answer, ok, type LinkCase, type SnoozeAnswer } from "./snooze-page.ts";

export async function keepRunning(
  c: LinkCase,
  client: TencentCloudClient,
  dryRun: boolean,
  logger: Logger,
  fn: string,
): Promise<SnoozeAnswer> {
  const { inst, who, link, w, name } = c;
  const until = link.until as number;
  const t = c.when(until);
  // A time already past would write a snooze that holds nothing: the link says so and writes nothing.
  if (until <= c.nowMs) {
    const [title, line] = w.timePassed(who, t);
    return ok(c, title, [line, c.snoozeNow]);
  }
  if (inst.InstanceState !== "RUNNING") {
    const [title, line] = w.nothingToKeep(name, who, c.stateNow);
    return ok(c, title, [line]);
  }
  // A snooze set later than this link's time is a newer intent: the link never shortens it.
  if (c.snoozeUntil !== undefined && c.snoozeUntil >= until) {
    const [title, line] = w.alreadyLater(name, who, c.when(c.snoozeUntil));
    return ok(c, title, [line]);
  }
  if (!c.post) {
    const [title, line, button] = w.confirmKeep(name, t);
    return ok(c, title, [w.isNow(who, c.stateNow), c.snoozeNow, line], button);
  }
  if (dryRun) {
    const [title, line] = w.dryRun(who, t);
    return ok(c, title, [line]);
  }
  try {
    const problem = await writeSnooze(client, link.region, link.instance, instantTag(until));
    if (problem) {
      const [title, line] = w.notSnoozed(who, problem);
      return answer(c, 500, title, [line]);
    }
  } catch (err) {
    const e = errorRecord(err);
    logger.error("snooze link failed", { function: fn, instance: link.instance, code: e.code, requestId: e.requestId });
    const [title, line] = w.notSnoozed(who, e.code);
    return answer(c, 500, title, [line]);
  }
  const [title, line] = w.keeps(name, who, t);
  return ok(c, title, [line]);
}

/** Writes the snooze: a problem code, or undefined. No run removes a snooze tag, so one write holds. */
async function writeSnooze(
  client: TencentCloudClient,
  region: string,
  id: string,
  value: string,
): Promise<string | undefined> {
  const [r] = await tagInstances(client, region, [id], { [SNOOZE_TAG]: value });
  return r?.ok ? undefined : (r?.code ?? "unknown");
}
