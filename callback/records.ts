/**
 * A callback's side of the customer record: the person asking is identified (and a web form's
 * email joined to their number), each attempt lands on their timeline, and a callback that failed
 * every attempt becomes a helpdesk ticket so that someone follows it up. Never fatal to a callback.
 */
import type { Logger } from 'pino';
import type { Customer } from '../customers/index.ts';
import type { InteractionStart } from '../customers/interactions.ts';
import type { NewTicket } from '../customers/osticket.ts';
import type { Callback } from './store.ts';

/** What callbacks need of the customer records (customers/index.ts). */
export interface CallbackRecords {
  identifyCaller(number: string): Promise<Customer | null>;
  identifyVisitor(email: string, source: string, profile?: { name?: string }): Promise<Customer | null>;
  link(customerId: string, identity: { kind: 'phone' | 'email'; value: string }, source: string): Promise<unknown>;
  interactions: {
    begin(s: InteractionStart): Promise<void>;
    change(id: string, c: { agent?: string; answeredAt?: Date }): Promise<void>;
    end(id: string, outcome: string, at: Date): Promise<void>;
  };
  openTicket(t: Omit<NewTicket, 'topicId'>, interactionId?: string): Promise<string | null>;
}

export class CallbackRecorder {
  constructor(
    private readonly records: CallbackRecords | undefined,
    private readonly log: Logger,
  ) {}

  /** A new request: its number, and a web form's email and name, on one record. */
  requested(cb: Callback): void {
    this.quietly('identify', async (r) => {
      const byEmail = cb.email ? await r.identifyVisitor(cb.email, 'web-form', { name: cb.name ?? undefined }) : null;
      if (byEmail) await r.link(byEmail.id, { kind: 'phone', value: cb.number }, 'web-form');
      else await r.identifyCaller(cb.number);
    });
  }

  attemptStarted(cb: Callback, agent: string, at: Date): void {
    const id = cb.interactionId;
    if (!id) return;
    this.quietly('attempt start', async (r) => {
      const customer = await r.identifyCaller(cb.number);
      await r.interactions.begin({
        id,
        channel: 'callback',
        direction: 'outbound',
        contact: cb.number,
        customerId: customer?.id ?? null,
        at,
        team: cb.team,
      });
      await r.interactions.change(id, { agent });
    });
  }

  attemptEnded(cb: Callback, outcome: string, at: Date): void {
    const id = cb.interactionId;
    if (id) this.quietly('attempt end', (r) => r.interactions.end(id, outcome, at));
  }

  /** Every attempt failed: a ticket, on the customer's email (osTicket requires one). */
  failed(cb: Callback, ticket: (cb: Callback, email: string) => Omit<NewTicket, 'topicId'>): void {
    this.quietly('failure ticket', async (r) => {
      const email = cb.email ?? (await r.identifyCaller(cb.number))?.emails[0];
      if (!email) return this.log.info({ callback: cb.id }, 'failed callback: no email known, no ticket');
      const number = await r.openTicket(ticket(cb, email), cb.interactionId ?? undefined);
      if (number) this.log.info({ callback: cb.id, ticket: number }, 'failed callback: ticket opened');
    });
  }

  private quietly(what: string, work: (r: CallbackRecords) => Promise<unknown>): void {
    const records = this.records;
    if (!records) return;
    work(records).catch((err: Error) => this.log.warn({ err: err.message }, `callback record: ${what} not written`));
  }
}
