/**
 * Forged worker events, as a hostile tester sends them to the SCF and Lambda handlers: a shard
 * count that is missing, a string, an object, zero or a fraction; an account outside the
 * organization whose role still trusts us; a shard count smaller than the config yields (a
 * larger share of the guard's count). Invariants: the guard holds on every event, and nothing
 * outside the configured accounts and regions is touched.
 */
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../emulator/server.ts";
import { FUNCTIONS } from "../../functions/registry.ts";
import { plan } from "../../functions/image-sync/plan.ts";
import { memoryLogger } from "../../lib/log/logger.ts";
import { makeHandlers } from "../../lib/host/adapters.ts";
import { SHARD_KEY } from "../../lib/host/fanout.ts";
import { blastRadius, shareOf } from "../../lib/runtime/guard.ts";
import type { RunReport } from "../../lib/report/report.ts";
import { envFor } from "../helpers/functions.ts";
import { emulator } from "../helpers/world.ts";

const GZ = "ap-guangzhou";
const MEMBER = "200000000002";
const OUTSIDER = "300000000003";
const arn = (uin: string) => `qcs::cam::uin/${uin}:roleName/cvm-autopilot`;
const event = (shards: unknown, uin = MEMBER, region: string = GZ) => ({
  [SHARD_KEY]: {
    function: "auto-stop-idle",
    runId: "forged-run",
    dryRun: false,
    shards,
    shard: { account: { uin, roleArn: arn(uin) }, region },
  },
});

async function world(accounts: string) {
  const emu = await emulator({ accounts: [{ uin: MEMBER }, { uin: OUTSIDER, member: false }] });
  for (const uin of [MEMBER, OUTSIDER])
    for (let i = 0; i < 10; i++)
      emu.account(uin).state.addInstance({ Region: GZ, InstanceName: `idle-${i}`, profile: { cpu: 1, traffic: 0 } });
  const env = envFor(emu, { ACCOUNTS: accounts, REGIONS: GZ, AUTO_STOP_MAX_COUNT: "2", AUTO_STOP_MAX_FRACTION: "0.5" });
  return { emu, h: makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env, logger: memoryLogger() }) };
}

const stops = (emu: Emulator) => emu.callsFor("StopInstances").filter((c) => !c.code).length;

describe("forged worker events", () => {
  it.each([
    ["shards missing", undefined, /shards: /],
    ["shards a string", "x", /shards: /],
    ["shards an object", {}, /shards: /],
    ["shards zero", 0, /shards: at least 1/],
    ["shards a fraction", 1.5, /shards: /],
    ["shards negative", -3, /shards: at least 1/],
    ["shards past any run", 1e9, /shards: at most 100000/],
  ])("%s: refused before anything runs, on SCF and Lambda", async (_n, shards, problem) => {
    const { emu, h } = await world(arn(MEMBER));
    await expect(h.main_handler(event(shards), { request_id: "w" })).rejects.toThrow(problem);
    await expect(h.handler(event(shards), { awsRequestId: "w" })).rejects.toThrow(problem);
    expect(stops(emu)).toBe(0);
    expect(emu.callsFor("DescribeInstances")).toEqual([]);
  });

  it("a region outside REGIONS, or a name that is no region, is refused", async () => {
    const { emu, h } = await world(arn(MEMBER));
    await expect(h.main_handler(event(1, MEMBER, "ap-shanghai"), { request_id: "w" })).rejects.toThrow(
      /region ap-shanghai is not in REGIONS/,
    );
    await expect(h.main_handler(event(1, MEMBER, "../../x"), { request_id: "w" })).rejects.toThrow(
      /shard.region: a region name/,
    );
    expect(stops(emu)).toBe(0);
  });

  it("a shard count smaller than the config yields is refused (it would lift this shard's share of the guard's count)", async () => {
    const { emu, h } = await world(`${arn(MEMBER)},self`);
    await expect(h.main_handler(event(1), { request_id: "w" })).rejects.toThrow(
      /the event counts 1 shards, but this config yields 2/,
    );
    expect(stops(emu)).toBe(0);
  });

  it("the true event runs, and the guard holds: 10 idle of 10, limit 2, nothing stopped", async () => {
    const { emu, h } = await world(arn(MEMBER));
    const r = (await h
      .main_handler(event(1), { request_id: "w" })
      .catch((e: { report?: RunReport }) => e.report)) as RunReport;
    expect(r.guard).toMatchObject({ tripped: true, wouldAct: 10, limit: 2 });
    expect(stops(emu)).toBe(0);
  });

  it("ACCOUNTS=organization: an account outside the organization is refused even though its role trusts us; a member passes", async () => {
    const { emu, h } = await world("organization:cvm-autopilot");
    await expect(h.main_handler(event(1, OUTSIDER), { request_id: "w" })).rejects.toThrow(
      `account ${OUTSIDER} is not a member of the organization`,
    );
    expect(emu.account(OUTSIDER).state.instances.size).toBe(10);
    expect(emu.calls.filter((c) => c.account === OUTSIDER && c.action !== "AssumeRole")).toEqual([]);
    const r = (await h
      .main_handler(event(1), { request_id: "w" })
      .catch((e: { report?: RunReport }) => e.report)) as RunReport;
    expect(r.guard?.tripped).toBe(true);
    expect(stops(emu)).toBe(0);
  });
});

describe("the guard fails closed", () => {
  const summary = {
    acting: Array.from({ length: 10 }, (_, i) => ({
      id: `ins-${i}`,
      region: GZ,
      kind: "idle",
      action: "stop",
      reason: "",
    })),
    byKind: { idle: 10 },
  };
  it.each([
    ["a NaN count", { maxFraction: 0.5, maxCount: Number.NaN }],
    ["a NaN share", { maxFraction: Number.NaN, maxCount: undefined }],
    ["an infinite count", { maxFraction: 1, maxCount: Number.POSITIVE_INFINITY }],
    ["a NaN count with the override", { maxFraction: 1, maxCount: Number.NaN, override: true }],
  ])("%s trips it", (_n, limits) => {
    expect(blastRadius(summary, new Set(), limits)).toMatchObject({ tripped: true, limit: 0 });
  });

  it("a shard count that is not a positive whole number gives no share, never NaN", () => {
    expect(shareOf(10, Number.NaN)).toBe(0);
    expect(shareOf(10, 0)).toBe(0);
    expect(shareOf(10, 4)).toBe(2);
  });

  it("image-sync deletes nothing on a delete budget that is not a number (a real budget deletes the two over IMAGE_SYNC_KEEP)", () => {
    const image = (o: Record<string, string>) =>
      ({
        ImageDescription: "",
        ImageSize: 50,
        ImageState: "NORMAL",
        ImageType: "PRIVATE_IMAGE",
        OsName: "TencentOS",
        Platform: "TencentOS",
        Architecture: "x86_64",
        Tags: [],
        ...o,
      }) as never;
    const src = image({ ImageId: "img-src00001", ImageName: "golden", CreatedTime: "2026-01-01T00:00:00Z" });
    const old = (n: number) =>
      image({
        ImageId: `img-old0000${n}`,
        ImageName: `golden-apsync-old0000${n}`,
        CreatedTime: `2025-0${n}-01T00:00:00Z`,
      });
    const deletes = (maxDeletes: number) =>
      plan([src], [{ region: "ap-shanghai", images: [old(1), old(2), old(3)], quota: 10, inUse: new Set() }], {
        keep: 2,
        keepTag: { key: "autopilot:keep", value: "true" },
        maxDeletes,
      }).filter((d) => d.action === "delete-image");
    expect(deletes(20)).toHaveLength(2);
    expect(deletes(Number.NaN)).toEqual([]);
  });
});
