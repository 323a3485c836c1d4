/**
 * Tencent's published examples (`../shared/witness/tccli/`, one request and reply per action from
 * tccli's examples.json) as an independent witness, both ways:
 * - every published reply, served over HTTP, is read by our client and our typed readers
 *   (listings, function URLs, metric series, prices, the organization, the caller);
 * - every example request the emulator implements is answered by the emulator with the
 *   published reply's shape: no field the real reply lacks, and the same JSON type wherever both
 *   have a field.
 */
import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stubFunction, scfStore } from "../emulator/handlers/scf.ts";
import { alarmStore } from "../emulator/handlers/alarms.ts";
import { alarmingInstances } from "../lib/tencent/alarm-policies.ts";
import { ROOT } from "../lib/deploy/build.ts";
import { functionUrlIn } from "../lib/deploy/scf-deploy.ts";
import { callerAccount, organizationMembers } from "../lib/accounts/resolve.ts";
import { lookUpPrices } from "../lib/tencent/prices.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { getInstanceMetric } from "../lib/tencent/monitor.ts";
import { pointsOf } from "../lib/tencent/series.ts";
import { checkedRows } from "../lib/tencent/normalize.ts";
import { listAll, LISTINGS, type ListingAction } from "../lib/tencent/services.ts";
import { TencentCloudClient } from "../lib/tencent/client.ts";
import { clientFor, emulator } from "./helpers/world.ts";

const DIR = join(ROOT, "..", "shared", "witness", "tccli");
interface Witness {
  service: string;
  action: string;
  version: string;
  requestStyle: "query" | "json-post";
  request: Record<string, unknown>;
  response: { Response: Record<string, unknown> };
}
const WITNESSES: Witness[] = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .map((f) => JSON.parse(readFileSync(join(DIR, f), "utf8")) as Witness);
const key = (w: Witness) => `${w.service}.${w.action}`;

describe("published replies, read by our client and readers", () => {
  let url = "";
  let server: ReturnType<typeof createServer>;
  beforeAll(async () => {
    // Answers each action with its published reply, whatever was asked.
    server = createServer((req, res) => {
      const action = String(req.headers["x-tc-action"]);
      const service = /\/\d{4}-\d{2}-\d{2}\/([a-z]+)\/tc3_request/.exec(String(req.headers.authorization))?.[1];
      const w = WITNESSES.find((x) => x.action === action && x.service === service);
      req.resume();
      req.on("end", () =>
        res.writeHead(w ? 200 : 404, { "Content-Type": "application/json" }).end(w ? JSON.stringify(w.response) : "{}"),
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const client = () =>
    new TencentCloudClient({
      credentials: { secretId: "AKIDwitness000000000000000000000000", secretKey: "witnesswitnesswitnesswitness0000" },
      endpoint: url,
      logger: memoryLogger(),
      retry: { maxAttempts: 1 },
    });

  it.each(WITNESSES.map((w) => [key(w), w] as const))("%s", async (_k, w) => {
    const c = client();
    const res = await c.call(w.service as never, w.action, w.request, { region: "ap-guangzhou" });
    expect(res.RequestId).toBe(w.response.Response.RequestId);
    if (w.action in LISTINGS && w.service !== "region") {
      const listing = LISTINGS[w.action as ListingAction];
      const list = w.response.Response[listing.listKey] as unknown[];
      expect(checkedRows(w.action, "ap-guangzhou", listing.listKey, res as Record<string, unknown>).rows).toHaveLength(
        list.length,
      );
    }
  });

  it("readers on the awkward ones: a function URL, a price of 0, TotalCount past the rows, an empty series, the organization, the caller", async () => {
    const c = client();
    const triggers = WITNESSES.find((w) => key(w) === "scf.ListTriggers")!.response.Response.Triggers as Array<{
      TriggerDesc: string;
    }>;
    expect(functionUrlIn(triggers[0]!.TriggerDesc)).toBe(
      "https://1258888888-hulrzrbh9f.in.ap-chongqing.tencentscf.com",
    );
    // The price example answers 0 throughout: no price, never free.
    expect((await lookUpPrices(c, memoryLogger(), "ap-guangzhou", ["S5.MEDIUM4"], new Map())).size).toBe(0);
    // ListSecrets: TotalCount 3 with one row is the whole (filtered) listing, not a cut one.
    expect(await listAll(c, "ListSecrets", "ap-guangzhou", {})).toHaveLength(1);
    const series = await getInstanceMetric(c, "ap-guangzhou", "CpuUseRate", ["cdb-k5d6z7p0"], {
      start: new Date("2018-09-22T11:23:07Z"),
      end: new Date("2018-09-22T12:23:07Z"),
      period: 300,
    });
    expect(pointsOf(series.get("cdb-k5d6z7p0")!)).toEqual([]);
    // An alarm history: the instance from its Dimensions, a status written "2", TotalCount 10 with one row.
    const alarmed = await alarmingInstances(
      c,
      "ap-guangzhou",
      "policy-123456",
      new Date("2023-01-01T02:00:00Z"),
      30 * 86_400_000,
    );
    expect([...alarmed]).toEqual([["ins-123456", { first: 1672531200_000, region: "ap-guangzhou" }]]);
    expect((await organizationMembers(c, "ap-guangzhou")).length).toBeGreaterThan(0);
    // The published example masks the uin ("1000262***"); it is passed through as given.
    expect((await callerAccount(c, "ap-guangzhou")).uin).toBe(
      WITNESSES.find((w) => key(w) === "sts.GetCallerIdentity")!.response.Response.AccountId,
    );
  });
});

/** What a JSON value is, for comparing shapes. */
const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/**
 * Where the emulator's reply differs in shape from the published one: a field the published
 * reply lacks, or a shared field of another JSON type (null in the published reply matches
 * anything: the docs say such fields "may return null"). Arrays compare their first elements.
 */
function shapeDiff(ours: unknown, theirs: unknown, path: string, out: string[]): void {
  // null on either side: the models say such fields "may return null" (an instance without a public IP, a postpaid one's expiry).
  if (theirs === null || theirs === undefined || ours === null) return;
  if (typeOf(ours) !== typeOf(theirs)) {
    out.push(`${path}: ${typeOf(ours)} where the published reply has ${typeOf(theirs)}`);
    return;
  }
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    if (ours.length && theirs.length) shapeDiff(ours[0], theirs[0], `${path}[]`, out);
    return;
  }
  if (ours && typeof ours === "object") {
    for (const [k, v] of Object.entries(ours as Record<string, unknown>)) {
      if (!(k in (theirs as Record<string, unknown>))) out.push(`${path}.${k}: not in the published reply`);
      else shapeDiff(v, (theirs as Record<string, unknown>)[k], `${path}.${k}`, out);
    }
  }
}

/** A query-style example's values are strings ("Limit": "2"); sent as JSON they are numbers. */
const asJson = (w: Witness) =>
  w.requestStyle === "query"
    ? Object.fromEntries(
        Object.entries(w.request).map(([k, v]) => [k, typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v]),
      )
    : w.request;

/**
 * Examples that cannot run as published, each adapted as little as possible and why: their
 * resources are placeholders or slips, and the emulator checks what the real API checks.
 */
const ADAPT: Record<string, (r: Record<string, unknown>) => Record<string, unknown>> = {
  // A RoleId the emulator cannot know: the same request by name.
  "cam.GetRole": () => ({ RoleName: "cvm-autopilot" }),
  // One character too long for an image id (img- and 8).
  "cvm.DeleteImages": () => ({ ImageIds: ["img-34vaef8f"] }),
  // A placeholder key: a real OpenSSH RSA public key.
  "cvm.ImportKeyPair": (r) => ({
    ...r,
    PublicKey:
      "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDP0Yw2T4itUKOJQIK69c1Asy1UO88cxEbujR5Jbr0e/Ey1v4ZKAUzDnsBnFlf4hKPA1YvMB8RBYj4GcLtM7PrKnBNNram8rgl73X/klOO8oqKv+J/XUA7KHH1Y6wcn1RTRTMdDHbGhW1q/UpfeylNTbf+wEIWhEfaL5FKQm4hqCw== skey_45071",
  }),
  // A copy to the image's own region is not a sync: to the next region.
  "cvm.SyncImages": (r) => ({ ...r, DestinationRegions: ["ap-shanghai"] }),
  // Another product's namespace: the same request for CVM.
  "monitor.GetMonitorData": (r) => ({
    ...r,
    Namespace: "QCE/CVM",
    MetricName: "CPUUsage",
    Instances: [{ Dimensions: [{ Name: "InstanceId", Value: "ins-r8hr2upy" }] }],
    StartTime: undefined,
    EndTime: undefined,
  }),
  // A disk metric the emulator does not evaluate: the same policy on CPU.
  "monitor.CreateAlarmPolicy": (r) => ({
    ...r,
    Condition: {
      IsUnionRule: 1,
      Rules: [
        {
          MetricName: "CpuUsage",
          Period: 60,
          Operator: "ge",
          Value: "99.9",
          ContinuePeriod: 1,
          NoticeFrequency: 3600,
          IsPowerNotice: 0,
        },
      ],
    },
  }),
  // The query-style example flattens its tag ("Tag.Key"); as JSON it is an object.
  "monitor.BindingPolicyTag": (r) => ({
    Module: r.Module,
    GroupId: r.GroupId,
    PolicyId: r.PolicyId,
    ServiceType: r.ServiceType,
    Tag: { Key: r["Tag.Key"], Value: r["Tag.Value"] },
  }),
  // Times from 2020: the last day instead, so a row is there to compare.
  "monitor.DescribeAlarmHistories": (r) => ({ ...r, StartTime: undefined, EndTime: undefined }),
  // Code from COS the emulator does not have: a zip in the request.
  "scf.CreateFunction": (r) => ({
    ...r,
    FunctionName: "fn-witness",
    Handler: "index.main_handler",
    Code: { ZipFile: MINI_ZIP },
  }),
  "scf.UpdateFunctionCode": (r) => ({ FunctionName: r.FunctionName, Handler: r.Handler, ZipFile: MINI_ZIP }),
  // "*/2****": the example lost its spaces; the 7-field cron it means.
  "scf.CreateTrigger": (r) => ({
    ...r,
    FunctionName: "fn-witness",
    TriggerName: "every2",
    TriggerDesc: "0 */2 * * * * *",
  }),
};
/** A zip of one empty index.js, base64 (fflate's zipSync): what a code upload carries. */
const MINI_ZIP =
  "UEsDBBQAAAAIAFSPgl0AAAAAAgAAAAAAAAAIAAAAaW5kZXguanMDAFBLAQIUABQAAAAIAFSPgl0AAAAAAgAAAAAAAAAIAAAAAAAAAAAAAAAAAAAAAABpbmRleC5qc1BLBQYAAAAAAQABADYAAAAoAAAAAAA=";

/** Actions the emulator does not implement (auto-stop's alarm mode reads histories, not the basic alarm list). */
const NOT_EMULATED = new Set(["monitor.DescribeBasicAlarmList"]);

describe("the emulator answers each published request with the published reply's shape", () => {
  const cases = WITNESSES.filter((w) => !NOT_EMULATED.has(key(w)));
  it.each(cases.map((w) => [key(w), w] as const))("%s", async (_k, w) => {
    // The example's account and role, so AssumeRole has something to assume.
    const emu = await emulator({
      regions: ["ap-guangzhou", "ap-shanghai"],
      accounts: [{ uin: "100015158414", roles: ["readOnlyRole"] }],
      modelCheck: false,
    });
    seed(emu, w);
    const { client } = clientFor(emu, { retry: { maxAttempts: 1 } });
    const params = ADAPT[key(w)]?.(asJson(w)) ?? asJson(w);
    const res = await client.call(
      w.service as never,
      w.action,
      Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)),
      { region: "ap-guangzhou" },
    );
    const diff: string[] = [];
    const { RequestId: _r, ...ours } = res as Record<string, unknown>;
    if (w.action === "DescribeAlarmHistories") expect((ours.Histories as unknown[]).length).toBe(1);
    shapeDiff(ours, w.response.Response, "Response", diff);
    expect(diff).toEqual([]);
  });
});

/** The resources an example request names, made in the emulator so the request can succeed. */
function seed(emu: Awaited<ReturnType<typeof emulator>>, w: Witness) {
  const r = w.request;
  const region = "ap-guangzhou";
  const s = emu.state;
  const ids = (k: string) => (Array.isArray(r[k]) ? (r[k] as string[]) : []);
  const state = ["StartInstances", "AssociateInstancesKeyPairs", "DisassociateInstancesKeyPairs"].includes(w.action)
    ? "STOPPED"
    : "RUNNING";
  for (const id of ids("InstanceIds"))
    s.addInstance({
      Region: region,
      InstanceId: id,
      InstanceState: state,
      InstanceChargeType: w.action === "ModifyInstancesRenewFlag" ? "PREPAID" : "POSTPAID_BY_HOUR",
    });
  for (const id of ids("KeyIds")) {
    const k = s.addKeyPair({
      Region: region,
      KeyName: `k${id.slice(5)}`,
      PublicKey: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ k",
    });
    s.keyPairs.delete(k.KeyId);
    s.keyPairs.set(id, { ...k, KeyId: id });
    if (w.action === "DisassociateInstancesKeyPairs")
      for (const i of ids("InstanceIds")) s.bindKeys(s.instances.get(i)!, [id]);
  }
  for (const id of ids("ImageIds")) s.addImage({ Region: region, ImageId: id, ImageType: "PRIVATE_IMAGE" });
  if (w.action === "DeleteImages") s.addImage({ Region: region, ImageId: "img-34vaef8f", ImageType: "PRIVATE_IMAGE" });
  const policy = (id: string, origin = "1") =>
    alarmStore(s).policies.set(id, {
      PolicyId: id,
      OriginId: origin,
      PolicyName: "witness",
      Remark: "",
      Namespace: "cvm_device",
      Enable: 1,
      ProjectId: 0,
      IsUnionRule: 1,
      Rules: [],
      tags: [],
      tagOperation: "",
      InsertTime: 0,
    });
  if (w.action === "BindingPolicyTag") policy(String(r.PolicyId), String(r.GroupId));
  // The policies the example deletes.
  if (w.action === "DeleteAlarmPolicy") for (const id of ids("PolicyIds")) policy(id);
  if (w.action === "DescribeAlarmHistories") {
    // An idle machine bound to an idle policy: one alarm in the last day.
    alarmStore(s).policies.set("policy-123456", {
      PolicyId: "policy-123456",
      OriginId: "1234567890",
      PolicyName: "witness",
      Remark: "",
      Namespace: "cvm_device",
      Enable: 1,
      ProjectId: 0,
      IsUnionRule: 1,
      Rules: [{ MetricName: "CpuUsage", Period: 300, Operator: "lt", Value: "5", ContinuePeriod: 2 }],
      tags: [{ Key: "k", Value: "v" }],
      tagOperation: "",
      InsertTime: 0,
    });
    s.addInstance({
      Region: region,
      InstanceId: "ins-12345678",
      Tags: [{ Key: "k", Value: "v" }],
      profile: { cpu: 1, traffic: 0 },
    });
  }
  if (w.action === "GetMonitorData") s.addInstance({ Region: region, InstanceId: "ins-r8hr2upy" });
  if (w.action === "CreateTrigger") {
    const fns = scfStore.get(s) ?? new Map();
    scfStore.set(s, fns);
    fns.set(`${region}/default/fn-witness`, stubFunction("fn-witness"));
  }
  if (w.action === "DescribeImages")
    s.addImage({ Region: region, ImageId: "img-9qabwvbn", ImageType: "PRIVATE_IMAGE" });
  if (w.action === "DescribeKeyPairs")
    s.addKeyPair({ Region: region, KeyName: "MyKeyPair", PublicKey: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ k" });
  if (w.action === "DescribeInstances")
    s.addInstance({ Region: region, Placement: { Zone: "ap-guangzhou-3", ProjectId: 0 } });
  if (w.service === "ssm" && typeof r.SecretName === "string" && w.action !== "CreateSecret") {
    const status = w.action === "DeleteSecret" ? "Disabled" : "Enabled";
    const version = typeof r.VersionId === "string" && w.action !== "PutSecretValue" ? r.VersionId : "v1";
    s.secrets.set(`${region}/${r.SecretName}`, {
      Region: region,
      SecretName: r.SecretName,
      Description: "",
      CreateTime: 0,
      Status: status,
      versions: new Map([[version, "x"]]),
      Tags: [],
    });
  }
  if (w.action === "ListSecrets")
    s.secrets.set(`${region}/s1`, {
      Region: region,
      SecretName: "s1",
      Description: "",
      CreateTime: 0,
      Status: "Enabled",
      versions: new Map([["v1", "x"]]),
      Tags: [],
    });
  if (w.service === "scf" && typeof r.FunctionName === "string" && w.action !== "CreateFunction") {
    const fns = scfStore.get(s) ?? new Map();
    scfStore.set(s, fns);
    const f = stubFunction(r.FunctionName);
    f.triggers.set("test3", {
      Type: "timer",
      TriggerName: "test3",
      TriggerDesc: "0 */2 * * * * *",
      Enable: 1,
      AddTime: "2021-06-09 16:07:18",
    });
    fns.set(`${region}/default/${r.FunctionName}`, f);
  }
}
