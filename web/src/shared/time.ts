// Times travel in UTC and show in China time, whatever the device's zone.
const CHINA = "Asia/Shanghai";

const dateTime = new Intl.DateTimeFormat("zh-CN", {
  timeZone: CHINA,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});
const dateOnly = new Intl.DateTimeFormat("zh-CN", { timeZone: CHINA, year: "numeric", month: "2-digit", day: "2-digit" });

export function chinaTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : "";
}

export function chinaDate(iso: string | null | undefined): string {
  return iso ? dateOnly.format(new Date(iso)) : "";
}

/** Today's date in China as YYYY-MM-DD (what report periods take). */
export function chinaToday(now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: CHINA }).format(now);
  return parts;
}

/** The China day `days` before today, as YYYY-MM-DD (a period's first day: 29 back is 30 days). */
export function chinaDaysAgo(days: number, now: Date = new Date()): string {
  return chinaToday(new Date(now.getTime() - days * 86_400_000));
}

/**
 * China days from `first` to `last` (inclusive, YYYY-MM-DD) as the instants an API filters by:
 * from the first day's midnight, up to (not including) the midnight after the last. China keeps
 * +08:00 all year, so the day's bounds need no zone data.
 */
export function chinaDayBounds(first: string, last: string): { since: string; until: string } {
  const start = Date.parse(`${first}T00:00:00+08:00`);
  const end = Date.parse(`${last}T00:00:00+08:00`) + 86_400_000;
  return { since: new Date(start).toISOString(), until: new Date(end).toISOString() };
}

type Translate = (key: string, params?: Record<string, unknown>) => string;

/** Seconds as people say a reading time ("1 小时 2 分 5 秒"), leading zero parts left out. */
export function readingTime(seconds: number | undefined, t: Translate): string {
  const total = Math.max(0, Math.floor(seconds ?? 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const parts = [];
  if (h) parts.push(t("common.duration.h", { n: h }));
  if (h || m) parts.push(t("common.duration.m", { n: m }));
  parts.push(t("common.duration.s", { n: total % 60 }));
  return parts.join(" ");
}
