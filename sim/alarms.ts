/**
 * Cloud Monitor as a sender of alarm callbacks to `serve` (`POST /alarm/<token>`): two machines'
 * idle alarms at once, so one meets the other's run in flight; an answer that is not a 2xx is
 * retried, as Cloud Monitor retries a callback (up to 3 times). A retry must be heard: a run goes
 * to the cloud for the machine (the emulator sees its calls), or the answer asks for another retry.
 */
import { alarmPath } from "../lib/platform/alarm-callback.ts";
import { WEBHOOK_SECRET } from "./options.ts";
import { takeCalls } from "./observe.ts";
import type { Ctx } from "./phases.ts";

const body = (id: string, region: string, at: number) =>
  JSON.stringify({
    sessionId: `sim-${id}-${at}`,
    alarmStatus: "1",
    alarmType: "metric",
    alarmObjInfo: { region, namespace: "qce/cvm", dimensions: { unInstanceId: id, objId: id } },
    alarmPolicyInfo: { policyId: "policy-sim", conditions: { metricName: "cpu_usage" } },
    firstOccurTime: new Date(at).toISOString(),
    durationTime: 900,
  });

async function post(url: string, payload: string): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: payload });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    return { status: 0, text: (err as Error).message };
  }
}

/** Two idle machines' callbacks at once, then Cloud Monitor's retries of any refused. */
export async function alarmCallbacks(c: Ctx, at: number, ids: Array<{ id: string; region: string }>): Promise<void> {
  const url = `${c.world.serve.url}${alarmPath(WEBHOOK_SECRET, "auto-stop-idle")}`;
  takeCalls(c.world.emu);
  const first = await Promise.all(
    ids.map(async (m) => ({ ...m, payload: body(m.id, m.region, at), ...(await post(url, body(m.id, m.region, at))) })),
  );
  takeCalls(c.world.emu);
  for (const a of first) {
    c.j.event(a.id, at, `Cloud Monitor's alarm callback: ${a.status} ${a.text.slice(0, 100)}`);
    if (a.status >= 200 && a.status < 300) continue;
    for (let retry = 1; retry <= 3; retry++) {
      const r = await post(url, a.payload);
      // Heard: a run went to the cloud for it (a run that finds the machine out of scope reads no metrics).
      const seen = takeCalls(c.world.emu);
      const heard = seen.queried.has(a.id) || seen.all.some((x) => x.action === "DescribeInstances");
      c.j.event(
        a.id,
        at,
        `Cloud Monitor's retry ${retry}: ${r.status} ${r.text.slice(0, 100)}${heard ? " (verified)" : ""}`,
      );
      if (heard || r.status < 200 || r.status >= 300) {
        if (heard) break;
        continue;
      }
      c.judge.other(
        "alarm-retry-heard",
        at,
        a.id,
        `a callback answered ${a.status} was retried and answered ${r.status} ${r.text.slice(0, 80)} with no check of the machine`,
      );
      break;
    }
  }
}
