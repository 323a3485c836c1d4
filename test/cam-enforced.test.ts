/**
 * The emulator enforces CAM: a sub-user's key, or an assumed role's, may call only what its
 * policy allows (emulator/cam.ts). Every function test runs as a sub-user holding only its
 * function's own policy (test/helpers/functions.ts), so this file checks the enforcement itself.
 */
import { describe, expect, it } from "vitest";
import { camAllows, type CamPolicy } from "../emulator/cam.ts";
import type { Emulator } from "../emulator/server.ts";
import { FUNCTIONS } from "../functions/registry.ts";
import { camPolicyFor } from "../lib/deploy/cam-policy.ts";
import { api } from "../lib/tencent/services.ts";
import { clientFor, emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
let emu: Emulator;

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
};

describe("CAM policies as the emulator reads them", () => {
  const policy = (statement: CamPolicy["statement"]): CamPolicy => ({ version: "2.0", statement });
  it.each([
    ["an exact action", [{ effect: "allow", action: ["cvm:StopInstances"] }], "cvm", "StopInstances", true],
    ["a prefix wildcard", [{ effect: "allow", action: "cvm:Describe*" }], "cvm", "DescribeInstances", true],
    [
      "a prefix wildcard, another action",
      [{ effect: "allow", action: "cvm:Describe*" }],
      "cvm",
      "StopInstances",
      false,
    ],
    ["another service", [{ effect: "allow", action: ["tag:*"] }], "cvm", "DescribeInstances", false],
    ["everything", [{ effect: "allow", action: "*" }], "monitor", "GetMonitorData", true],
    ["service names in any case", [{ effect: "allow", action: "CVM:StopInstances" }], "cvm", "StopInstances", true],
    [
      "a deny wins over an allow",
      [
        { effect: "allow", action: "cvm:*" },
        { effect: "deny", action: "cvm:Stop*" },
      ],
      "cvm",
      "StopInstances",
      false,
    ],
    ["nothing allowed", [], "cvm", "DescribeInstances", false],
  ] as const)("%s", (_n, statement, service, action, allowed) => {
    expect(camAllows(policy(statement as unknown as CamPolicy["statement"]), service, action)).toBe(allowed);
  });
});

describe("the emulator refuses what a key's policy does not allow", () => {
  it("renew-flag's own policy reads instances but cannot stop one", async () => {
    emu = await emulator();
    const m = emu.state.addInstance({ Region: GZ });
    const user = emu.accounts.addUser(emu.accounts.management.uin, camPolicyFor(FUNCTIONS["renew-flag"]!));
    const cvm = api(clientFor(emu, { credentials: user }).client);
    expect(await codeOf(cvm.describeInstances(GZ, { InstanceIds: [m.InstanceId] }))).toBe("ok");
    expect(await codeOf(cvm.stopInstances(GZ, { InstanceIds: [m.InstanceId] }))).toBe(
      "AuthFailure.UnauthorizedOperation",
    );
    expect(emu.state.settle(emu.state.instances.get(m.InstanceId)!).InstanceState).toBe("RUNNING");
  });

  it("an assumed role's policy limits its temporary credentials; the root key is not limited", async () => {
    emu = await emulator();
    const m = emu.state.addInstance({ Region: GZ });
    const root = api(clientFor(emu).client);
    const uin = emu.accounts.management.uin;
    emu.accounts.management.rolePolicies = new Map([
      ["cvm-autopilot", { version: "2.0", statement: [{ effect: "allow", action: ["cvm:Describe*"] }] }],
    ]);
    const { Credentials: c } = await root.assumeRole(GZ, {
      RoleArn: `qcs::cam::uin/${uin}:roleName/cvm-autopilot`,
      RoleSessionName: "cam-test",
    });
    const assumed = api(
      clientFor(emu, { credentials: { secretId: c.TmpSecretId, secretKey: c.TmpSecretKey, token: c.Token } }).client,
    );
    expect(await codeOf(assumed.describeInstances(GZ, {}))).toBe("ok");
    expect(await codeOf(assumed.stopInstances(GZ, { InstanceIds: [m.InstanceId] }))).toBe(
      "AuthFailure.UnauthorizedOperation",
    );
    expect(await codeOf(root.stopInstances(GZ, { InstanceIds: [m.InstanceId] }))).toBe("ok");
  });
});
