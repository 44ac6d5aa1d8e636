/**
 * Opening hours as a French sentence fragment, written for a text-to-speech engine: numbers as
 * digits the engine reads aloud, no abbreviations ("9 heures", not "9h"), commas where a pause
 * helps the caller follow.
 */
import { weekdays, type Weekday } from '../config/schema.ts';
import type { TimeRange, WeeklySchedule } from '../routing/hours.ts';

const dayNames: Record<Weekday, string> = {
  monday: 'lundi',
  tuesday: 'mardi',
  wednesday: 'mercredi',
  thursday: 'jeudi',
  friday: 'vendredi',
  saturday: 'samedi',
  sunday: 'dimanche',
};

/**
 * Describes a weekly schedule, e.g. "du lundi au vendredi, de 9 heures à 12 heures et de
 * 14 heures à 18 heures, et le samedi, de 9 heures à 12 heures". Consecutive days with the same
 * ranges are grouped (Monday to Sunday, no wrap-around); closed days are left out. An empty
 * schedule gives "".
 */
export function describeOpeningHours(weekly: WeeklySchedule): string {
  const groups: { first: Weekday; last: Weekday; ranges: readonly TimeRange[]; key: string }[] = [];
  let previous: Weekday | undefined;
  for (const day of weekdays) {
    const ranges = [...(weekly[day] ?? [])].sort((a, b) => a.from.localeCompare(b.from));
    if (ranges.length === 0) {
      previous = undefined;
      continue;
    }
    const key = ranges.map((r) => `${r.from}-${r.to}`).join(',');
    const group = groups.at(-1);
    if (group && previous === group.last && group.key === key) group.last = day;
    else groups.push({ first: day, last: day, ranges, key });
    previous = day;
  }
  return joinFr(
    groups.map((g) => `${spokenDays(g.first, g.last)}, ${joinFr(g.ranges.map(spokenRange), ' et ')}`),
    ', et ',
  );
}

function spokenDays(first: Weekday, last: Weekday): string {
  return first === last ? `le ${dayNames[first]}` : `du ${dayNames[first]} au ${dayNames[last]}`;
}

function spokenRange(r: TimeRange): string {
  return `de ${spokenTime(r.from)} à ${spokenTime(r.to)}`;
}

/** "9 heures", "8 heures 30", "1 heure", "minuit". */
function spokenTime(hhmm: string): string {
  const h = Number(hhmm.slice(0, 2));
  const m = Number(hhmm.slice(3, 5));
  const hour = h === 0 ? 'minuit' : `${h} ${h === 1 ? 'heure' : 'heures'}`;
  return m === 0 ? hour : `${hour} ${m}`;
}

/** "a", "a et b", "a, b et c"; `lastSeparator` goes before the last item. */
function joinFr(items: string[], lastSeparator: string): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')}${lastSeparator}${items.at(-1)}`;
}
