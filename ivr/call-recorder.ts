/**
 * A call's side of the customer record: who calls (looked up while the greeting plays, so the
 * agent's phone shows their name), and the call on the customer's timeline: begun, queued for a
 * team, answered by an agent, ended with an outcome. Writes go out in order, one call at a time,
 * and never hold the call up: a failed write is logged and the call goes on.
 */
import type { Logger } from 'pino';
import type { Customer } from '../customers/index.ts';
import type { InteractionChange, InteractionStart } from '../customers/interactions.ts';
import type { CallState } from './flow-types.ts';

/** What the IVR needs of the customer records (customers/index.ts). */
export interface CallRecords {
  identifyCaller(callerId: string): Promise<Customer | null>;
  /** The caller ID in E.164, or undefined (withheld, not a number). */
  phoneOf(callerId: string): string | undefined;
  interactions: {
    begin(s: InteractionStart): Promise<void>;
    change(id: string, c: InteractionChange): Promise<void>;
    end(id: string, outcome: string, at: Date): Promise<void>;
  };
}

export class CallRecorder {
  private writes: Promise<void> = Promise.resolve();
  private customer: Pick<Customer, 'name' | 'company' | 'tier'> | undefined;
  private team: string | undefined;
  private farewell: string | undefined;
  private booked = false;
  private talked = false;

  constructor(
    private readonly records: CallRecords | undefined,
    private readonly callId: string,
    private readonly callerNumber: string,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {}

  /** The call began (or was adopted after a restart: the record is kept, the lookup redone from cache). */
  started(): void {
    const records = this.records;
    if (!records) return;
    const at = this.now();
    const contact = records.phoneOf(this.callerNumber) ?? null;
    this.write(() => records.interactions.begin({ id: this.callId, channel: 'call', direction: 'inbound', contact, customerId: null, at }));
    if (!contact) return;
    void records.identifyCaller(this.callerNumber).then((c) => {
      if (!c) return;
      this.customer = c;
      this.log.info({ customer: c.id, tier: c.tier, provisional: c.provisional }, 'caller identified');
      this.write(() => records.interactions.change(this.callId, { customerId: c.id }));
    });
  }

  /** Follows the call's steps: the team it waits for, a callback booked, the last message heard. */
  observe(state: CallState): void {
    if ((state.phase === 'queue' || state.phase === 'talking') && state.team !== this.team) {
      this.team = state.team;
      const team = state.team;
      this.write((r) => r.interactions.change(this.callId, { team }));
    }
    if (state.phase === 'callback' && state.step === 'confirm') this.booked = true;
    if (state.phase === 'farewell') this.farewell = state.prompt;
  }

  connected(agent: string): void {
    this.talked = true;
    const answeredAt = this.now();
    this.write((r) => r.interactions.change(this.callId, { agent, answeredAt }));
  }

  ended(lastState: CallState): void {
    const outcome = this.talked
      ? 'answered'
      : this.booked
        ? 'callback-requested'
        : this.farewell === 'closed'
          ? 'closed'
          : this.farewell === 'noAnswer'
            ? 'no-agent'
            : lastState.phase === 'queue' || lastState.phase === 'callback'
              ? 'abandoned'
              : 'hung-up';
    const at = this.now();
    this.write((r) => r.interactions.end(this.callId, outcome, at));
  }

  /** What the agent's phone shows: the customer's name and tier, else the number. */
  callerId(): string {
    return callerIdFor(this.callerNumber, this.customer);
  }

  private write(request: (r: CallRecords) => Promise<void>): void {
    const records = this.records;
    if (!records) return;
    this.writes = this.writes
      .then(() => request(records))
      .catch((err: Error) => this.log.warn({ err: err.message }, 'call record not written'));
  }
}

/**
 * A SIP caller ID: `"Marie Dupont (premium)" <+33612345678>`. The name is the shop's user text,
 * so quotes, backslashes and control characters are dropped and its length bounded.
 */
export function callerIdFor(number: string, customer?: Pick<Customer, 'name' | 'company' | 'tier'>): string {
  const who = customer?.name ?? customer?.company;
  const shown = who ? `${who}${customer?.tier === 'premium' ? ' (premium)' : ''}` : number || 'Anonyme';
  const safe = shown.replace(/["\\\p{Cc}]/gu, '').slice(0, 48);
  const user = /^\+?[0-9]{1,20}$/.test(number) ? number : 'anonymous';
  return `"${safe}" <${user}>`;
}
