/**
 * The emulator's Tag API (tag 2018-08-13) refuses what the Tag docs say it refuses, with the
 * documented codes: reserved key prefixes (qcloud, tencent, project), empty and over-long keys and
 * values, and more than 10 resources or tags a request.
 */
import { describe, expect, it } from "vitest";
import { clientFor, emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";

describe("the emulator's Tag API", () => {
  it("answers each documented refusal with its documented code", async () => {
    const emu = await emulator({ modelCheck: false });
    const inst = emu.state.addInstance({ Region: GZ });
    const uin = emu.accounts.management.uin;
    const arn = (id = inst.InstanceId) => `qcs::cvm:${GZ}:uin/${uin}:instance/${id}`;
    const { client } = clientFor(emu, { retry: { maxAttempts: 1 } });
    const tag = (TagKey: string, TagValue = "v", ResourceList = [arn()]) =>
      client.call("tag", "TagResources", { ResourceList, Tags: [{ TagKey, TagValue }] }, { region: GZ }).then(
        () => "ok",
        (e: { code?: string }) => e.code,
      );
    expect(await tag("autopilot:auto-stop")).toBe("ok");
    // Reserved prefixes (the Tag use limits): not `qcs:`, which a key may start with.
    for (const k of ["qcloud:x", "tencent-x", "project", "QCloudX"])
      expect(await tag(k)).toBe("InvalidParameterValue.ReservedTagKey");
    expect(await tag("qcs:owner")).toBe("ok");
    expect(await tag("")).toBe("InvalidParameterValue.TagKeyEmpty");
    expect(await tag("k", "")).toBe("InvalidParameterValue.TagValueEmpty");
    expect(await tag("k".repeat(128))).toBe("InvalidParameterValue.TagKeyLengthExceeded");
    expect(await tag("k", "v".repeat(256))).toBe("InvalidParameterValue.TagValueLengthExceeded");
    expect(
      await tag(
        "k",
        "v",
        Array.from({ length: 11 }, () => arn()),
      ),
    ).toBe("LimitExceeded.ResourceNumPerRequest");
    const many = Array.from({ length: 11 }, (_, i) => ({ TagKey: `k${i}`, TagValue: "v" }));
    const tooMany = await client
      .call("tag", "TagResources", { ResourceList: [arn()], Tags: many }, { region: GZ })
      .catch((e: { code?: string }) => e.code);
    expect(tooMany).toBe("LimitExceeded.TagNumPerRequest");
    const untag = await client
      .call("tag", "UnTagResources", { ResourceList: [arn()], TagKeys: many.map((t) => t.TagKey) }, { region: GZ })
      .catch((e: { code?: string }) => e.code);
    expect(untag).toBe("LimitExceeded.TagNumPerRequest");
  });
});
