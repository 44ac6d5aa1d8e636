/**
 * French public holidays, computed from the year alone (no table to keep up to date).
 */

/** Which computed public holidays close the company (the `hours.publicHolidays` config field). */
export type HolidayCalendar = 'FR' | 'FR-alsace-moselle' | 'none';

/** One public holiday: its date (YYYY-MM-DD) and its French name, as callers may hear it. */
export type PublicHoliday = { date: string; name: string };

const DAY_MS = 86_400_000;

/**
 * Date of Easter Sunday in the Gregorian calendar (anonymous Gregorian computus, also known as
 * Meeus/Jones/Butcher), as YYYY-MM-DD.
 */
export function easterSunday(year: number): string {
  if (!Number.isInteger(year) || year < 1583) throw new RangeError(`no Gregorian Easter for year ${year}`);
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return isoDate(Date.UTC(year, month - 1, day));
}

/**
 * Public holidays of `year` in the given calendar, sorted by date.
 *
 * `FR` is the eleven national holidays, Whit Monday included: it is still a public holiday in
 * law, the "journée de solidarité" being each company's own arrangement. `FR-alsace-moselle`
 * adds Good Friday and St Stephen's Day (26 December). `none` closes on no holiday.
 */
export function publicHolidays(year: number, calendar: HolidayCalendar): PublicHoliday[] {
  if (calendar === 'none') return [];
  const easter = Date.parse(`${easterSunday(year)}T00:00:00Z`);
  const fromEaster = (days: number) => isoDate(easter + days * DAY_MS);
  const fixed = (month: number, day: number) => isoDate(Date.UTC(year, month - 1, day));
  const list: PublicHoliday[] = [
    { date: fixed(1, 1), name: "Jour de l'an" },
    { date: fromEaster(1), name: 'Lundi de Pâques' },
    { date: fixed(5, 1), name: 'Fête du Travail' },
    { date: fixed(5, 8), name: 'Victoire 1945' },
    { date: fromEaster(39), name: 'Ascension' },
    { date: fromEaster(50), name: 'Lundi de Pentecôte' },
    { date: fixed(7, 14), name: 'Fête nationale' },
    { date: fixed(8, 15), name: 'Assomption' },
    { date: fixed(11, 1), name: 'Toussaint' },
    { date: fixed(11, 11), name: 'Armistice' },
    { date: fixed(12, 25), name: 'Noël' },
  ];
  if (calendar === 'FR-alsace-moselle') {
    list.push({ date: fromEaster(-2), name: 'Vendredi saint' }, { date: fixed(12, 26), name: 'Saint-Étienne' });
  }
  // Ascension can fall on 1 or 8 May (e.g. 2008): both entries are kept, the order just has to be stable.
  return list.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
}

function isoDate(utcMs: number): string {
  return new Date(utcMs).toISOString().slice(0, 10);
}
