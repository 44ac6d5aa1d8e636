import { describe, it, expect } from 'vitest';
import { describeOpeningHours } from '../../ivr/speak-hours.fr.ts';

const day = (from: string, to: string) => [{ from, to }];
const weekdays = (from: string, to: string) => ({
  monday: day(from, to),
  tuesday: day(from, to),
  wednesday: day(from, to),
  thursday: day(from, to),
  friday: day(from, to),
});

describe('describeOpeningHours', () => {
  it('groups Monday to Friday', () => {
    expect(describeOpeningHours(weekdays('09:00', '19:00'))).toBe('du lundi au vendredi, de 9 heures à 19 heures');
  });

  it('adds a single day with other hours', () => {
    expect(describeOpeningHours({ ...weekdays('09:00', '19:00'), saturday: day('09:00', '12:00') })).toBe(
      'du lundi au vendredi, de 9 heures à 19 heures, et le samedi, de 9 heures à 12 heures',
    );
  });

  it('speaks minutes', () => {
    expect(describeOpeningHours({ monday: day('08:30', '12:00') })).toBe('le lundi, de 8 heures 30 à 12 heures');
    expect(describeOpeningHours({ monday: day('08:05', '12:45') })).toBe('le lundi, de 8 heures 5 à 12 heures 45');
  });

  it('lists several ranges a day, in order', () => {
    const split = [
      { from: '14:00', to: '18:00' },
      { from: '09:00', to: '12:00' },
    ];
    expect(describeOpeningHours({ tuesday: split, wednesday: [...split].reverse() })).toBe(
      'du mardi au mercredi, de 9 heures à 12 heures et de 14 heures à 18 heures',
    );
    const three = [...split, { from: '19:00', to: '20:00' }];
    expect(describeOpeningHours({ friday: three })).toBe(
      'le vendredi, de 9 heures à 12 heures, de 14 heures à 18 heures et de 19 heures à 20 heures',
    );
  });

  it('does not group days across a closed day', () => {
    const { wednesday: _closed, ...rest } = weekdays('09:00', '18:00');
    expect(describeOpeningHours({ ...rest, wednesday: [] })).toBe(
      'du lundi au mardi, de 9 heures à 18 heures, et du jeudi au vendredi, de 9 heures à 18 heures',
    );
  });

  it('joins three groups', () => {
    expect(
      describeOpeningHours({
        ...weekdays('09:00', '18:00'),
        friday: day('09:00', '17:00'),
        saturday: day('10:00', '12:00'),
        sunday: day('10:00', '12:00'),
      }),
    ).toBe(
      'du lundi au jeudi, de 9 heures à 18 heures, le vendredi, de 9 heures à 17 heures, et du samedi au dimanche, de 10 heures à 12 heures',
    );
  });

  it('says minuit and the singular heure', () => {
    expect(describeOpeningHours({ sunday: day('00:00', '01:30') })).toBe('le dimanche, de minuit à 1 heure 30');
  });

  it('is empty for a schedule that never opens', () => {
    expect(describeOpeningHours({})).toBe('');
    expect(describeOpeningHours({ monday: [] })).toBe('');
  });
});
