/**
 * The reference of a fleet row: the least an implementation on this project's client does for
 * the same run, measured on the same machine against the same emulator. It makes the calls
 * the row's bound counts and nothing else: no report, no guard, no tags read but the opt-out, no
 * warnings, no history. It lists every page of a region at once after the first (the bound's
 * model, where the function reads a few pages ahead to bound its memory), reads the metrics 50
 * machines a call and writes 100 a call, each as soon as it is full, as the bound has them. What the function's wall time has beyond this one's is
 * the function's own doing; what this one has beyond the bound is the client, Node's HTTP stack,
 * JSON, garbage collection and the emulator on this machine, which no function can shed.
 *
 * Run from its own bundle (bench/reference-run.ts builds it, bench/reference-entry.ts is its
 * process) with the function's heap flags and environment.
 */
import type { ApiResponse, TencentCloudClient } from "../lib/tencent/client.ts";
import { getInstanceMetric } from "../lib/tencent/monitor.ts";
import { batches } from "../lib/tencent/services.ts";
import { Batcher } from "../lib/runtime/batcher.ts";
import type { Instance } from "../lib/tencent/data-types.ts";

type Page = ApiResponse<{ TotalCount: number; InstanceSet: Instance[] }>;
type Filter = { Name: string; Values: string[] };

/** Every page of a listing, each handed to `each` as it arrives: the first, then every other at once. */
async function eachPage<T>(
  client: TencentCloudClient,
  region: string,
  Filters: Filter[],
  each: (rows: Instance[]) => Promise<T>,
): Promise<T[]> {
  const page = (Offset: number) =>
    client
      .call<Page>("cvm", "DescribeInstances", { Filters, Offset, Limit: 100 }, { region })
      .then((p) => ({ total: p.TotalCount, done: each(p.InstanceSet) }));
  const first = await page(0);
  const rest: Array<Promise<T>> = [first.done];
  for (let offset = 100; offset < first.total; offset += 100) rest.push(page(offset).then((p) => p.done));
  return Promise.all(rest);
}

const tag = (i: Instance, key: string) => i.Tags?.find((t) => t.Key === key)?.Value;
const maxOf = (v: Float64Array) => v.reduce((m, x) => Math.max(m, x), Number.NEGATIVE_INFINITY);

/**
 * auto-stop-idle's calls at its defaults, overlapped as the bound has them: running pay-as-you-go
 * machines not opted out have their CPU read as their page arrives, 50 a call; those whose CPU
 * stayed under 5% their traffic as the CPU answers; once the region is done, a stop for those
 * whose traffic stayed under 1 Mbps.
 */
export async function referenceAutoStop(client: TencentCloudClient, region: string, now: Date): Promise<void> {
  const window = { start: new Date(now.getTime() - 3600_000), end: now, period: 300 };
  const idle: string[] = [];
  const traffic = new Batcher<string>(50, async (ids) => {
    const [lan, wan] = await Promise.all(
      ["LanOuttraffic", "WanOuttraffic"].map((m) => getInstanceMetric(client, region, m, ids, window)),
    );
    idle.push(...ids.filter((id) => Math.max(maxOf(lan!.get(id)!.v), maxOf(wan!.get(id)!.v)) < 1));
  });
  const cpu = new Batcher<string>(50, async (ids) => {
    const got = await getInstanceMetric(client, region, "CPUUsage", ids, window);
    traffic.add(...ids.filter((id) => maxOf(got.get(id)!.v) < 5));
  });
  const filters = [
    { Name: "instance-charge-type", Values: ["POSTPAID_BY_HOUR"] },
    { Name: "instance-state", Values: ["RUNNING"] },
  ];
  await eachPage(client, region, filters, async (rows) =>
    cpu.add(...rows.filter((i) => tag(i, "autopilot:auto-stop") !== "off").map((i) => i.InstanceId)),
  );
  await cpu.flush();
  await traffic.flush();
  await Promise.all(
    batches(idle, 100).map((InstanceIds) =>
      client.call("cvm", "StopInstances", { InstanceIds, StopType: "SOFT", StoppedMode: "STOP_CHARGING" }, { region }),
    ),
  );
}

/**
 * renew-flag's calls with the bench's rules: prepaid machines, each flag set where it differs,
 * 100 a call as soon as 100 are known (the bound's model: renew-flag has no guard to wait for).
 */
export async function referenceRenew(client: TencentCloudClient, region: string): Promise<void> {
  const flags = new Map<string, Batcher<string>>();
  const writer = (RenewFlag: string) =>
    new Batcher<string>(100, async (InstanceIds) => {
      await client.call("cvm", "ModifyInstancesRenewFlag", { InstanceIds, RenewFlag }, { region });
    });
  await eachPage(client, region, [{ Name: "instance-charge-type", Values: ["PREPAID"] }], async (rows) => {
    for (const i of rows) {
      const flag = tag(i, "env") === "prod" ? "NOTIFY_AND_AUTO_RENEW" : "NOTIFY_AND_MANUAL_RENEW";
      if (i.RenewFlag === flag) continue;
      const batch = flags.get(flag) ?? writer(flag);
      flags.set(flag, batch);
      batch.add(i.InstanceId);
    }
  });
  await Promise.all([...flags.values()].map((b) => b.flush()));
}
