/**
 * Reading the emulator's log of calls from outside: which calls wrote, to which machines. The log
 * is emptied as it is read, so a month of calls is never held.
 */
import type { CallRecord, Emulator } from "../emulator/server.ts";

export interface Write {
  action: string;
  /** Machines the call names. */
  ids: string[];
  /** Tag keys and values a tag write carries. */
  tags: Array<{ key: string; value?: string }>;
  /** The type a ResetInstancesType asked for. */
  instanceType?: string | undefined;
  time: number;
}

const READS = /^(Describe|Get|List|Inquiry|Inquire|Query|Lookup)/;
const INSTANCE = /ins-[a-z0-9]{8}/g;
const UNHANDLED = new Set(["drop", "http5xx", "nonJson", "truncate", "body", "error"]);

/** Whether an action writes (anything that is not a read, by the API's naming). */
export const writes = (action: string | undefined) => action !== undefined && !READS.test(action);

function tagsOf(params: Record<string, unknown>): Write["tags"] {
  const add = (params.Tags ?? []) as Array<{ TagKey?: string; TagValue?: string }>;
  const remove = (params.TagKeys ?? []) as string[];
  return [
    ...(Array.isArray(add) ? add.map((t) => ({ key: String(t.TagKey), value: String(t.TagValue) })) : []),
    ...(Array.isArray(remove) ? remove.map((k) => ({ key: String(k) })) : []),
  ];
}

export interface CallView {
  /** Writes that succeeded. */
  writes: Write[];
  /** Machines each successful GetMonitorData asked about. */
  queried: Set<string>;
  /** Machines any GetMonitorData that reached the emulator asked about, refused or not (what a run admitted). */
  asked: Set<string>;
  /** Every call, for the record (action and code). */
  all: CallRecord[];
}

/** Takes the calls logged since the last take. */
export function takeCalls(emu: Emulator): CallView {
  const all = emu.calls.splice(0);
  const out: CallView = { writes: [], queried: new Set(), asked: new Set(), all };
  for (const c of all) {
    if (c.action === "GetMonitorData")
      for (const id of JSON.stringify(c.params ?? {}).match(INSTANCE) ?? []) out.asked.add(id);
    // A call refused, dropped or answered with a broken body never reached the handler: nothing was written.
    if (c.code || (c.fault && UNHANDLED.has(c.fault))) continue;
    const params = (c.params ?? {}) as Record<string, unknown>;
    const ids = [...new Set(JSON.stringify(params).match(INSTANCE) ?? [])];
    if (c.action === "GetMonitorData") for (const id of ids) out.queried.add(id);
    if (writes(c.action))
      out.writes.push({
        action: c.action!,
        ids,
        tags: tagsOf(params),
        instanceType: typeof params.InstanceType === "string" ? params.InstanceType : undefined,
        time: c.time,
      });
  }
  return out;
}
