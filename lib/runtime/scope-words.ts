/** Words the functions' scope lines and `touches` share, so the same thing is named the same way everywhere. */
import type { TagMatch } from "../config/parsers.ts";

/** Starting and stopping machines: what auto-stop, office-hours and a forced key binding all change. */
export const INSTANCE_POWER = "instance power";

/** A tag as people write it: `key=value`. */
export const tagText = (t: TagMatch) => `${t.key}=${t.value}`;
