import { describe, expect, it } from 'vitest';
import { attachmentDataUrl, dbTimeToIso, messageDataUrl, parseDataUrl, statusKind, ticketNumber } from '../../customers/osticket.ts';

describe('osTicket HTTP answers', () => {
  it('maps statuses to what the caller must do', () => {
    expect(statusKind(401)).toBe('auth');
    expect(statusKind(400)).toBe('rejected');
    expect(statusKind(403)).toBe('rejected'); // "Ticket denied": ban list or filter
    expect(statusKind(415)).toBe('rejected');
    expect(statusKind(404)).toBe('unavailable');
    expect(statusKind(429)).toBe('unavailable');
    expect(statusKind(500)).toBe('unavailable');
    expect(statusKind(503)).toBe('unavailable');
    expect(statusKind(200)).toBe('bad-answer');
    expect(statusKind(302)).toBe('bad-answer');
  });

  it('reads the ticket number from the plain-text 201 body', () => {
    expect(ticketNumber('482913')).toBe('482913');
    expect(ticketNumber('482913\n')).toBe('482913');
    expect(ticketNumber('ISO-0042')).toBe('ISO-0042');
    expect(ticketNumber('')).toBeUndefined();
    expect(ticketNumber('<html><body>It works!</body></html>')).toBeUndefined();
    expect(ticketNumber('1'.repeat(21))).toBeUndefined();
  });
});

describe('data URLs as osTicket reads them', () => {
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);

  it('builds attachments as type;base64 only, which round-trip', () => {
    const url = attachmentDataUrl({ type: 'application/pdf', data: pdf });
    expect(url).toMatch(/^data:application\/pdf;base64,[A-Za-z0-9+/]+=*$/);
    expect(parseDataUrl(url)).toEqual({ type: 'application/pdf', data: pdf });
  });

  it('drops type parameters and replaces types that are not types', () => {
    expect(attachmentDataUrl({ type: 'Text/Plain; charset=utf-8', data: Buffer.from('hi') })).toBe('data:text/plain;base64,aGk=');
    expect(attachmentDataUrl({ type: 'pdf', data: Buffer.from('hi') })).toBe('data:application/octet-stream;base64,aGk=');
    expect(attachmentDataUrl({ type: 'a,b/c', data: Buffer.from('') })).toBe('data:application/octet-stream;base64,');
  });

  it('sends the message as UTF-8 text, commas and all', () => {
    const text = 'Bonjour, ma seedbox est lente — débit à 2 Mo/s.\nMerci';
    const url = messageDataUrl(text);
    expect(url).toBe(`data:text/plain;charset=utf-8,${text}`);
    expect(parseDataUrl(url)).toEqual({ type: 'text/plain', charset: 'utf-8', data: Buffer.from(text) });
  });

  it('keeps osTicket quirks: only the first parameter counts, no percent-decoding', () => {
    // A charset before ;base64 hides the base64 flag from Format::parseRfc2397.
    expect(parseDataUrl('data:text/plain;charset=utf-8;base64,aGk=')?.data.toString()).toBe('aGk=');
    expect(parseDataUrl('data:text/plain;charset=utf-8,a%20b')?.data.toString()).toBe('a%20b');
    expect(parseDataUrl('data:,content')).toEqual({ type: 'text/plain', data: Buffer.from('content') });
  });

  it('refuses what is not a data URL, or malformed base64', () => {
    expect(parseDataUrl('content')).toBeUndefined();
    expect(parseDataUrl('data:text/plain')).toBeUndefined();
    expect(parseDataUrl('data:application/pdf;base64,@@@@')).toBeUndefined();
    expect(parseDataUrl('data:application/pdf;base64,aGk')).toBeUndefined();
  });
});

describe('dbTimeToIso', () => {
  it('reads DATETIMEs as wall-clock time in the database time zone', () => {
    expect(dbTimeToIso('2026-11-20 18:22:04', 'UTC')).toBe('2026-11-20T18:22:04.000Z');
    expect(dbTimeToIso('2026-11-20 18:22:04', 'Europe/Paris')).toBe('2026-11-20T17:22:04.000Z');
    expect(dbTimeToIso('2026-07-01 08:30:00', 'Europe/Paris')).toBe('2026-07-01T06:30:00.000Z');
    expect(dbTimeToIso('2026-07-01 08:30:00', 'America/New_York')).toBe('2026-07-01T12:30:00.000Z');
  });

  it('settles the hours around DST changes', () => {
    // Paris moves from +01:00 to +02:00 at 2026-03-29 02:00 and back at 2026-10-25 03:00.
    expect(dbTimeToIso('2026-03-29 01:59:59', 'Europe/Paris')).toBe('2026-03-29T00:59:59.000Z');
    expect(dbTimeToIso('2026-03-29 03:00:00', 'Europe/Paris')).toBe('2026-03-29T01:00:00.000Z');
    expect(dbTimeToIso('2026-10-25 04:00:00', 'Europe/Paris')).toBe('2026-10-25T03:00:00.000Z');
  });

  it('gives undefined for zero dates and for anything that is not a DATETIME', () => {
    expect(dbTimeToIso('0000-00-00 00:00:00', 'UTC')).toBeUndefined();
    expect(dbTimeToIso('', 'UTC')).toBeUndefined();
    expect(dbTimeToIso('2026-11-20', 'UTC')).toBeUndefined();
  });
});
