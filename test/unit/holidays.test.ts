import { describe, it, expect } from 'vitest';
import { easterSunday, publicHolidays } from '../../routing/holidays.ts';

describe('easterSunday', () => {
  it.each([
    [1818, '1818-03-22'],
    [1943, '1943-04-25'],
    [2000, '2000-04-23'],
    [2008, '2008-03-23'],
    [2011, '2011-04-24'],
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
    [2038, '2038-04-25'],
    [2285, '2285-03-22'],
  ])('%i → %s', (year, date) => {
    expect(easterSunday(year)).toBe(date);
  });

  it('refuses years before the Gregorian calendar', () => {
    expect(() => easterSunday(1500)).toThrow(RangeError);
  });
});

describe('publicHolidays', () => {
  it('lists the eleven French holidays of 2026 in date order, Whit Monday included', () => {
    expect(publicHolidays(2026, 'FR')).toEqual([
      { date: '2026-01-01', name: "Jour de l'an" },
      { date: '2026-04-06', name: 'Lundi de Pâques' },
      { date: '2026-05-01', name: 'Fête du Travail' },
      { date: '2026-05-08', name: 'Victoire 1945' },
      { date: '2026-05-14', name: 'Ascension' },
      { date: '2026-05-25', name: 'Lundi de Pentecôte' },
      { date: '2026-07-14', name: 'Fête nationale' },
      { date: '2026-08-15', name: 'Assomption' },
      { date: '2026-11-01', name: 'Toussaint' },
      { date: '2026-11-11', name: 'Armistice' },
      { date: '2026-12-25', name: 'Noël' },
    ]);
  });

  it('adds Good Friday and St Stephen in Alsace-Moselle', () => {
    const alsace = publicHolidays(2026, 'FR-alsace-moselle');
    expect(alsace).toHaveLength(13);
    expect(alsace).toContainEqual({ date: '2026-04-03', name: 'Vendredi saint' });
    expect(alsace).toContainEqual({ date: '2026-12-26', name: 'Saint-Étienne' });
    expect(alsace.map((h) => h.date)).toEqual(alsace.map((h) => h.date).sort());
  });

  it('follows Easter for the movable feasts', () => {
    const dates = (year: number) => publicHolidays(year, 'FR').map((h) => `${h.date} ${h.name}`);
    expect(dates(2025)).toEqual(
      expect.arrayContaining(['2025-04-21 Lundi de Pâques', '2025-05-29 Ascension', '2025-06-09 Lundi de Pentecôte']),
    );
    // Ascension on 1 May: both holidays are listed, same date.
    expect(dates(2008).filter((d) => d.startsWith('2008-05-01'))).toEqual(['2008-05-01 Fête du Travail', '2008-05-01 Ascension']);
  });

  it('has none in the "none" calendar', () => {
    expect(publicHolidays(2026, 'none')).toEqual([]);
  });
});
