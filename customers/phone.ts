/**
 * Phone numbers as customers and systems write them ("06 12 34 56 78", "+33 6 12 34 56 78",
 * "0033612345678", a trunk's "33612345678") brought to one form, E.164, which is how the record
 * stores them; and back to the forms a shop may have stored, to search it.
 */
import { parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';

/** What a number may look like when typed: digits, an optional leading +, spaces and . ( ) -. */
const TYPED = /^\+?[0-9 .()/-]{3,30}$/;

/**
 * Parses a number typed or received in any usual format; `undefined` when it is not a valid
 * number (anonymous caller IDs, typos). National numbers are read in `home`'s plan.
 */
export function parsePhone(input: string, home: CountryCode): PhoneNumber | undefined {
  // "00" is how an international number is typed on a keypad, which has no "+".
  const typed = input.trim().replace(/^00/, '+');
  if (!TYPED.test(typed)) return undefined;
  const parsed = parsePhoneNumberFromString(typed, home);
  if (parsed?.isValid()) return parsed;
  // Trunks often send international numbers without the "+" (33612345678).
  const digits = typed.replace(/\D/g, '');
  if (!typed.startsWith('+') && !digits.startsWith('0')) {
    const international = parsePhoneNumberFromString(`+${digits}`);
    if (international?.isValid()) return international;
  }
  return undefined;
}

/** The number in E.164 (+33612345678), or `undefined` when it is not a valid number. */
export function toE164(input: string, home: CountryCode): string | undefined {
  return parsePhone(input, home)?.number;
}

/**
 * The ways a shop's address book may hold this number, for an exact-match search: national
 * digits, spaced, dotted, E.164, international spaced and 00-prefixed. Duplicates removed.
 */
export function storedForms(e164: string, home: CountryCode): string[] {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return [e164];
  const international = parsed.formatInternational(); // +33 6 12 34 56 78
  const forms = [e164, international, `00${e164.slice(1)}`];
  if (parsed.country === home) {
    const national = parsed.formatNational(); // 06 12 34 56 78
    forms.push(national.replace(/\D/g, ''), national, national.replace(/ /g, '.'), national.replace(/ /g, '-'));
  }
  return [...new Set(forms)];
}
