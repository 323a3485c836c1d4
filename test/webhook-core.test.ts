/** One webhook core: SCF, Lambda and serve answer the same request the same way. */
import { describe, expect, it } from "vitest";
import { FUNCTIONS, REGISTRY } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { makeHandlers, type HttpReply } from "../lib/host/adapters.ts";
import { startLocalServer } from "../lib/host/local-server.ts";
import { httpApiV2, scfApigw } from "./helpers/events.ts";
import { envFor } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

const SECRET = "core-secret-0123456789abcdef0123456789abcdef";

describe("one webhook core", () => {
  it("an unsigned POST is refused with the same status and words on SCF, Lambda and serve, and logged on each", async () => {
    const emu = await emulator();
    const env = { ...envFor(emu), WEBHOOK_SECRET: SECRET, SERVE_FUNCTIONS: "auto-stop-idle" };
    const logs = [memoryLogger(), memoryLogger(), memoryLogger()];
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env, logger: logs[0] });
    const h2 = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env, logger: logs[1] });
    const scf = (await h.main_handler(scfApigw("{}", {}), { request_id: "r1" })) as HttpReply;
    const lambda = (await h2.handler(httpApiV2("{}", {}), { awsRequestId: "r2" })) as HttpReply;
    const server = await startLocalServer({
      functions: REGISTRY,
      env,
      port: 0,
      logger: logs[2]!,
      say: () => undefined,
      schedules: false,
    });
    try {
      const res = await fetch(`${server.url}/run/auto-stop-idle`, { method: "POST", body: "{}" });
      const served = { statusCode: res.status, body: await res.text() };
      expect([scf.statusCode, lambda.statusCode, served.statusCode]).toEqual([401, 401, 401]);
      expect(new Set([scf.body, lambda.body, served.body]).size).toBe(1);
      for (const l of logs) expect(l.records().some((r) => r.msg === "webhook refused" && r.status === 401)).toBe(true);
      expect((await fetch(`${server.url}/run/nope`, { method: "POST", body: "{}" })).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
