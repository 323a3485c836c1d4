/**
 * The chat room: a Slack-shaped incoming-webhook receiver on 127.0.0.1 that keeps every message
 * the functions send, with the links in it (Slack writes a link `<url|label>`, `&` as `&amp;`).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface ChatLink {
  url: string;
  label: string;
}

export interface ChatMessage {
  text: string;
  links: ChatLink[];
}

export interface ChatRoom {
  url: string;
  /** Messages received since the last call. */
  take(): ChatMessage[];
  stop(): Promise<void>;
}

const LINK = /<(https?:\/\/[^|>\s]+)\|([^>]*)>/g;

export async function startChat(): Promise<ChatRoom> {
  let inbox: ChatMessage[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        const text = String((JSON.parse(Buffer.concat(chunks).toString("utf8")) as { text?: unknown }).text ?? "");
        const links = [...text.matchAll(LINK)].map((m) => ({ url: m[1]!.replace(/&amp;/g, "&"), label: m[2]! }));
        inbox.push({ text, links });
        res.end("ok");
      } catch {
        res.writeHead(400).end("invalid_payload");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `slack+http://127.0.0.1:${port}/services/T0SIM/B0SIM/simsecret0123456789`,
    take: () => {
      const out = inbox;
      inbox = [];
      return out;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
