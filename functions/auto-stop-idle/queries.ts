/**
 * Auto-stop's server-side scope as DescribeInstances queries.
 */
import { batches } from "../../lib/tencent/services.ts";
import type { Filter } from "../../lib/tencent/data-types.ts";
import type { AutoStopPolicy } from "./config.ts";

/** DescribeInstances: at most 10 filters, at most 5 values each (the 2018 CVM API 3.0 reference; the official model). */
export const MAX_FILTER_VALUES = 5;

/**
 * Server-side scope as one or more DescribeInstances queries. Values within a filter are OR'ed,
 * filters are AND'ed, and a filter may carry at most 5 values: a longer list is split into
 * several queries whose results are joined, de-duplicated by id as they arrive.
 */
export function scopeQueries(policy: AutoStopPolicy): Filter[][] {
  const filters: Filter[] = [
    { Name: "instance-charge-type", Values: ["POSTPAID_BY_HOUR"] },
    // `instance-state` is a current-API filter (the 2018 seed predates it).
    { Name: "instance-state", Values: ["RUNNING"] },
  ];
  const byKey = new Map<string, string[]>();
  for (const t of policy.includeTags) byKey.set(t.key, [...(byKey.get(t.key) ?? []), t.value]);
  for (const [key, values] of byKey) filters.push({ Name: `tag:${key}`, Values: values });
  if (policy.projects.length) filters.push({ Name: "project-id", Values: policy.projects.map(String) });
  let queries: Filter[][] = [[]];
  for (const f of filters) {
    const chunks = batches(f.Values, MAX_FILTER_VALUES).map((Values) => ({ Name: f.Name, Values }));
    queries = queries.flatMap((q) => chunks.map((c) => [...q, c]));
  }
  return queries;
}
