import { describe, it, expect } from 'vitest';
import type { Config } from '../../config/load.ts';
import type { ParsedConfig } from '../../config/schema.ts';
import { isOpen, nextOpening, openStatus, type BusinessHours, type WeeklySchedule } from '../../routing/hours.ts';

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') for (const v of Object.values(o)) deepFreeze(v);
  return Object.freeze(o);
}

const nineToSeven = [{ from: '09:00', to: '19:00' }];
const weekdaysOnly: WeeklySchedule = {
  monday: nineToSeven,
  tuesday: nineToSeven,
  wednesday: nineToSeven,
  thursday: nineToSeven,
  friday: nineToSeven,
};
const paris = (over: Partial<BusinessHours> = {}): BusinessHours =>
  deepFreeze({ timezone: 'Europe/Paris', weekly: weekdaysOnly, publicHolidays: 'FR', closedDays: [], ...over });

const at = (iso: string) => new Date(iso);
const iso = (d: Date | null) => d?.toISOString() ?? null;

// Compile-time check: the type takes the config as the schema and the loader produce it (the loader's is deep-readonly).
export const fromParsed = (c: ParsedConfig): BusinessHours => ({ timezone: c.company.timezone, ...c.hours });
export const fromLoaded = (c: Config): BusinessHours => ({ timezone: c.company.timezone, ...c.hours });

describe('openStatus on an ordinary week (Paris, CEST = UTC+2)', () => {
  // Wednesday 10 June 2026.
  it('is closed until 09:00 local, open from 09:00 to 19:00 exclusive', () => {
    expect(openStatus(paris(), at('2026-06-10T06:59:59Z'))).toEqual({
      open: false,
      reason: 'outside-hours',
      opensAt: at('2026-06-10T07:00:00Z'),
    });
    expect(openStatus(paris(), at('2026-06-10T07:00:00Z'))).toEqual({ open: true, closesAt: at('2026-06-10T17:00:00Z') });
    expect(openStatus(paris(), at('2026-06-10T16:59:59Z'))).toEqual({ open: true, closesAt: at('2026-06-10T17:00:00Z') });
    expect(openStatus(paris(), at('2026-06-10T17:00:00Z'))).toEqual({
      open: false,
      reason: 'outside-hours',
      opensAt: at('2026-06-11T07:00:00Z'),
    });
  });

  it('uses the local date, not the UTC one', () => {
    // Friday 22:30 UTC is already Saturday 00:30 in Paris.
    const status = openStatus(paris({ weekly: { ...weekdaysOnly, friday: [{ from: '00:00', to: '23:59' }] } }), at('2026-06-12T22:30:00Z'));
    expect(status).toEqual({ open: false, reason: 'outside-hours', opensAt: at('2026-06-15T07:00:00Z') });
  });

  it('is closed at the weekend', () => {
    expect(isOpen(paris(), at('2026-06-13T10:00:00Z'))).toBe(false);
    expect(isOpen(paris(), at('2026-06-14T10:00:00Z'))).toBe(false);
    expect(isOpen(paris(), at('2026-06-15T10:00:00Z'))).toBe(true);
  });

  it('treats ranges that touch as one opening and a lunch break as closed', () => {
    const hours = paris({
      weekly: {
        monday: [
          { from: '12:00', to: '14:00' },
          { from: '09:00', to: '12:00' },
        ],
        tuesday: [
          { from: '09:00', to: '12:00' },
          { from: '14:00', to: '18:00' },
        ],
      },
    });
    expect(openStatus(hours, at('2026-06-15T09:30:00Z'))).toEqual({ open: true, closesAt: at('2026-06-15T12:00:00Z') });
    expect(openStatus(hours, at('2026-06-16T10:30:00Z'))).toEqual({
      open: false,
      reason: 'outside-hours',
      opensAt: at('2026-06-16T12:00:00Z'),
    });
  });
});

describe('holidays and closed days', () => {
  it('is closed on a holiday falling on a weekday, and names it', () => {
    // Ascension, Thursday 14 May 2026, at noon in Paris.
    expect(openStatus(paris(), at('2026-05-14T10:00:00Z'))).toEqual({
      open: false,
      reason: 'holiday',
      holiday: 'Ascension',
      opensAt: at('2026-05-15T07:00:00Z'),
    });
    // 00:30 local on the holiday is still 13 May in UTC.
    expect(openStatus(paris(), at('2026-05-13T22:30:00Z'))).toMatchObject({ reason: 'holiday', holiday: 'Ascension' });
  });

  it('opens on a holiday when the calendar is "none"', () => {
    expect(isOpen(paris({ publicHolidays: 'none' }), at('2026-05-14T10:00:00Z'))).toBe(true);
  });

  it('closes on Good Friday in Alsace-Moselle only', () => {
    expect(isOpen(paris(), at('2026-04-03T10:00:00Z'))).toBe(true);
    expect(openStatus(paris({ publicHolidays: 'FR-alsace-moselle' }), at('2026-04-03T10:00:00Z'))).toMatchObject({
      open: false,
      reason: 'holiday',
      holiday: 'Vendredi saint',
      // Easter Monday is closed too.
      opensAt: at('2026-04-07T07:00:00Z'),
    });
  });

  it('closes on an extra closed day', () => {
    const bridge = paris({ closedDays: ['2026-05-15'] });
    expect(openStatus(bridge, at('2026-05-15T08:00:00Z'))).toEqual({
      open: false,
      reason: 'closed-day',
      opensAt: at('2026-05-18T07:00:00Z'),
    });
    expect(iso(nextOpening(bridge, at('2026-05-13T18:00:00Z')))).toBe('2026-05-18T07:00:00.000Z');
  });
});

describe('nextOpening', () => {
  it('goes from Friday evening to Monday 09:00 Paris', () => {
    expect(iso(nextOpening(paris(), at('2026-06-12T18:30:00Z')))).toBe('2026-06-15T07:00:00.000Z');
    // In winter (CET = UTC+1).
    expect(iso(nextOpening(paris(), at('2026-01-16T19:00:00Z')))).toBe('2026-01-19T08:00:00.000Z');
  });

  it('skips a holiday', () => {
    // Wednesday 13 May 2026, 20:00 in Paris; Thursday is Ascension.
    expect(iso(nextOpening(paris(), at('2026-05-13T18:00:00Z')))).toBe('2026-05-15T07:00:00.000Z');
  });

  it('is the instant itself when already open', () => {
    expect(iso(nextOpening(paris(), at('2026-06-10T12:34:56.789Z')))).toBe('2026-06-10T12:34:56.789Z');
  });

  it('is null for a schedule that never opens', () => {
    const never = paris({ weekly: {} });
    expect(nextOpening(never, at('2026-06-10T12:00:00Z'))).toBeNull();
    expect(openStatus(never, at('2026-06-10T12:00:00Z'))).toEqual({ open: false, reason: 'outside-hours', opensAt: null });
    expect(nextOpening(paris({ weekly: { monday: [] } }), at('2026-06-10T12:00:00Z'))).toBeNull();
  });
});

describe('DST changes in Europe/Paris', () => {
  const sundays = (from: string, to: string) => paris({ weekly: { ...weekdaysOnly, sunday: [{ from, to }] } });

  it('spring forward, Sunday 29 March 2026: 09:00 is UTC+2 on the day, UTC+1 the Friday before', () => {
    expect(iso(nextOpening(sundays('09:00', '19:00'), at('2026-03-28T23:00:00Z')))).toBe('2026-03-29T07:00:00.000Z');
    expect(openStatus(sundays('09:00', '19:00'), at('2026-03-29T16:59:59Z'))).toEqual({ open: true, closesAt: at('2026-03-29T17:00:00Z') });
    expect(iso(nextOpening(paris(), at('2026-03-27T18:30:00Z')))).toBe('2026-03-30T07:00:00.000Z');
    expect(isOpen(paris(), at('2026-03-27T07:30:00Z'))).toBe(false);
    expect(isOpen(paris(), at('2026-03-27T08:00:00Z'))).toBe(true);
  });

  it('spring forward: an opening inside the missing hour moves to 03:00 CEST', () => {
    const hours = sundays('02:30', '05:00');
    expect(openStatus(hours, at('2026-03-29T00:59:59Z'))).toEqual({
      open: false,
      reason: 'outside-hours',
      opensAt: at('2026-03-29T01:00:00Z'),
    });
    expect(openStatus(hours, at('2026-03-29T01:00:00Z'))).toEqual({ open: true, closesAt: at('2026-03-29T03:00:00Z') });
  });

  it('spring forward: a range wholly inside the missing hour is empty that day', () => {
    // Next Sunday is Easter Sunday, not a public holiday: 02:00 CEST.
    const hours = paris({ weekly: { sunday: [{ from: '02:00', to: '02:45' }] } });
    expect(iso(nextOpening(hours, at('2026-03-28T12:00:00Z')))).toBe('2026-04-05T00:00:00.000Z');
  });

  it('fall back, Sunday 25 October 2026: 09:00 is UTC+1 on the day, UTC+2 the Friday before', () => {
    expect(iso(nextOpening(sundays('09:00', '19:00'), at('2026-10-24T23:00:00Z')))).toBe('2026-10-25T08:00:00.000Z');
    expect(iso(nextOpening(paris(), at('2026-10-22T18:00:00Z')))).toBe('2026-10-23T07:00:00.000Z');
    expect(iso(nextOpening(paris(), at('2026-10-23T18:00:00Z')))).toBe('2026-10-26T08:00:00.000Z');
  });

  it('fall back: an opening inside the repeated hour takes its first occurrence', () => {
    const hours = sundays('02:30', '04:00');
    expect(openStatus(hours, at('2026-10-25T00:29:59Z'))).toEqual({
      open: false,
      reason: 'outside-hours',
      opensAt: at('2026-10-25T00:30:00Z'),
    });
    expect(openStatus(hours, at('2026-10-25T00:30:00Z'))).toEqual({ open: true, closesAt: at('2026-10-25T03:00:00Z') });
    // 02:15 CET, the second pass through the repeated hour, is inside the range.
    expect(isOpen(hours, at('2026-10-25T01:15:00Z'))).toBe(true);
  });

  it('fall back: a range ending inside the repeated hour ends at its first occurrence', () => {
    const hours = sundays('01:00', '02:30');
    expect(openStatus(hours, at('2026-10-24T23:00:00Z'))).toEqual({ open: true, closesAt: at('2026-10-25T00:30:00Z') });
    expect(isOpen(hours, at('2026-10-25T01:15:00Z'))).toBe(false);
  });
});

describe('another time zone: America/New_York', () => {
  const nineToFive = [{ from: '09:00', to: '17:00' }];
  const ny: BusinessHours = {
    timezone: 'America/New_York',
    weekly: { monday: nineToFive, tuesday: nineToFive, wednesday: nineToFive, thursday: nineToFive, friday: nineToFive },
    publicHolidays: 'none',
    closedDays: [],
  };

  it('opens at 09:00 EDT in summer and 09:00 EST in winter', () => {
    expect(isOpen(ny, at('2026-06-10T12:59:59Z'))).toBe(false);
    expect(openStatus(ny, at('2026-06-10T13:00:00Z'))).toEqual({ open: true, closesAt: at('2026-06-10T21:00:00Z') });
    expect(isOpen(ny, at('2026-01-14T13:30:00Z'))).toBe(false);
    expect(isOpen(ny, at('2026-01-14T14:00:00Z'))).toBe(true);
  });

  it('uses the local evening date and crosses the US DST change (8 March 2026)', () => {
    // 22:00 EDT on Wednesday is Thursday 02:00 UTC.
    expect(iso(nextOpening(ny, at('2026-06-11T02:00:00Z')))).toBe('2026-06-11T13:00:00.000Z');
    // Friday 6 March 17:00 EST → Monday 9 March 09:00 EDT.
    expect(iso(nextOpening(ny, at('2026-03-06T22:00:00Z')))).toBe('2026-03-09T13:00:00.000Z');
  });
});
