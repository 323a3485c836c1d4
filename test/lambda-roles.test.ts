/**
 * On Lambda each function runs as its own IAM role (lib/deploy/lambda-roles.ts), as on SCF:
 * it may invoke only itself. `serverless package` (run in CI) turns these into the stack's roles.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REGISTRY } from "../functions/registry.ts";
import { ROOT, serverlessFunctions } from "../lib/deploy/build.ts";
import { lambdaRoleId, serverlessRoles } from "../lib/deploy/lambda-roles.ts";

describe("one IAM role per Lambda function", () => {
  interface Statement {
    Action: string | string[];
    Resource: unknown;
  }
  type Role = { Properties: { Policies: Array<{ PolicyDocument: { Statement: Statement[] } }> } };
  const roles = serverlessRoles(REGISTRY).Resources as Record<string, Role>;
  const table = Object.fromEntries(REGISTRY.map((f) => [f.name, { aws: "cron(0 * * * ? *)" }]));
  const fns = serverlessFunctions(REGISTRY, table) as Record<string, { role: string }>;

  it("each function names its own role, and the roles are distinct", () => {
    expect(lambdaRoleId("auto-stop-idle")).toBe("AutoStopIdleRole");
    for (const f of REGISTRY) expect(roles[fns[f.name]!.role]).toBeDefined();
    expect(new Set(REGISTRY.map((f) => fns[f.name]!.role)).size).toBe(REGISTRY.length);
  });

  it("a function may invoke only itself, never another function or a wildcard", () => {
    for (const f of REGISTRY) {
      const statements = roles[lambdaRoleId(f.name)]!.Properties.Policies[0]!.PolicyDocument.Statement;
      const invoke = statements.filter((s) => JSON.stringify(s.Action).includes("lambda:"));
      expect(invoke).toHaveLength(1);
      const target = JSON.stringify(invoke[0]!.Resource);
      expect(target).toContain(`-${f.name}"`);
      expect(target).not.toContain("*");
    }
  });

  it("serverless.yml has no shared role and reads the generated ones", () => {
    const yml = readFileSync(join(ROOT, "serverless.yml"), "utf8");
    expect(yml).not.toMatch(/^\s+iam:/m);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Serverless Framework variable the template must carry
    expect(yml).toContain("${file(./dist/serverless-roles.json)}");
  });
});
