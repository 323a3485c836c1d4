/**
 * The request recorder: every request any test sends to an emulator started through
 * `emulator()` is checked against the official model of its action — a parameter the model does
 * not define, or a filter name its `Filters` doc does not list, fails the test that sent it
 * (issue 15). This is what catches an `image-id` filter on DescribeInstances the day it is written.
 */
import type { CallRecord } from "../../emulator/server.ts";
import { filterAllowed, filterNames, interfaceFields } from "./models.ts";

const fieldCache = new Map<string, string[] | undefined>();
const fieldsOf = (service: string, action: string) => {
  const key = `${service}/${action}`;
  if (!fieldCache.has(key))
    fieldCache.set(
      key,
      interfaceFields(service, `${action}Request`)?.map((f) => f.name),
    );
  return fieldCache.get(key);
};

/** What is wrong with one request, as the model sees it; [] when it conforms. */
export function modelViolations(call: Pick<CallRecord, "service" | "action" | "params">): string[] {
  if (!call.service || !call.action || !call.params || typeof call.params !== "object") return [];
  const fields = fieldsOf(call.service, call.action);
  if (!fields) return [];
  const params = call.params as Record<string, unknown>;
  const out = Object.keys(params)
    .filter((k) => !fields.includes(k))
    .map((k) => `${call.action}: parameter ${k} is not in the official model`);
  if (Array.isArray(params.Filters)) {
    const allowed = filterNames(call.service, call.action);
    for (const f of params.Filters as Array<{ Name?: string }>) {
      if (allowed.length && typeof f?.Name === "string" && !filterAllowed(allowed, f.Name))
        out.push(`${call.action}: filter ${f.Name} is not one the official model lists`);
    }
  }
  return out;
}

/** Violations seen since the last check, across every emulator of this test file. */
export const recorded: string[] = [];

/** An afterRequest hook that records, then calls the test's own hook if it has one. */
export function recording(next?: (call: CallRecord, state: never) => void) {
  return (call: CallRecord, state: unknown) => {
    recorded.push(...modelViolations(call));
    next?.(call, state as never);
  };
}
