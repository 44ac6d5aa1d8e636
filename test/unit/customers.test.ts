/** The customer record's pure rules: phone numbers, merges, tiers, and what an agent's phone shows. */
import { describe, expect, it } from 'vitest';
import { higherTier, mergeDecision, tierOf } from '../../customers/merge.ts';
import { storedForms, toE164 } from '../../customers/phone.ts';
import { pickShopCustomer } from '../../customers/directory.ts';
import { callerIdFor } from '../../ivr/call-recorder.ts';
import type { ShopCustomer } from '../../customers/prestashop.ts';

describe('phone numbers are brought to E.164', () => {
  it.each([
    ['0612345678', '+33612345678'],
    ['06 12 34 56 78', '+33612345678'],
    ['06.12.34.56.78', '+33612345678'],
    ['+33 6 12 34 56 78', '+33612345678'],
    ['+33 (0)6 12 34 56 78', '+33612345678'],
    ['0033612345678', '+33612345678'],
    ['33612345678', '+33612345678'], // a trunk's international number without "+"
    ['01 42 68 53 00', '+33142685300'],
    ['+32 470 12 34 56', '+32470123456'],
    ['0032470123456', '+32470123456'],
    ['+44 20 7946 0958', '+442079460958'],
    ['+1 (202) 555-0143', '+12025550143'],
  ])('%s → %s', (typed, e164) => {
    expect(toE164(typed, 'FR')).toBe(e164);
  });

  it.each(['', 'anonymous', 'Anonymous', 'unknown', '12', '0612', '06123456789012345', 'abc0612345678', "0612345678' or 1=1"])(
    'refuses %j (withheld, too short, not a number)',
    (typed) => {
      expect(toE164(typed, 'FR')).toBeUndefined();
    },
  );

  it('reads national numbers in the company country', () => {
    expect(toE164('0470 12 34 56', 'BE')).toBe('+32470123456');
    // The same digits are a Lyon landline in France.
    expect(toE164('0470 12 34 56', 'FR')).toBe('+33470123456');
  });

  it('lists the forms a shop may have stored a number in', () => {
    expect(storedForms('+33612345678', 'FR')).toEqual([
      '+33612345678',
      '+33 6 12 34 56 78',
      '0033612345678',
      '0612345678',
      '06 12 34 56 78',
      '06.12.34.56.78',
      '06-12-34-56-78',
    ]);
    // A foreign number is only written internationally by a French shop's customers.
    expect(storedForms('+32470123456', 'FR')).toEqual(['+32470123456', '+32 470 12 34 56', '0032470123456']);
  });
});

describe('merging two records found to be one customer', () => {
  const older = { id: 'a', createdAt: 1000, shopId: null };
  const newer = { id: 'b', createdAt: 2000, shopId: null };

  it('keeps the older of two provisional records', () => {
    expect(mergeDecision(newer, older)).toEqual({ merge: true, survivor: 'a', absorbed: 'b' });
    expect(mergeDecision(older, newer)).toEqual({ merge: true, survivor: 'a', absorbed: 'b' });
  });

  it('keeps the record matched with the shop, even when it is newer', () => {
    expect(mergeDecision(older, { ...newer, shopId: '7' })).toEqual({ merge: true, survivor: 'b', absorbed: 'a' });
  });

  it('merges two records of the same shop account', () => {
    expect(mergeDecision({ ...older, shopId: '7' }, { ...newer, shopId: '7' })).toEqual({ merge: true, survivor: 'a', absorbed: 'b' });
  });

  it('never merges two shop accounts (a family sharing a phone), nor a record with itself', () => {
    expect(mergeDecision({ ...older, shopId: '7' }, { ...newer, shopId: '8' })).toEqual({
      merge: false,
      reason: 'different-shop-customers',
    });
    expect(mergeDecision(older, older)).toEqual({ merge: false, reason: 'same-record' });
  });
});

describe('tiers', () => {
  it('premium when any shop group is a premium one', () => {
    expect(tierOf([3, 4], [4])).toBe('premium');
    expect(tierOf([3], [4])).toBe('basic');
    expect(tierOf([4], [])).toBe('basic');
    expect(higherTier('basic', 'premium')).toBe('premium');
    expect(higherTier('basic', 'basic')).toBe('basic');
  });

  it('takes the most recent of several shop accounts sharing a number', () => {
    const account = (id: number, createdAt: string): ShopCustomer => ({
      id,
      firstname: 'A',
      lastname: 'B',
      email: `${id}@example.fr`,
      company: null,
      groups: [3],
      createdAt,
    });
    expect(pickShopCustomer([account(1, '2023-01-01T00:00:00.000Z'), account(2, '2025-06-01T00:00:00.000Z')])?.id).toBe(2);
    expect(pickShopCustomer([])).toBeUndefined();
  });
});

describe("what the agent's phone shows", () => {
  it('the name and tier of a known caller, else the number', () => {
    expect(callerIdFor('+33612345678', { name: 'Marie Dupont', company: null, tier: 'premium' })).toBe(
      '"Marie Dupont (premium)" <+33612345678>',
    );
    expect(callerIdFor('+33142685300', { name: null, company: 'Bernard Hébergement', tier: 'basic' })).toBe(
      '"Bernard Hébergement" <+33142685300>',
    );
    expect(callerIdFor('0612345678')).toBe('"0612345678" <0612345678>');
    expect(callerIdFor('')).toBe('"Anonyme" <anonymous>');
  });

  it("strips what would break the SIP header from the shop's text", () => {
    const shown = callerIdFor('+33612345678', { name: 'Evil" <sip:x@y>\r\nVia: \\bad', company: null, tier: 'basic' });
    expect(shown).toBe('"Evil <sip:x@y>Via: bad" <+33612345678>');
    expect(callerIdFor('1234;user=phone')).toBe('"1234;user=phone" <anonymous>');
  });
});
