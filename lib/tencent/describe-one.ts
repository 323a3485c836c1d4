/**
 * One instance read now by its id (DescribeInstances with InstanceIds: [id]), for the pages a
 * signed link opens: a page states the machine's state now, never what a run saw. Undefined when
 * the reply does not list it; a refusal is thrown, for each page to answer in its own words.
 */
import type { TencentCloudClient } from "./client.ts";
import type { Instance } from "./data-types.ts";
import { api } from "./services.ts";

export async function describeOne(
  client: TencentCloudClient,
  region: string,
  id: string,
): Promise<Instance | undefined> {
  const res = await api(client).describeInstances(region, { InstanceIds: [id] });
  // Matched by id, not taken as the first row: a reply is read for what it says, not its length.
  return (res.InstanceSet ?? []).find((i) => i.InstanceId === id);
}
