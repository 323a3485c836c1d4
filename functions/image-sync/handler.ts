/** image-sync entry points: SCF `index.main_handler`, Lambda `index.handler`. */
import { makeHandlers } from "../../lib/platform/adapters.ts";
import fn from "./entry.ts";

export const { main_handler, handler } = makeHandlers(fn);
