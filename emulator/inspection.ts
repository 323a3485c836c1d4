/**
 * `/_emulator/*`: what tests and people use to look inside the emulator and steer it — its state,
 * the calls it received, fault rules, and its clock. Never part of the API it emulates.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FaultInjector, FaultRule } from "./faults.ts";
import type { EmulatorState } from "./state.ts";
import { publicImage, publicInstance, publicKeyPair } from "./views.ts";
import { scfStore, stubFunction, type EmuFunction } from "./handlers/scf.ts";

export interface InspectionDeps {
  state: EmulatorState;
  faults: FaultInjector;
  calls: unknown[];
  now: () => number;
  advance: (ms: number) => void;
  send: (res: ServerResponse, status: number, body: string) => void;
}

export function inspection({ state, faults, calls, now, advance, send }: InspectionDeps) {
  return async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const path = new URL(req.url ?? "/", "http://x").pathname.replace(/^\/_emulator/, "");
    const json = () => (body.length ? JSON.parse(body.toString("utf8")) : {});
    if (path === "/health") return send(res, 200, JSON.stringify({ ok: true }));
    if (path === "/state") return send(res, 200, JSON.stringify(stateView(state)));
    if (path === "/calls" && req.method === "DELETE") {
      calls.length = 0;
      return send(res, 200, "{}");
    }
    if (path === "/calls") return send(res, 200, JSON.stringify(calls));
    if (path === "/faults") return send(res, 200, faultRules(faults, req.method, json));
    // A deployed function to invoke (a fan-out benchmark's coordinator invokes itself), and what it was sent.
    if (path === "/functions" && req.method === "POST") {
      addFunction(state, json() as { region?: string; namespace?: string; name: string });
      return send(res, 200, "{}");
    }
    if (path === "/invocations") return send(res, 200, JSON.stringify(invocations(state, req.method === "DELETE")));
    if (path === "/clock" && req.method === "POST") {
      advance(Number((json() as { advanceMs?: number }).advanceMs ?? 0));
      return send(res, 200, JSON.stringify({ now: new Date(now()).toISOString() }));
    }
    return send(res, 404, JSON.stringify({ error: `no inspection endpoint ${path}` }));
  };
}

/** `/state`: every resource as the API would show it now, with the region and the profile behind it. */
function stateView(state: EmulatorState) {
  return {
    regions: state.regions,
    instances: [...state.instances.values()].map((i) => ({
      ...publicInstance(state.settle(i)),
      Region: i.Region,
      profile: i.profile,
    })),
    images: [...state.images.values()].map((i) => ({ ...publicImage(state.settle(i)), Region: i.Region })),
    keyPairs: [...state.keyPairs.values()].map((k) => ({ ...publicKeyPair(k), Region: k.Region })),
    secrets: [...state.secrets.values()].map((s) => ({
      Region: s.Region,
      SecretName: s.SecretName,
      Versions: [...s.versions.keys()],
    })),
    // GetMonitorData calls answered per billing month, against the free tier.
    monitorCalls: Object.fromEntries(state.monitorCalls),
  };
}

/** `/faults`: DELETE clears the rules, POST adds some (re-seeded when a seed is given); every method answers the rules. */
function faultRules(faults: FaultInjector, method: string | undefined, json: () => unknown): string {
  if (method === "DELETE") {
    faults.clear();
    return "{}";
  }
  if (method === "POST") {
    const { rules = [], seed } = json() as { rules?: FaultRule[]; seed?: number };
    if (seed !== undefined) faults.clear(seed);
    faults.add(...rules);
  }
  return JSON.stringify({ rules: faults.list() });
}

/** `/functions`: a stub SCF function, so an invocation of it is recorded, not refused. */
function addFunction(state: EmulatorState, fn: { region?: string; namespace?: string; name: string }): void {
  const { region = "ap-guangzhou", namespace = "default", name } = fn;
  const fns = scfStore.get(state) ?? new Map<string, EmuFunction>();
  scfStore.set(state, fns);
  fns.set(`${region}/${namespace}/${name}`, stubFunction(name, namespace));
}

/** `/invocations`: what every stub function was sent (and, on DELETE, forgotten after it is read). */
function invocations(state: EmulatorState, clear: boolean) {
  const all = [...(scfStore.get(state)?.values() ?? [])].flatMap((f) =>
    (f.invocations ?? []).map((i) => ({ function: f.FunctionName, ...i })),
  );
  if (clear) for (const f of scfStore.get(state)?.values() ?? []) f.invocations = [];
  return all;
}
