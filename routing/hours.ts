/**
 * Business hours: is the company open at a given instant, and when does it next open.
 *
 * Pure functions over the configuration; the clock is always passed in. Opening ranges are local
 * wall times in `timezone`, turned into instants with Intl alone. Around DST changes:
 * - a local time that does not exist (the hour skipped in spring) moves forward to the first
 *   instant after the gap: 02:30 on 29 March 2026 in Europe/Paris is 03:00 CEST (01:00Z);
 * - a local time that happens twice (the hour repeated in autumn) is its first occurrence:
 *   02:30 on 25 October 2026 in Europe/Paris is 02:30 CEST (00:30Z).
 * Both ends of a range follow these rules, so a range lying wholly in the skipped hour is empty.
 */
import type { Weekday } from '../config/schema.ts';
import { weekdays } from '../config/schema.ts';
import { publicHolidays, type HolidayCalendar } from './holidays.ts';

/** One opening range, local wall times as HH:MM; `to` is exclusive (a range to 19:00 is closed at 19:00). */
export type TimeRange = { readonly from: string; readonly to: string };

/** Opening ranges per weekday; a missing day, or an empty list, is closed. */
export type WeeklySchedule = { readonly [D in Weekday]?: readonly TimeRange[] };

/** The `hours` section of the configuration plus the company's IANA time zone. */
export type BusinessHours = {
  readonly timezone: string;
  readonly weekly: WeeklySchedule;
  readonly publicHolidays: HolidayCalendar;
  /** Extra closed days, YYYY-MM-DD in the company's time zone. */
  readonly closedDays: readonly string[];
};

/** Why the company is closed at an instant. */
export type ClosedReason = 'holiday' | 'closed-day' | 'outside-hours';

export type OpenStatus = { open: true; closesAt: Date } | { open: false; reason: ClosedReason; holiday?: string; opensAt: Date | null };

/** How far ahead {@link nextOpening} looks before concluding the schedule never opens. */
export const OPENING_HORIZON_DAYS = 400;

const DAY_MS = 86_400_000;

/**
 * Whether the company is open at `at` and, if so, when the current opening ends (ranges that
 * touch, such as 09:00–12:00 and 12:00–14:00, count as one); if not, why and when it next opens.
 * A date that is both a public holiday and a configured closed day reports the holiday.
 */
export function openStatus(hours: BusinessHours, at: Date): OpenStatus {
  const t = at.getTime();
  const day = localDayNumber(hours.timezone, t);
  const holidays = holidayFinder(hours.publicHolidays);
  const holiday = holidays(day);
  if (holiday !== undefined) return { open: false, reason: 'holiday', holiday, opensAt: nextOpening(hours, at) };
  if (hours.closedDays.includes(isoDate(day))) return { open: false, reason: 'closed-day', opensAt: nextOpening(hours, at) };
  for (const [start, end] of openingsOn(hours, day)) {
    if (start <= t && t < end) return { open: true, closesAt: new Date(end) };
  }
  return { open: false, reason: 'outside-hours', opensAt: nextOpening(hours, at) };
}

/** Whether the company is open at `at`. */
export function isOpen(hours: BusinessHours, at: Date): boolean {
  return openStatus(hours, at).open;
}

/**
 * The earliest instant at or after `at` when the company is open: `at` itself if it is open
 * now, otherwise the start of the next opening; null if it does not open within
 * {@link OPENING_HORIZON_DAYS} days.
 */
export function nextOpening(hours: BusinessHours, at: Date): Date | null {
  const t = at.getTime();
  const first = localDayNumber(hours.timezone, t);
  const holidays = holidayFinder(hours.publicHolidays);
  for (let day = first; day <= first + OPENING_HORIZON_DAYS; day++) {
    if (holidays(day) !== undefined || hours.closedDays.includes(isoDate(day))) continue;
    for (const [start, end] of openingsOn(hours, day)) {
      if (end > t) return new Date(Math.max(start, t));
    }
  }
  return null;
}

/** The day's opening ranges as [start, end) instants in ms, merged and in order, empty ones dropped. */
function openingsOn(hours: BusinessHours, day: number): [number, number][] {
  const ranges = [...(hours.weekly[weekdayOf(day)] ?? [])].sort((a, b) => a.from.localeCompare(b.from));
  const merged: { from: string; to: string }[] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r.from <= last.to) last.to = r.to > last.to ? r.to : last.to;
    else merged.push({ ...r });
  }
  return merged
    .map((r): [number, number] => [wallToInstant(hours.timezone, day, r.from), wallToInstant(hours.timezone, day, r.to)])
    .filter(([start, end]) => end > start);
}

/** Looks holidays up by day number, computing each year's list once per call. */
function holidayFinder(calendar: HolidayCalendar): (day: number) => string | undefined {
  const byYear = new Map<number, Map<string, string>>();
  return (day) => {
    const date = isoDate(day);
    const year = Number(date.slice(0, 4));
    let names = byYear.get(year);
    if (!names) {
      names = new Map(publicHolidays(year, calendar).map((h) => [h.date, h.name]));
      byYear.set(year, names);
    }
    return names.get(date);
  };
}

// Dates are handled as day numbers (days since 1970-01-01), free of any time zone.
function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function weekdayOf(day: number): Weekday {
  return weekdays[(((day + 3) % 7) + 7) % 7]!; // 1970-01-01 was a Thursday
}

function localDayNumber(timezone: string, t: number): number {
  return Math.floor(wallClockMs(timezone, t) / DAY_MS);
}

/**
 * The instant at which local wall time `hhmm` on `day` occurs in `timezone`; see the module
 * comment for skipped and repeated times.
 */
function wallToInstant(timezone: string, day: number, hhmm: string): number {
  const wall = day * DAY_MS + Number(hhmm.slice(0, 2)) * 3_600_000 + Number(hhmm.slice(3, 5)) * 60_000;
  // Offsets a day either side bracket any single transition near this wall time (offsets stay within ±14 h).
  const candidates = [wall - offsetMs(timezone, wall - DAY_MS), wall - offsetMs(timezone, wall + DAY_MS)].sort((a, b) => a - b);
  const [early, late] = candidates as [number, number];
  const valid = candidates.filter((t) => wallClockMs(timezone, t) === wall);
  if (valid.length > 0) return valid[0]!;
  // In a gap: the transition lies between the two candidates; find its first second.
  const after = offsetMs(timezone, late);
  let lo = early;
  let hi = late;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetMs(timezone, mid) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Local wall time of instant `t` in `timezone`, expressed as if it were UTC, to the second. */
function wallClockMs(timezone: string, t: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timezone).formatToParts(t)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

function offsetMs(timezone: string, t: number): number {
  return wallClockMs(timezone, t) - Math.floor(t / 1000) * 1000;
}

// Building an Intl.DateTimeFormat costs far more than using one; the cache holds no state that changes a result.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, f);
  }
  return f;
}
