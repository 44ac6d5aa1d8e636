import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { confirmationText, SmsError, twilioSms, type SmsSettings } from '../../callback/sms.ts';
import { smsSegments, startFakeTwilio, type FakeTwilio } from '../support/fake-twilio.ts';

describe('twilioSms through the real SDK, against a local fake of the Messages API', () => {
  let fake: FakeTwilio;
  const settings = (over: Partial<SmsSettings> = {}): SmsSettings => ({
    accountSid: fake.accountSid,
    authToken: fake.authToken,
    from: 'ISeedOr',
    apiBase: fake.url,
    ...over,
  });
  /** The SmsError a send rejects with (fails the test if it resolves or throws anything else). */
  const failure = async (p: Promise<unknown>): Promise<SmsError> => {
    const err = await p.then(
      () => expect.fail('the send should have failed'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SmsError);
    return err as SmsError;
  };

  beforeAll(async () => {
    fake = await startFakeTwilio();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.messages.length = 0;
    fake.failNext(0);
    fake.delayMs(0);
  });

  it('posts To, From and Body and returns the SID Twilio gave', async () => {
    const body = 'ISeedOr vous rappelle demain vers 9h00. à bientôt';
    const { sid } = await twilioSms(settings()).send('+33612345678', body);
    expect(sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(fake.messages).toEqual([{ to: '+33612345678', from: 'ISeedOr', body }]);
  });

  it('accepts a number as the sender, and a trailing slash on apiBase', async () => {
    await twilioSms(settings({ from: '+33184000000', apiBase: `${fake.url}/` })).send('+33612345678', 'Test');
    expect(fake.messages).toEqual([{ to: '+33612345678', from: '+33184000000', body: 'Test' }]);
  });

  it('reports refused credentials with what Twilio answered (401, 20003 Authenticate)', async () => {
    const err = await failure(twilioSms(settings({ authToken: 'wrong' })).send('+33612345678', 'Test'));
    expect(err.code).toBe('SMS_ERR_AUTH');
    expect(err.twilio).toEqual({ status: 401, code: 20003 });
    expect(err.message).toBe('Twilio answered 401 (error 20003): Authenticate');
    expect(fake.messages).toEqual([]);
  });

  it('reports an invalid number, sender or body as rejected, with the Twilio error code', async () => {
    const to = await failure(twilioSms(settings()).send('0612345678', 'Test'));
    expect(to.code).toBe('SMS_ERR_REJECTED');
    expect(to.twilio).toEqual({ status: 400, code: 21211 });
    expect(to.message).toBe("Twilio answered 400 (error 21211): Invalid 'To' Phone Number: 0612345678");

    const from = await failure(twilioSms(settings({ from: 'ISeedOr & Co' })).send('+33612345678', 'Test'));
    expect(from.twilio).toEqual({ status: 400, code: 21212 });

    const body = await failure(twilioSms(settings()).send('+33612345678', ''));
    expect(body.twilio).toEqual({ status: 400, code: 21602 });
    expect(body.message).toContain('Message body is required');
    expect(fake.messages).toEqual([]);
  });

  it('reports a Twilio 500 as unavailable (worth a retry), and the next send goes through', async () => {
    fake.failNext(1);
    const sms = twilioSms(settings());
    const err = await failure(sms.send('+33612345678', 'Test'));
    expect(err.code).toBe('SMS_ERR_UNAVAILABLE');
    expect(err.message).toBe('Twilio answered 500 (error 20500): Internal Server Error');
    await sms.send('+33612345678', 'Test');
    expect(fake.messages).toHaveLength(1);
  });

  it('gives up on a silent Twilio within the timeout', async () => {
    fake.delayMs(5_000);
    const started = Date.now();
    const err = await failure(twilioSms(settings({ timeoutMs: 300 })).send('+33612345678', 'Test'));
    const elapsed = Date.now() - started;
    expect(err.code).toBe('SMS_ERR_TIMEOUT');
    expect(err.message).toBe('Twilio did not answer within 300 ms');
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1_500);
    // Why a timeout is its own code: Twilio may have taken the message before going silent.
    expect(fake.messages).toHaveLength(1);
  });

  it('reports an unreachable Twilio as unavailable', async () => {
    const gone = await startFakeTwilio();
    await gone.close();
    const err = await failure(twilioSms(settings({ apiBase: gone.url })).send('+33612345678', 'Test'));
    expect(err.code).toBe('SMS_ERR_UNAVAILABLE');
    expect(err.message).toMatch(/^Twilio could not be reached: .*ECONNREFUSED/);
  });
});

describe('confirmationText', () => {
  const paris = (at: string, now: string) => confirmationText('ISeedOr', new Date(at), 'Europe/Paris', new Date(now));

  it('gives only the time today, "demain" tomorrow, the day and month later (summer time, UTC+2)', () => {
    // Wednesday 10 June 2026, 10:00 in Paris.
    const now = '2026-06-10T08:00:00Z';
    expect(paris('2026-06-10T12:30:00Z', now)).toBe('ISeedOr vous rappelle vers 14h30.');
    expect(paris('2026-06-11T07:00:00Z', now)).toBe('ISeedOr vous rappelle demain vers 9h00.');
    expect(paris('2026-06-15T07:05:00Z', now)).toBe('ISeedOr vous rappelle lundi 15 juin vers 9h05.');
  });

  it('uses winter time (UTC+1), "1er" and no circumflex', () => {
    // Friday 27 November 2026.
    const now = '2026-11-27T15:00:00Z';
    expect(paris('2026-11-30T08:00:00Z', now)).toBe('ISeedOr vous rappelle lundi 30 novembre vers 9h00.');
    expect(paris('2026-12-01T13:30:00Z', now)).toBe('ISeedOr vous rappelle mardi 1er décembre vers 14h30.');
    expect(paris('2026-08-03T07:00:00Z', '2026-07-29T08:00:00Z')).toBe('ISeedOr vous rappelle lundi 3 aout vers 9h00.');
  });

  it('compares calendar days in the time zone, not in UTC', () => {
    // 23:30 and 00:30 in Paris are the same UTC day but two local days.
    expect(paris('2026-06-10T22:30:00Z', '2026-06-10T21:30:00Z')).toBe('ISeedOr vous rappelle demain vers 0h30.');
    // 00:30 and 09:00 in Paris are two UTC days but the same local day.
    expect(paris('2026-06-11T07:00:00Z', '2026-06-10T22:30:00Z')).toBe('ISeedOr vous rappelle vers 9h00.');
    expect(confirmationText('ISeedOr', new Date('2026-06-10T12:30:00Z'), 'America/Martinique', new Date('2026-06-10T11:00:00Z'))).toBe(
      'ISeedOr vous rappelle vers 8h30.',
    );
  });

  it('says "demain" across a clock change, when the next day is 23 or 25 hours long', () => {
    // Saturday noon before 29 March 2026 (02:00 -> 03:00) and 25 October 2026 (03:00 -> 02:00).
    expect(paris('2026-03-29T07:00:00Z', '2026-03-28T11:00:00Z')).toBe('ISeedOr vous rappelle demain vers 9h00.');
    expect(paris('2026-03-30T07:00:00Z', '2026-03-28T11:00:00Z')).toBe('ISeedOr vous rappelle lundi 30 mars vers 9h00.');
    expect(paris('2026-10-25T08:00:00Z', '2026-10-24T10:00:00Z')).toBe('ISeedOr vous rappelle demain vers 9h00.');
    // Sunday 23:30 CET is still "demain", 36.5 hours after Saturday noon CEST; 00:30 is Monday.
    expect(paris('2026-10-25T22:30:00Z', '2026-10-24T10:00:00Z')).toBe('ISeedOr vous rappelle demain vers 23h30.');
    expect(paris('2026-10-25T23:30:00Z', '2026-10-24T10:00:00Z')).toBe('ISeedOr vous rappelle lundi 26 octobre vers 0h30.');
  });

  it('fits one GSM-7 segment on every day of the year', () => {
    for (let day = 0; day < 365; day++) {
      const at = new Date(Date.UTC(2026, 0, 1 + day, 16, 45));
      const text = confirmationText('ISeedOr', at, 'Europe/Paris', new Date(at.getTime() - 3 * 86_400_000));
      expect(smsSegments(text), text).toEqual({ encoding: 'GSM-7', segments: 1 });
    }
  });
});
