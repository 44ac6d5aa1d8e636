/** Which numbers are called back, and when (callback/numbers.ts, callback/timing.ts). */
import { describe, it, expect } from 'vitest';
import { checkCallbackNumber, digitsToSay, type NumberPolicy } from '../../callback/numbers.ts';
import { firstDue, retryDue } from '../../callback/timing.ts';
import type { BusinessHours } from '../../routing/hours.ts';

const POLICY: NumberPolicy = { defaultCountry: 'FR', countries: ['FR', 'BE'] };

describe('checkCallbackNumber', () => {
  it.each([
    ['0612345678', '+33612345678'],
    ['06 12 34 56 78', '+33612345678'],
    ['06.12.34.56.78', '+33612345678'],
    ['+33 6 12 34 56 78', '+33612345678'],
    ['0033612345678', '+33612345678'],
    ['01 84 00 00 00', '+33184000000'],
    ['+32 470 12 34 56', '+32470123456'],
    ['0032470123456', '+32470123456'],
  ])('%s is called as %s', (typed, e164) => {
    expect(checkCallbackNumber(typed, POLICY)).toMatchObject({ ok: true, e164 });
  });

  it.each([
    ['', 'invalid'],
    ['appelez-moi', 'invalid'],
    ['0612', 'invalid'],
    ['06123456789012', 'invalid'],
    ['<script>', 'invalid'],
    ['+44 20 7123 4567', 'country'],
    ['+1 212 555 0100', 'country'],
    ['0899123456', 'cost'],
    ['0810123456', 'cost'],
  ])('%j is refused (%s)', (typed, reason) => {
    expect(checkCallbackNumber(typed, POLICY)).toMatchObject({ ok: false, reason });
  });

  it('reads back French numbers as dialled in France, foreign ones with 00', () => {
    expect(digitsToSay('+33612345678', 'FR')).toBe('0612345678');
    expect(digitsToSay('+32470123456', 'FR')).toBe('0032470123456');
  });
});

const HOURS: BusinessHours = {
  timezone: 'Europe/Paris',
  weekly: { monday: [{ from: '09:00', to: '19:00' }], tuesday: [{ from: '09:00', to: '19:00' }] },
  publicHolidays: 'FR',
  closedDays: [],
};
const at = (iso: string) => Date.parse(iso);

describe('when a callback is placed', () => {
  it('now during hours; at the next opening otherwise', () => {
    expect(firstDue(HOURS, at('2026-11-24T10:00:00+01:00'))).toBe(at('2026-11-24T10:00:00+01:00'));
    expect(firstDue(HOURS, at('2026-11-24T19:30:00+01:00'))).toBe(at('2026-11-30T09:00:00+01:00'));
  });

  it('not before the preferred time, moved into hours', () => {
    expect(firstDue(HOURS, at('2026-11-23T10:00:00+01:00'), at('2026-11-23T15:00:00+01:00'))).toBe(at('2026-11-23T15:00:00+01:00'));
    expect(firstDue(HOURS, at('2026-11-23T10:00:00+01:00'), at('2026-11-23T20:00:00+01:00'))).toBe(at('2026-11-24T09:00:00+01:00'));
  });

  it('retries wait longer each time, within hours', () => {
    const now = at('2026-11-24T10:00:00+01:00');
    expect(retryDue(HOURS, now, 1, 600)).toBe(now + 600_000);
    expect(retryDue(HOURS, now, 2, 600)).toBe(now + 1_200_000);
    expect(retryDue(HOURS, at('2026-11-24T18:55:00+01:00'), 1, 600)).toBe(at('2026-11-30T09:00:00+01:00'));
  });

  it('never, when the hours never open', () => {
    expect(firstDue({ ...HOURS, weekly: {} }, at('2026-11-24T10:00:00+01:00'))).toBeNull();
  });
});
