/**
 * The monthly digest's message: a month's realised savings in CNY, by owner (`autopilot:owner`),
 * and the dashboard's signed link when there is one. Built from the same SavingsReport as
 * `cvm-autopilot savings --month M --by owner`, so the message and the command agree.
 */
import type { SavingsReport } from "../history/realised.ts";
import type { Digest } from "./digest.ts";

/** Owners listed by name before "and N more". */
const OWNERS = 10;
const money = (n: number) => n.toFixed(2);

export function monthlyDigestOf(r: SavingsReport, dashboard?: string): Digest {
  const owners = Object.entries(r.byOwner)
    .filter(([, v]) => v > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  return {
    headline: `cvm-autopilot: ${money(r.realised)} ${r.currency} saved in ${r.month}`,
    facts: [
      ["month", `${r.month} (UTC)`],
      ["realised savings", `${money(r.realised)} ${r.currency}`],
      ["machine-hours not billed", String(r.hoursNotBilled)],
    ],
    counts: `${r.instances.length} machine(s) stopped by us in the month; realised savings are hours not billed × each hour's price, not estimates`,
    sections: [
      {
        title: "By owner (autopilot:owner)",
        lines: owners
          .slice(0, OWNERS)
          .map(([k, v]) => `${k === "(none)" ? "no owner tag" : k}: ${money(v)} ${r.currency}`),
        more: Math.max(0, owners.length - OWNERS),
      },
      ...(r.unpricedHours
        ? [{ title: "Not counted", lines: [`${r.unpricedHours} hours not billed on machines with no price`], more: 0 }]
        : []),
    ].filter((s) => s.lines.length),
    ...(dashboard ? { links: [{ label: "open the dashboard", url: dashboard }] } : {}),
  };
}
