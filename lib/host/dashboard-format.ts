/** Small text helpers the dashboard's parts share: HTML escaping (every tenant string passes through it) and numbers. */
import { zoneParts } from "../zone-parts.ts";

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML[c]!);

const TWO = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
/** `1,234.50`; a value that is not a finite number reads as 0.00, never NaN. */
export const money = (n: number) => TWO.format(Number.isFinite(n) ? n : 0);

const HOURS = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
export const hours = (n: number) => HOURS.format(Number.isFinite(n) ? n : 0);

/** An instant in a zone, to the minute: `2026-12-01 09:00`. */
export function inZone(ms: number, zone: string): string {
  const p = zoneParts(ms, zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}
