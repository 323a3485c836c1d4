/** Recorded-shape platform events, with a signed webhook body filled in. */
import { readFileSync } from "node:fs";
import { signWebhook } from "../../lib/webhook/verify.ts";

const load = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/events/${name}.json`, import.meta.url), "utf8"));

export const scfTimer = () => load("scf-timer");
export const eventBridge = () => load("lambda-eventbridge");

export function signedHeaders(secret: string, body: string, ts = Math.floor(Date.now() / 1000)) {
  return { "X-Autopilot-Timestamp": String(ts), "X-Autopilot-Signature": signWebhook(secret, ts, body) };
}

export function scfApigw(body: string, headers: Record<string, string>, path = "/run/auto-stop-idle") {
  const e = load("scf-apigw");
  return { ...e, path, body, headers: { ...e.headers, ...headers } };
}

export function httpApiV2(body: string, headers: Record<string, string>, path = "/run/auto-stop-idle") {
  const e = load("lambda-http-v2");
  return { ...e, rawPath: path, body, headers: { ...e.headers, ...headers } };
}

/** SCF's function URL event: API gateway's shape without requestContext, isBase64Encoded or the *Parameters fields (SCF's function URL docs). */
export function scfFunctionUrl(body: string, headers: Record<string, string>, path = "/run/auto-stop-idle") {
  const e = load("scf-function-url");
  return { ...e, path, body, headers: { ...e.headers, ...headers } };
}
