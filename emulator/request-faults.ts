/**
 * The injected faults a request meets (faults.ts picks them), applied in the request's pipeline:
 * some answer in place of the API (HTTP 5xx, non-JSON, a dropped connection), some change the
 * world first (a listing shifted, an instance's state moved), and some alter the reply after.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiFault } from "./api-fault.ts";
import { checkSignedAt } from "./auth.ts";
import type { FaultRule } from "./faults.ts";
import type { EmulatorState } from "./state.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FaultedRequest {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  action: string;
  region: string | undefined;
  params: Record<string, unknown>;
  /** The signed timestamp (s): a request held past its validity is refused when it arrives. */
  signedAt: number;
  latencyMs: number | undefined;
  send(res: ServerResponse, status: number, body: string, type?: string): void;
}

/**
 * Applies the faults in order: "answered" when one answered the request itself (nothing more is
 * to be sent), else the rules that alter the reply once the handler has made it. An `error` fault
 * throws its ApiFault.
 */
export async function applyFaults(
  faults: FaultRule[],
  r: FaultedRequest,
  state: EmulatorState,
  record: { fault?: string | undefined },
): Promise<FaultRule[] | "answered"> {
  const after: FaultRule[] = [];
  for (const f of faults) {
    record.fault = f.kind;
    if (f.kind === "omit" || f.kind === "dropPoints") after.push(f);
    else if (await answers(f, r, state.now)) return "answered";
    else changeWorld(f, r, state);
  }
  return after;
}

/** The faults that answer in place of the API: true when the request is answered (or its connection dropped). */
async function answers(f: FaultRule, r: FaultedRequest, now: () => number): Promise<boolean> {
  const { res, send } = r;
  switch (f.kind) {
    case "drop":
      r.req.socket.destroy();
      return true;
    case "http5xx":
      if (r.latencyMs) await sleep(r.latencyMs);
      if (f.retryAfter !== undefined) res.setHeader("Retry-After", f.retryAfter);
      send(res, f.status ?? 503, f.status === 429 ? "Too Many Requests" : "Service Unavailable", "text/plain");
      return true;
    case "nonJson":
      send(res, 200, "<html><body>502 Bad Gateway</body></html>", "text/html");
      return true;
    case "truncate":
      send(res, 200, `{"Response":{"RequestId":"${r.requestId}","Inst`);
      return true;
    case "body":
      send(res, f.status ?? 200, f.body ?? "");
      return true;
    case "slow": {
      // The request arrives late, as one held up on the way does: after delayMs of real time or of
      // the emulator's clock, whichever passes first (a caller that waits by moving the clock, a
      // test's polls, finds it carried out after its wait), or when `until` says. Arriving past its
      // signature's validity, it is refused as any such request is (auth.ts): the bound a caller
      // relies on to know a request it never had an answer to can no longer be carried out.
      const ms = f.delayMs ?? 2000;
      const realEnd = Date.now() + ms;
      const clockEnd = now() + ms;
      while (!f.until?.() && Date.now() < realEnd && now() < clockEnd) await sleep(Math.min(5, ms));
      checkSignedAt(r.signedAt, Math.floor(now() / 1000));
      return false;
    }
    case "error":
      throw new ApiFault(f.code ?? "InternalError", f.message ?? "Injected fault.");
    default:
      return false;
  }
}

/** The faults that change the world before the handler sees it: a listing shifted, an instance's state moved. */
function changeWorld(f: FaultRule, r: FaultedRequest, state: EmulatorState): void {
  if (f.kind === "shiftListing") state.shiftListing(r.action, r.region ?? "", f.shift ?? "remove");
  if (f.kind === "stateChange") {
    const id = Array.isArray(r.params.InstanceIds) ? String(r.params.InstanceIds[0]) : undefined;
    const inst = id ? state.instances.get(id) : undefined;
    if (inst) {
      inst.InstanceState = f.toState ?? "STOPPED";
      inst.transition = undefined;
    }
  }
}
