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
  writeFileSync(
    join(home, ".tencentcloud", "credentials"),
    `[default]\nsecret_id = AKIDnotthisone0000000000000000000000\nsecret_key = nope\n\n; the one we want\n[work]\nsecret_id = ${emu.credentials.secretId}\nsecret_key = ${emu.credentials.secretKey}\n`,
  );
  mkdirSync(join(home, ".tccli"));
  writeFileSync(
    join(home, ".tccli", "ops.credential"),
    JSON.stringify({ secretId: emu.credentials.secretId, secretKey: emu.credentials.secretKey }),
  );
  writeFileSync(
    join(home, ".tccli", "ops.configure"),
    JSON.stringify({ _sys_param: { region: "ap-shanghai", output: "json" } }),
  );
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

  it('tccli\'s "None" for a blank field is missing: a clear error naming the field, never "None" sent as a key', async () => {
    const { emu, env } = await world();
    writeFileSync(
      join(env.HOME, ".tccli", "blank.credential"),
      JSON.stringify({ secretId: emu.credentials.secretId, secretKey: "None", token: "None" }),
    );
    const r = await runCli(["call", "DescribeZones", "--region", "ap-guangzhou"], {
      ...env,
      TENCENTCLOUD_PROFILE: "blank",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('~/.tccli/blank.credential has no secretKey (blank, or "None"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(emu.calls).toHaveLength(0);
    // A token of "None" with a real key: the key is used, no token sent.
    writeFileSync(
      join(env.HOME, ".tccli", "notoken.credential"),
      JSON.stringify({ secretId: emu.credentials.secretId, secretKey: emu.credentials.secretKey, token: "None" }),
    );
    writeFileSync(join(env.HOME, ".tccli", "notoken.configure"), JSON.stringify({ _sys_param: { region: "None" } }));
    const ok = await runCli(["call", "DescribeZones", "--region", "ap-guangzhou"], {
      ...env,
      TENCENTCLOUD_PROFILE: "notoken",
    });
    expect(ok.code, ok.stderr).toBe(0);
  });

  it("the environment's own key wins over a named profile", async () => {
    const { emu, env } = await world();
    const r = await runCli(["call", "DescribeZones", "--region", "ap-guangzhou", "--profile", "nope"], {
      ...env,
      TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
      TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
    });
    expect(r.code, r.stderr).toBe(0);
  });
});

describe("the CVM instance's role", () => {
  /** A stand-in for the instance metadata service, handing out the emulator's temporary credentials. */
  async function metadata(emu: Awaited<ReturnType<typeof emulator>>, role: string | undefined) {
    const { createServer } = await import("node:http");
    const asked: string[] = [];
    const server = createServer((req, res) => {
      asked.push(req.url ?? "");
      if (req.url === "/latest/meta-data/cam/security-credentials/")
        return res.writeHead(role ? 200 : 404).end(role ?? "");
      if (role && req.url === `/latest/meta-data/cam/security-credentials/${role}`) {
        const t = emu.accounts.issue("100000000001", 3600);
        return res.end(
          JSON.stringify({
            TmpSecretId: t.secretId,
            TmpSecretKey: t.secretKey,
            Token: t.token,
            ExpiredTime: Math.floor(t.expiresAtMs / 1000),
            Expiration: "",
            Code: "Success",
          }),
        );
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    return {
      url: `http://127.0.0.1:${port}/latest/meta-data/`,
      asked,
      close: () => new Promise<void>((r) => server.close(() => r())),
    };
  }

  it("CVM_AUTOPILOT_USE_CVM_ROLE=true takes the bound role's temporary credentials from the metadata service", async () => {
    const emu = await emulator();
    const md = await metadata(emu, "cvm-autopilot-instance");
    try {
      const r = await runCli(["call", "DescribeZones", "--region", "ap-guangzhou"], {
        CVM_AUTOPILOT_ENDPOINT: emu.url,
        CVM_AUTOPILOT_USE_CVM_ROLE: "true",
        CVM_AUTOPILOT_METADATA_URL: md.url,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(md.asked).toEqual([
        "/latest/meta-data/cam/security-credentials/",
        "/latest/meta-data/cam/security-credentials/cvm-autopilot-instance",
      ]);
      expect(emu.callsFor("DescribeZones")[0]!.account).toBe("100000000001");
    } finally {
      await md.close();
    }
  });

  it("no role bound: a clear error, not a stack trace", async () => {
    const emu = await emulator();
    const md = await metadata(emu, undefined);
    try {
      const r = await runCli(["call", "DescribeZones", "--region", "ap-guangzhou"], {
        CVM_AUTOPILOT_ENDPOINT: emu.url,
        CVM_AUTOPILOT_USE_CVM_ROLE: "true",
        CVM_AUTOPILOT_METADATA_URL: md.url,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("no CAM role is bound to this CVM instance");
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await md.close();
    }
  });
});
