/**
 * An instant as UTC ISO 8601 to the second, e.g. `2026-12-06T04:00:00Z`: the form the tags we write
 * and the times in report details take (tag values allow `:` and `-`). The milliseconds are
 * dropped, never rounded up, so a time read back is never later than the moment it was written.
 */
export const utcSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
