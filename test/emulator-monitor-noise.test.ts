/**
 * GetMonitorData's points are a fixed function of the instance and the instant: each value's noise
 * is the hash of `${InstanceId}/${metric}/${ts}`, and a point is missing where the hash of the same
 * with `/gap` falls under the profile's gap share. A series hashes the shared prefix once; this
 * pins it to the per-point definition (metricValue, hashUnit), point by point.
 */
import { describe, expect, it } from "vitest";
import { metricValue } from "../emulator/handlers/monitor.ts";
import { hashUnit } from "../emulator/random.ts";
import { clientFor, emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const NOW = Date.parse("2026-11-20T03:30:00Z");
type Reply = { DataPoints: Array<{ Timestamps: number[]; Values: number[] }> };

describe("GetMonitorData's noise and gaps", () => {
  it("gives each point the value metricValue gives and leaves out exactly the points its gap hash drops", async () => {
    const bodies: string[] = [];
    const emu = await emulator({ now: () => NOW, onReply: (b) => bodies.push(b) });
    const { client } = clientFor(emu, { clock: { now: () => NOW, sleep: async () => {} } });
    const inst = emu.state.addInstance({
      Region: GZ,
      PublicIpAddresses: ["43.1.2.3"],
      profile: { cpu: 35, traffic: 4, gaps: 0.3, mem: 60 },
    });
    const end = Math.floor(NOW / 1000 / 3600) * 3600;
    for (const metric of ["CPUUsage", "WanOuttraffic", "LanIntraffic", "MemUsage"]) {
      const r = await client.call<Reply>(
        "monitor",
        "GetMonitorData",
        {
          Namespace: "QCE/CVM",
          MetricName: metric,
          Period: 3600,
          StartTime: "2026-11-13T11:00:00+08:00",
          EndTime: "2026-11-20T11:00:00+08:00",
          Instances: [{ Dimensions: [{ Name: "InstanceId", Value: inst.InstanceId }] }],
        },
        { region: GZ },
      );
      const expected: Array<[number, number | null]> = [];
      for (let ts = end - 7 * 86400; ts <= end; ts += 3600)
        if (hashUnit(`${inst.InstanceId}/${metric}/${ts}/gap`) >= 0.3)
          expected.push([ts, metricValue(inst, metric, ts, NOW / 1000)]);
      const [series] = r.DataPoints;
      expect(series!.Timestamps.map((ts, i) => [ts, series!.Values[i]])).toEqual(expected);
      expect(expected.length).toBeGreaterThan(100); // some points dropped, most kept
      expect(expected.length).toBeLessThan(169);
      // The series are written as text (monitor.ts): as JSON.stringify writes the same reply.
      expect(bodies.at(-1)).toBe(JSON.stringify(JSON.parse(bodies.at(-1)!)));
    }
  });

  it("an injected dropPoints fault still drops the points it names from every series", async () => {
    const emu = await emulator({ now: () => NOW });
    const { client } = clientFor(emu, { clock: { now: () => NOW, sleep: async () => {} } });
    const ids = [1, 2].map(() => emu.state.addInstance({ Region: GZ }).InstanceId);
    const ask = () =>
      client.call<Reply>(
        "monitor",
        "GetMonitorData",
        {
          Namespace: "QCE/CVM",
          MetricName: "CPUUsage",
          Period: 300,
          Instances: ids.map((Value) => ({ Dimensions: [{ Name: "InstanceId", Value }] })),
        },
        { region: GZ },
      );
    const whole = await ask();
    emu.faults.add({ action: "GetMonitorData", kind: "dropPoints", points: [0, 1] });
    const dropped = await ask();
    expect(dropped.DataPoints).toEqual(
      whole.DataPoints.map((s) => ({ ...s, Timestamps: s.Timestamps.slice(2), Values: s.Values.slice(2) })),
    );
    expect(dropped.DataPoints[0]!.Timestamps.length).toBeGreaterThan(5);
  });
});
