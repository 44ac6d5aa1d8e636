/**
 * Which numbers Relais agrees to call back. Anything typed (on a keypad, in a web form, or a
 * caller ID) in French or international format is normalised to E.164; numbers that would cost
 * the company money or could be abused (premium rate, shared cost, countries not served) are
 * refused: a callback form is a toll-fraud target like any outbound route.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { parsePhone } from '../customers/phone.ts';

export interface NumberPolicy {
  /** Country of numbers written without an international prefix (0612345678). */
  defaultCountry: CountryCode;
  /** Countries Relais calls (ISO codes). */
  countries: readonly string[];
}

export type NumberCheck =
  { ok: true; e164: string; country: string; national: string } | { ok: false; reason: 'invalid' | 'country' | 'cost'; message: string };

/** Types of number that make the caller pay nothing and the company pay more, or reach services. */
const REFUSED_TYPES = new Set(['PREMIUM_RATE', 'SHARED_COST', 'UAN', 'VOICEMAIL', 'PAGER']);

export function checkCallbackNumber(input: string, policy: NumberPolicy): NumberCheck {
  const parsed = parsePhone(input, policy.defaultCountry);
  if (!parsed) return { ok: false, reason: 'invalid', message: 'not a valid phone number' };
  const country = parsed.country ?? '';
  if (!policy.countries.includes(country))
    return { ok: false, reason: 'country', message: `numbers of ${country || 'this country'} are not called back` };
  if (REFUSED_TYPES.has(parsed.getType() ?? ''))
    return { ok: false, reason: 'cost', message: 'premium-rate and special numbers are not called back' };
  return { ok: true, e164: parsed.number, country, national: parsed.formatNational() };
}

/**
 * The digits to read back to a caller, as they would dial them from the company's country:
 * "0612345678" for a French number, "0044..." for a foreign one.
 */
export function digitsToSay(e164: string, home: CountryCode): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (parsed?.country === home) return parsed.formatNational().replace(/\D/g, '');
  return `00${e164.replace(/\D/g, '')}`;
}

/** Whether a confirmation SMS can reach the number (a mobile, or a number that may be one). */
export function isMobile(e164: string): boolean {
  const type = parsePhoneNumberFromString(e164)?.getType();
  return type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE';
}
