/**
 * A digest split into the messages one robot is sent: every machine with links, grouped by
 * owner, each message within the robot's size limit, and never more messages a run than the
 * robot's rate allows (notify.ts paces them). The first message carries the run's summary; the
 * ones after it carry the headline, the run id and the next owners' machines. An owner whose
 * machines fill more than one message is named (and mentioned) again in the next, "continued".
 * Past the cap, the last message lists the remaining machines by owner without their links, every
 * owner still mentioned, and says the links are in the run's report.
 */
import type { Digest, OwnerGroup } from "./digest.ts";

export interface Page {
  /** The first page: the whole summary; later pages: the headline and run id only. */
  digest: Digest;
  groups: Array<OwnerGroup & { continued?: boolean }>;
  /** Machines past the message cap, listed without links; `cut` counts lines left out to fit. */
  overflow?: { groups: OwnerGroup[]; cut: number };
  number: number;
  total: number;
}

/** Listed lines tried on the first page, most first: the summary shrinks before any machine moves on. */
const SECTION_ITEMS = [10, 5, 2, 0];
/** Page numbers are rendered as (n/99) while fitting, so the final (n/N) is never wider. */
const WIDEST_TOTAL = 99;

const tail = (d: Digest): Digest => ({
  headline: d.headline,
  facts: d.facts.filter(([k]) => k === "run"),
  counts: "",
  sections: [],
});

function withItem(p: Page, g: OwnerGroup, item: OwnerGroup["items"][number], seen: Set<string | undefined>): Page {
  const last = p.groups.at(-1);
  if (last && last.owner === g.owner)
    return { ...p, groups: [...p.groups.slice(0, -1), { ...last, items: [...last.items, item] }] };
  const group = {
    ...(g.owner ? { owner: g.owner } : {}),
    items: [item],
    ...(seen.has(g.owner) ? { continued: true } : {}),
  };
  return { ...p, groups: [...p.groups, group] };
}

/** The first page's summary: the most listed lines that fit with room to spare for nothing else. */
function firstPage(digest: (items: number) => Digest, fits: (p: Page) => boolean): Page {
  for (const items of SECTION_ITEMS) {
    const p: Page = { digest: digest(items), groups: [], number: 1, total: WIDEST_TOTAL };
    if (fits(p)) return p;
  }
  return { digest: digest(0), groups: [], number: 1, total: WIDEST_TOTAL };
}

/** The remaining machines, compact: names only, then counts only, when the lines do not fit. */
function overflowPage(head: Digest, rest: OwnerGroup[], number: number, fits: (p: Page) => boolean): Page {
  const machines = rest.reduce((n, g) => n + g.items.length, 0);
  for (const keep of [Infinity, 10, 3, 0]) {
    const groups = rest.map((g) => ({ ...g, items: g.items.slice(0, keep) }));
    const shown = groups.reduce((n, g) => n + g.items.length, 0);
    const p: Page = {
      digest: tail(head),
      groups: [],
      overflow: { groups, cut: machines - shown },
      number,
      total: WIDEST_TOTAL,
    };
    if (fits(p) || keep === 0) return p;
  }
  throw new Error("unreachable");
}

/** Splits a digest into pages that each pass `fits`, at most `maxPages` of them. */
export function paginate(digest: (items: number) => Digest, fits: (p: Page) => boolean, maxPages: number): Page[] {
  const first = firstPage(digest, fits);
  const pages: Page[] = [first];
  const seen = new Set<string | undefined>();
  const queue = (first.digest.groups ?? []).flatMap((g) => g.items.map((item) => ({ g, item })));
  let i = 0;
  for (; i < queue.length; i++) {
    const { g, item } = queue[i]!;
    const cur = pages.at(-1)!;
    const grown = withItem(cur, g, item, seen);
    if (fits(grown) || !cur.groups.length) {
      pages[pages.length - 1] = grown;
      continue;
    }
    for (const done of cur.groups) seen.add(done.owner);
    if (pages.length === maxPages - 1) {
      // The last message: the rest with their links when they all fit, else the compact list.
      const whole = queue.slice(i).reduce((p, q) => withItem(p, q.g, q.item, seen), {
        digest: tail(first.digest),
        groups: [],
        number: maxPages,
        total: WIDEST_TOTAL,
      } as Page);
      if (fits(whole)) {
        pages.push(whole);
        i = queue.length;
      }
      break;
    }
    pages.push(
      withItem(
        { digest: tail(first.digest), groups: [], number: pages.length + 1, total: WIDEST_TOTAL },
        g,
        item,
        seen,
      ),
    );
  }
  if (i < queue.length) {
    const rest = new Map<string | undefined, OwnerGroup>();
    for (const { g, item } of queue.slice(i)) {
      const r = rest.get(g.owner) ?? { ...(g.owner ? { owner: g.owner } : {}), items: [] };
      rest.set(g.owner, r);
      r.items.push(item);
    }
    pages.push(overflowPage(first.digest, [...rest.values()], pages.length + 1, fits));
  }
  return pages.map((p) => ({ ...p, total: pages.length }));
}
