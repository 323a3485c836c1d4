/** office-hours entry points: SCF `index.main_handler`, Lambda `index.handler`. */
import { makeHandlers } from "../../lib/platform/adapters.ts";
import { fromSpec } from "../../lib/runtime/entry.ts";
import spec from "./index.ts";

export const { main_handler, handler } = makeHandlers(fromSpec(spec));
