/** The table a person reads: within the terminal's width, coloured only where that is wanted. */
import { describe, expect, it } from "vitest";
import { renderTable, tableView } from "../cli/report-view.ts";
import { FUNCTIONS } from "../functions/registry.ts";
import type { RunReport } from "../lib/report/report.ts";
import { runFunction } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

/** Columns a line takes on a terminal, escape codes aside (East Asian wide characters take two). */
const columns = (line: string) => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are what this test looks for
  const plain = line.replace(/\x1b\[[0-9;]*m/g, "");
  return (
    plain.length +
    (plain.match(/[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/gu)
      ?.length ?? 0)
  );
};

async function fortyMachines(): Promise<RunReport> {
  const emu = await emulator();
  for (let i = 0; i < 40; i++)
    emu.state.addInstance({
      Region: i % 2 ? "ap-guangzhou" : "ap-shanghai",
      InstanceName: i % 7 ? `build-agent-${i}-very-long-name` : `数据分析-${i}`,
      profile: { cpu: 1, traffic: 0 },
    });
  const { report } = await runFunction<RunReport>("auto-stop-idle", emu, {
    REGIONS: "ap-guangzhou,ap-shanghai",
    AUTO_STOP_MAX_FRACTION: "1",
    DRY_RUN: "true",
    AUTO_STOP_PRICES: "S5.MEDIUM4=0.25",
  });
  expect(report.results).toHaveLength(40);
  return report;
}

describe("the report table", () => {
  it.each([80, 130])("40 machines fit %i columns, every line", async (width) => {
    const text = await renderTable(await fortyMachines(), { width, color: true });
    const over = text.split("\n").filter((l) => columns(l) > width);
    expect(over).toEqual([]);
    // Still a table of the 40, with the ids and what would be done.
    expect(text.match(/ins-[a-z0-9]{8}/g)?.length).toBeGreaterThanOrEqual(40);
    expect(text).toContain("planned");
  });

  it("at 80 columns the columns worth least go first, and it says so", async () => {
    const text = await renderTable(await fortyMachines(), { width: 80, color: false });
    expect(text).toMatch(/\((region, )?zone, type[^)]*left out to fit 80 columns: see --output json\)/);
  });

  it("the summary and the table speak in words: savings as a sentence, no camelCase field names", async () => {
    const report = await fortyMachines();
    const summary = FUNCTIONS["auto-stop-idle"]!.summarize(report);
    expect(summary).toContain("estimated savings: 10 CNY/hour, 7200 CNY/month at this rate");
    expect(summary).not.toMatch(/estimatedHourlySavings|unpriced 0|currency CNY/);
    expect(await renderTable(report, { width: 130, color: false })).not.toMatch(/estimatedHourlySavings|unpricedTypes/);
  });

  it("NO_COLOR means no escape codes; FORCE_COLOR colours even when piped", async () => {
    expect(tableView({ NO_COLOR: "1" }, { isTTY: true, columns: 100 })).toEqual({ width: 100, color: false });
    expect(tableView({ FORCE_COLOR: "1" }, { isTTY: false })).toEqual({ width: 130, color: true });
    expect(tableView({}, { isTTY: true, columns: 90 })).toEqual({ width: 90, color: true });
    const report = await fortyMachines();
    expect(await renderTable(report, tableView({ NO_COLOR: "1" }, { isTTY: true, columns: 130 }))).not.toMatch(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are what this test looks for
      /\x1b\[/,
    );
    expect(await renderTable(report, tableView({}, { isTTY: true, columns: 130 }))).toMatch(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are what this test looks for
      /\x1b\[36mplanned\x1b\[39m/,
    );
  });
});

describe("the table is declared by each function", () => {
  it("knows no function by name and no function's fields: columns and note lines come from the report", async () => {
    const { readFileSync } = await import("node:fs");
    const source = readFileSync(new URL("../cli/report-view.ts", import.meta.url), "utf8");
    for (const f of Object.keys(FUNCTIONS)) expect(source).not.toContain(f);
    expect(source).not.toMatch(/hourlyPrice|instanceType|\.zone|currency|message/);
  });

  it("renew-flag shows each flag from → to; rows by region, then name; --limit counts the rest", async () => {
    const emu = await emulator();
    const names = ["web-b", "web-a", "db-c"];
    for (const [i, name] of names.entries())
      emu.state.addInstance({
        Region: i === 2 ? "ap-beijing" : "ap-guangzhou",
        InstanceName: name,
        InstanceChargeType: "PREPAID",
        RenewFlag: "NOTIFY_AND_AUTO_RENEW",
      });
    const { report } = await runFunction<RunReport>("renew-flag", emu, {
      REGIONS: "ap-guangzhou,ap-beijing",
      RENEW_DEFAULT_FLAG: "NOTIFY_AND_MANUAL_RENEW",
      DRY_RUN: "true",
    });
    const all = await renderTable(report, { width: 160, color: false });
    expect(all).toContain("renew flag");
    expect(all).toContain("auto-renew → manual");
    const order = ["db-c", "web-a", "web-b"].map((n) => all.indexOf(n));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const two = await renderTable(report, { width: 160, color: false, limit: 2 });
    expect(two).toContain("db-c");
    expect(two).toContain("web-a");
    expect(two).not.toContain("web-b");
    expect(two).toContain("… and 1 more (the full list is in --output json)");
  });
});
