/**
 * An instant's calendar fields in an IANA zone, to the minute ({ year, month, day, hour, minute }
 * as two-digit strings, year four), from Intl: the one place the tool reads wall-clock time in a zone.
 */
export function zoneParts(at: Date | number, zone: string): Record<string, string> {
  return Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    })
      .formatToParts(typeof at === "number" ? new Date(at) : at)
      .map((x) => [x.type, x.value]),
  );
}
