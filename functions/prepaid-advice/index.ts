/**
 * prepaid-advice, declared once: which pay-as-you-go machines were billed for more hours last
 * month than a prepaid month's break-even, counting the hours our schedules kept them stopped
 * without charge. Report only: it changes nothing (no apply, so its advice is findings).
 */
import { cellText } from "../../lib/report/report.ts";
import { defineFunction } from "../../lib/runtime/spec.ts";
import { lastMonth, notBilledHours, payAsYouGoPages, priceBook } from "./collect.ts";
import { loadConfig, SETTINGS, type PrepaidAdviceConfig } from "./config.ts";
import { advise, KINDS, type AdviceDetail, type AdviceKind } from "./plan.ts";

/** Last month's ledger, read once a run for every region (keyed by the run's context). */
const ledgers = new WeakMap<object, Promise<Map<string, number> | undefined>>();

export default defineFunction<PrepaidAdviceConfig, AdviceKind, never, Record<string, unknown>, AdviceDetail>({
  name: "prepaid-advice",
  description: "Say which pay-as-you-go instances a prepaid month would have cost less last month (report only)",
  schedule: "0 2 * * 1",
  settings: SETTINGS,
  scope: (c) =>
    `pay-as-you-go instances: last month's billed hours against a prepaid month's break-even${c.minSaving ? `, saving at least ${c.minSaving} CNY a month` : ""}; report only`,
  calls: ["DescribeInstances", "DescribeZoneInstanceConfigInfos", "InquiryPriceModifyInstancesChargeType"],
  loadConfig,
  kinds: KINDS,
  columns: () => [
    { head: "hours billed", cell: (d) => cellText(d.detail?.hoursBilled) },
    { head: "break-even h", cell: (d) => cellText(d.detail?.breakEvenHours) },
    { head: "CNY/month saved", cell: (d) => cellText(d.detail?.monthlySaving), keep: true },
  ],
  notices: (ctx) =>
    ctx.history
      ? []
      : [
          "no history is kept (HISTORY=off, or no HISTORY_BUCKET on SCF or Lambda): hours billed assume every machine ran the whole month, so advice does not know the hours auto-stop and office-hours saved",
        ],
  async decide(ctx, region) {
    const month = lastMonth(ctx.now);
    // The host's history (HISTORY, HISTORY_BUCKET): the same store the runs of auto-stop and office-hours wrote.
    const store = ctx.history?.store;
    let ledger = ledgers.get(ctx);
    if (!ledger)
      ledgers.set(ctx, (ledger = store ? notBilledHours(store, month.from, month.to) : Promise.resolve(undefined)));
    const hours = await ledger;
    const prices = priceBook(ctx.client, ctx.logger, region);
    // Findings go to the runner as each page is judged: a large fleet's advice is never held whole.
    for await (const machines of payAsYouGoPages(ctx.client, region, ctx.only)) {
      const priced = await prices(machines);
      for (const m of machines)
        ctx.decided(
          advise(m, month, hours?.get(`${region}/${m.id}`) ?? 0, priced.get(m.id) ?? {}, ctx.config.minSaving),
        );
    }
    return { decisions: [] };
  },
});
