/** The sealed warning tag: what it proves, and when a proven warning allows a stop. */
import { describe, expect, it } from "vitest";
import {
  readWarning,
  runningPeriodOf,
  warningStanding,
  warningValue,
  type WarningSubject,
} from "../lib/snooze/warning-tag.ts";

const SECRET = "seal-secret-0123456789abcdef0123456789";
const subject: WarningSubject = {
  fn: "auto-stop-idle",
  region: "ap-guangzhou",
  instance: "ins-aaaaaaaa",
  period: "c7de1287-061d-4ace-8caf-6ad8e5a2f29a",
};
const a = { at: Date.parse("2026-12-01T10:00:00Z"), stop: Date.parse("2026-12-01T10:30:00Z") };
const value = warningValue(SECRET, subject, a);

describe("a warning tag proves one function's announcement about one running period of one machine", () => {
  it("reads back what it wrote, within the Tag API's 255 characters", () => {
    expect(value).toMatch(/^at=2026-12-01T10:00:00Z stop=2026-12-01T10:30:00Z run=c7de1287-[\w-]+ seal=[\w-]{22}$/);
    expect(value.length).toBeLessThanOrEqual(255);
    expect(readWarning(value, SECRET, subject)).toEqual(a);
  });

  it.each([
    ["another function", { ...subject, fn: "office-hours" }, SECRET, value],
    ["another machine", { ...subject, instance: "ins-bbbbbbbb" }, SECRET, value],
    ["another region", { ...subject, region: "ap-shanghai" }, SECRET, value],
    ["another running period (a stop, a restart)", { ...subject, period: "none" }, SECRET, value],
    ["another secret", subject, "another-secret-0123456789abcdef0123", value],
    ["an earlier time written by hand", subject, SECRET, value.replace("at=2026-12-01T10:00", "at=2026-12-01T09:00")],
    ["a made-up seal", subject, SECRET, value.replace(/seal=.*$/, "seal=AAAAAAAAAAAAAAAAAAAAAA")],
    ["an old stop-after value", subject, SECRET, "2026-12-01T10:30Z"],
  ] as const)("refuses %s", (_what, s, secret, v) => {
    expect(readWarning(v, secret, s)).toBeUndefined();
  });

  it("names the running period by LatestOperationRequestId, 'none' when the API gives none", () => {
    expect(runningPeriodOf({ LatestOperationRequestId: subject.period })).toBe(subject.period);
    expect(runningPeriodOf({ LatestOperationRequestId: null })).toBe("none");
    expect(runningPeriodOf({})).toBe("none");
    expect(runningPeriodOf({ LatestOperationRequestId: "odd id with spaces" })).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe("a proven warning allows a stop", () => {
  const min = 60_000;
  it.each([
    ["before its time: pending", a.at + 10 * min, 30, { state: "pending", at: a.stop }],
    ["at its time: due", a.stop, 30, { state: "due", at: a.stop }],
    ["WARN raised since: not before the new minimum", a.stop, 60, { state: "pending", at: a.at + 60 * min }],
    ["WARN lowered since: not before the time it promised", a.at + 10 * min, 5, { state: "pending", at: a.stop }],
    ["an hour past its time: due", a.stop + 60 * min, 30, { state: "due", at: a.stop }],
    ["more than an hour past: stale, warned again", a.stop + 61 * min, 30, { state: "none" }],
    ["announced after now: not trusted", a.at - min, 30, { state: "none" }],
  ] as const)("%s", (_what, now, warn, want) => {
    expect(warningStanding(a, now, warn)).toEqual(want);
  });

  it("no proven warning: none", () => {
    expect(warningStanding(undefined, a.stop, 30)).toEqual({ state: "none" });
  });
});
