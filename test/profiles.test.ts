/** Credentials from the SDK's and tccli's profile files, chosen by name, never picked up unasked. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.ts";
import { emulator } from "./helpers/world.ts";

async function world() {
  const emu = await emulator();
  const home = mkdtempSync(join(tmpdir(), "autopilot-home-"));
  mkdirSync(join(home, ".tencentcloud"));
  writeFileSync(join(home, ".tencentcloud", "credentials"), `[default]\nsecret_id = AKIDnotthisone0000000000000000000000\nsecret_key = nope\n\n; the one we want\n[work]\nsecret_id = ${emu.credentials.secretId}\nsecret_key = ${emu.credentials.secretKey}\n`);
  mkdirSync(join(home, ".tccli"));
  writeFileSync(join(home, ".tccli", "ops.credential"), JSON.stringify({ secretId: emu.credentials.secretId, secretKey: emu.credentials.secretKey }));
  writeFileSync(join(home, ".tccli", "ops.configure"), JSON.stringify({ _sys_param: { region: "ap-shanghai", output: "json" } }));
  return { emu, env: { HOME: home, CVM_AUTOPILOT_ENDPOINT: emu.url } };
}

describe("credentials profiles", () => {
  it("--profile reads the SDK's ~/.tencentcloud/credentials section of that name", async () => {
    const { emu, env } = await world();
    const r = await runCli(["call", "DescribeZones", "--region", "ap-guangzhou", "--profile", "work"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(emu.callsFor("DescribeZones")[0]!.account).toBe("100000000001");
  });

  it("TENCENTCLOUD_PROFILE reads tccli's ~/.tccli/<name>.credential, and its region from <name>.configure", async () => {
    const { emu, env } = await world();
    const r = await runCli(["call", "DescribeZones"], { ...env, TENCENTCLOUD_PROFILE: "ops" });
    expect(r.code, r.stderr).toBe(0);
    expect(emu.callsFor("DescribeZones")[0]!.region).toBe("ap-shanghai");
  });

  it("a profile that is not there is a config error naming both places; none named, no file is read", async () => {
    const { env } = await world();
    const missing = await runCli(["call", "DescribeZones", "--region", "ap-guangzhou", "--profile", "nope"], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('TENCENTCLOUD_PROFILE: no profile "nope"');
    const unnamed = await runCli(["call", "DescribeZones", "--region", "ap-guangzhou"], env);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain("TENCENTCLOUD_SECRET_ID: required");
  });

  it("the environment's own key wins over a named profile", async () => {
    const { emu, env } = await world();
    const r = await runCli(["call", "DescribeZones", "--region", "ap-guangzhou", "--profile", "nope"], { ...env, TENCENTCLOUD_SECRET_ID: emu.credentials.secretId, TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey });
    expect(r.code, r.stderr).toBe(0);
  });
});
