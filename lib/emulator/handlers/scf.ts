/** Serverless Cloud Function actions used by `cvm-autopilot deploy` (filled in with the deploy work). */
import type { Handler } from "./context.ts";

export const scfHandlers: Record<string, Handler> = {};
