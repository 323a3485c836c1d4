/**
 * The HTTP transport reads a reply as it streams in (transport.ts decodes each chunk, for
 * memory): against a small local server that writes its body in pieces, a character whose UTF-8
 * bytes are split between two writes arrives whole, and a reply past the size limit is refused.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createTransport, MAX_REPLY_BYTES } from "../lib/tencent/transport.ts";

const stops: Array<() => void> = [];
afterEach(() => {
  for (const s of stops.splice(0)) s();
});

/** A server answering every POST with `write(res)`; its URL. */
async function serving(write: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => write(res));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  stops.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

const pause = () => new Promise((r) => setTimeout(r, 20));

describe("transport", () => {
  it("joins a reply written in pieces, a character split between two of them included", async () => {
    const text = JSON.stringify({ Response: { Message: "广州 → 上海", RequestId: "r-1" } });
    const bytes = Buffer.from(text, "utf8");
    // Inside 广's three bytes, and inside →'s.
    const cuts = [bytes.indexOf(Buffer.from("广")) + 1, bytes.indexOf(Buffer.from("→")) + 2];
    const writeInPieces = async (res: ServerResponse) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      let at = 0;
      for (const cut of cuts) {
        res.write(bytes.subarray(at, cut));
        at = cut;
        await pause();
      }
      res.end(bytes.subarray(at));
    };
    const url = await serving((res) => void writeInPieces(res));
    const reply = await createTransport(2).post(url, {}, "{}", 5000);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe(text);
  });

  it("refuses a reply larger than the limit, in words", async () => {
    const url = await serving((res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(Buffer.alloc(MAX_REPLY_BYTES + 1, 0x20));
    });
    await expect(createTransport(2).post(url, {}, "{}", 5000)).rejects.toMatchObject({
      name: "TransportError",
      code: "ETOOBIG",
    });
  });
});
