/**
 * Our code against the official models' own lists (issue 15): every filter name we send and every
 * enum value we compare with or send is one the model's doc comments list, and the request
 * recorder rejects what the model does not define. The models are an independent witness: when
 * our code and our emulator agree, this says whether the real API agrees too.
 */
import { describe, expect, it } from "vitest";
import { scopeQueries } from "../functions/auto-stop-idle/queries.ts";
import { loadConfig } from "../functions/auto-stop-idle/config.ts";
import { DELETABLE, IN_PROGRESS } from "../functions/image-sync/plan.ts";
import { RENEW_FLAGS } from "../lib/tencent/data-types.ts";
import { filterAllowed, filterNames, interfaceFields } from "./helpers/models.ts";
import { modelViolations } from "./helpers/recorder.ts";

const docOf = (service: string, iface: string, field: string) =>
  interfaceFields(service, iface)?.find((f) => f.name === field)?.doc ?? "";
const policy = (env: Record<string, string> = {}) =>
  loadConfig({
    TENCENTCLOUD_SECRET_ID: "a",
    TENCENTCLOUD_SECRET_KEY: "bbbbbbbb",
    TENCENTCLOUD_REGION: "ap-guangzhou",
    ...env,
  }).policy;

describe("filters we send are ones the models list", () => {
  it.each([
    [
      "auto-stop-idle scope",
      "DescribeInstances",
      scopeQueries(policy({ AUTO_STOP_INCLUDE_TAGS: "env=dev,team=web", AUTO_STOP_PROJECTS: "0,1001" })).flatMap((q) =>
        q.map((f) => f.Name),
      ),
    ],
    ["key-rotation scope", "DescribeInstances", ["tag-key"]],
    ["key-rotation lookup by name", "DescribeKeyPairs", ["key-name"]],
    ["image-sync sources", "DescribeImages", ["image-type", "tag:autopilot:sync"]],
    ["renew-flag scope", "DescribeInstances", ["instance-charge-type"]],
  ])("%s (%s)", (_what, action, names) => {
    const allowed = filterNames("cvm", action);
    expect(allowed.length).toBeGreaterThan(3);
    for (const n of names) expect(filterAllowed(allowed, n), `${n} on ${action}`).toBe(true);
  });

  it("DescribeInstances has no image-id filter (DescribeImages has)", () => {
    expect(filterNames("cvm", "DescribeInstances")).not.toContain("image-id");
    expect(filterNames("cvm", "DescribeImages")).toContain("image-id");
  });
});

describe("enum values we use are ones the models list", () => {
  it.each([
    ["ImageState (deletable and in-progress states)", "cvm", "Image", "ImageState", [...DELETABLE, ...IN_PROGRESS]],
    ["RenewFlag", "cvm", "ModifyInstancesRenewFlagRequest", "RenewFlag", [...RENEW_FLAGS]],
    ["StoppedMode", "cvm", "StopInstancesRequest", "StoppedMode", ["STOP_CHARGING", "KEEP_CHARGING"]],
    ["StopType", "cvm", "StopInstancesRequest", "StopType", ["SOFT", "HARD", "SOFT_FIRST"]],
    [
      "InstanceState (the model lists it on InstanceStatus)",
      "cvm",
      "InstanceStatus",
      "InstanceState",
      ["RUNNING", "STOPPED", "STOPPING", "STARTING", "PENDING"],
    ],
    ["InstanceChargeType", "cvm", "Instance", "InstanceChargeType", ["POSTPAID_BY_HOUR", "PREPAID"]],
  ])("%s", (_what, service, iface, field, values) => {
    const doc = docOf(service, iface, field);
    expect(doc.length).toBeGreaterThan(0);
    for (const v of values) expect(doc, `${field} ${v}`).toMatch(new RegExp(`\\b${v}\\b`));
  });
});

describe("the request recorder", () => {
  it("rejects a parameter or a filter the model does not define", () => {
    expect(
      modelViolations({
        service: "cvm",
        action: "DescribeInstances",
        params: { Filters: [{ Name: "image-id", Values: ["img-1"] }] },
      }),
    ).toEqual(["DescribeInstances: filter image-id is not one the official model lists"]);
    expect(
      modelViolations({
        service: "cvm",
        action: "StopInstances",
        params: { InstanceIds: ["ins-1"], StopMode: "SOFT" },
      }),
    ).toEqual(["StopInstances: parameter StopMode is not in the official model"]);
    expect(
      modelViolations({
        service: "cvm",
        action: "StopInstances",
        params: { InstanceIds: ["ins-1"], StoppedMode: "STOP_CHARGING" },
      }),
    ).toEqual([]);
  });
});
