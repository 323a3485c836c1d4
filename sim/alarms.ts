/**
 * Cloud Monitor as a sender of alarm callbacks to `serve` (`POST /alarm/<token>`): two machines'
 * idle alarms at once, so one meets the other's run in flight; an answer that is not a 2xx is
 * retried, as Cloud Monitor retries a callback (up to 3 times). Every machine named must end up
 * checked: the emulator sees a GetMonitorData naming it.
 */
import { alarmPath } from "../lib/host/alarm-callback.ts";
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

/** Waits (real time, at most ~5 s) until `serve` has no run in flight: a callback's check may run after its reply. */
async function idle(serveUrl: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    try {
      const h = (await (await fetch(`${serveUrl}/healthz`)).json()) as { running?: unknown[] };
      if (!h.running?.length) return;
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Two idle machines' callbacks at once, then Cloud Monitor's retries of any not answered with a
 * 2xx (each after the run in flight is over, as Cloud Monitor's retries come seconds later). Every
 * machine a callback named must then have been checked: a GetMonitorData naming it.
 */
export async function alarmCallbacks(c: Ctx, at: number, ids: Array<{ id: string; region: string }>): Promise<void> {
  const url = `${c.world.serve.url}${alarmPath(WEBHOOK_SECRET, "auto-stop-idle")}`;
  takeCalls(c.world.emu);
  const answers = await Promise.all(ids.map(async (m) => ({ ...m, ...(await post(url, body(m.id, m.region, at))) })));
  for (const a of answers) {
    c.j.event(a.id, at, `Cloud Monitor's alarm callback: ${a.status} ${a.text.slice(0, 100)}`);
    for (let retry = 1; retry <= 3 && (a.status < 200 || a.status >= 300); retry++) {
      await idle(c.world.serve.url);
      const r = await post(url, body(a.id, a.region, at));
      a.status = r.status;
      c.j.event(a.id, at, `Cloud Monitor's retry ${retry}: ${r.status} ${r.text.slice(0, 100)}`);
    }
  }
  await idle(c.world.serve.url);
  const asked = takeCalls(c.world.emu)
    .all.filter((x) => x.action === "GetMonitorData")
    .map((x) => JSON.stringify(x.params));
  for (const a of answers) {
    if (asked.some((p) => p.includes(a.id))) continue;
    c.judge.other(
      "alarm-retry-heard",
      at,
      a.id,
      `Cloud Monitor's callback for it (and its retries) led to no check of the machine`,
    );
  }
}
