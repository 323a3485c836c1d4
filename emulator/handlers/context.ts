import type { EmulatorState } from "../state.ts";

export interface HandlerContext {
  state: EmulatorState;
  region: string;
  params: Record<string, unknown>;
  /** The caller's account uin (the emulator serves several). */
  account?: string | undefined;
  /** The request's RequestId: an instance operation records it as LatestOperationRequestId. */
  requestId?: string | undefined;
  /** Temporary credentials for an execution role SCF may assume in the caller's account, or undefined (SCF injects none then). */
  roleCredentials?: ((role: string) => { secretId: string; secretKey: string; token: string } | undefined) | undefined;
}

/** An action's behaviour: returns the Response fields (RequestId is added by the server) or throws ApiFault. */
export type Handler = (ctx: HandlerContext) => Record<string, unknown>;
