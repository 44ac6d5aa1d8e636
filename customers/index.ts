/**
 * The customer records' public interface, for the channels (ivr, callback, chat) and the HTTP API:
 * identify a caller or a visitor, report interactions, read a customer's timeline, orders and
 * tickets, open helpdesk tickets, and the GDPR operations. Nothing here ever throws at a channel
 * for a remote service: a lookup that fails is an unidentified customer, logged once.
 */
import type { Redis } from 'ioredis';
import type { CountryCode } from 'libphonenumber-js';
import type pg from 'pg';
import type { Logger } from 'pino';
import { CustomerDirectory } from './directory.ts';
import { InteractionLog } from './interactions.ts';
import type { Helpdesk, HelpdeskTicket, NewTicket } from './osticket.ts';
import { OutageLog } from './outage-log.ts';
import { toE164 } from './phone.ts';
import type { Shop, ShopOrder } from './prestashop.ts';
import { Privacy, type Retention } from './privacy.ts';
import { CustomerStore, type Customer, type Profile } from './store.ts';

export type { Customer } from './store.ts';
export type { TimelineEntry } from './interactions.ts';

export interface RecordsDeps {
  db: pg.Pool;
  redis: Redis;
  prefix: string;
  home: CountryCode;
  shop?: Shop;
  helpdesk?: Helpdesk;
  premiumShopGroups: readonly number[];
  lookupTimeoutMs: number;
  cacheSeconds: number;
  retention: Retention;
  /** Help topic of the tickets Relais opens. */
  ticketTopicId?: number;
  log: Logger;
}

export class CustomerRecords {
  readonly interactions: InteractionLog;
  private readonly store: CustomerStore;
  private readonly directory: CustomerDirectory;
  private readonly privacy: Privacy;
  private readonly helpdeskHealth: OutageLog;

  constructor(private readonly d: RecordsDeps) {
    this.store = new CustomerStore(d.db);
    this.interactions = new InteractionLog(d.db);
    this.privacy = new Privacy(d.db, this.store);
    this.directory = new CustomerDirectory({
      store: this.store,
      shop: d.shop,
      redis: d.redis,
      prefix: d.prefix,
      home: d.home,
      premiumShopGroups: d.premiumShopGroups,
      timeoutMs: d.lookupTimeoutMs,
      cacheSeconds: d.cacheSeconds,
      log: d.log,
    });
    this.helpdeskHealth = new OutageLog(d.log, 'helpdesk');
  }

  /** The caller's record, within the lookup timeout; null for a withheld number or when PostgreSQL is away. */
  async identifyCaller(callerId: string): Promise<Customer | null> {
    return this.directory.byPhone(callerId).catch((err: Error) => {
      this.d.log.warn({ err: err.message }, 'caller not identified');
      return null;
    });
  }

  /** A visitor's record by the email they gave, within the lookup timeout. */
  async identifyVisitor(email: string, source: string, profile: Profile = {}): Promise<Customer | null> {
    return this.directory.byEmail(email, source, profile).catch((err: Error) => {
      this.d.log.warn({ err: err.message }, 'visitor not identified');
      return null;
    });
  }

  /** A caller ID in E.164, or undefined (withheld, not a number). */
  phoneOf(callerId: string): string | undefined {
    return toE164(callerId, this.d.home);
  }

  /** Adds an identity learnt during an interaction (a web form's email to the caller's number). */
  link(customerId: string, identity: { kind: 'phone' | 'email'; value: string }, source: string): Promise<Customer> {
    return this.directory.learn(customerId, identity, source);
  }

  /**
   * Premium customers go first in every queue. The values are the routing core's priorities,
   * spelt here so that records depend on nothing of routing's (routing → records).
   */
  async priorityOf(callerId: string): Promise<'premium' | 'normal'> {
    return (await this.identifyCaller(callerId))?.tier === 'premium' ? 'premium' : 'normal';
  }

  get(id: string): Promise<Customer | null> {
    return this.store.get(id);
  }

  /** Free text (name, company, email part), or an exact phone number in any format, or an email. */
  search(q: string, limit = 20): Promise<Customer[]> {
    const text = q.trim();
    const phone = toE164(text, this.d.home);
    const email = text.includes('@') ? text.toLowerCase() : undefined;
    return this.store.search({ text: phone ? undefined : text, phone, email }, limit);
  }

  async timeline(id: string) {
    const live = await this.store.resolve(id);
    return live ? this.interactions.timeline(live) : null;
  }

  async addNote(id: string, author: string, body: string) {
    const live = await this.store.get(id);
    return live ? this.interactions.addNote(live.id, author, body) : null;
  }

  /** Staff edit contact details: a number or email added (merging if it names another record), a name. */
  async edit(id: string, change: { name?: string; company?: string; phone?: string; email?: string }, author: string) {
    const live = await this.store.get(id);
    if (!live) return null;
    const identities = [];
    if (change.phone) identities.push({ kind: 'phone' as const, value: change.phone });
    if (change.email) identities.push({ kind: 'email' as const, value: change.email });
    const updated = await this.store.learn(live.id, identities, `staff:${author}`, { name: change.name, company: change.company });
    await this.directory.forget(live);
    await this.directory.forget(updated);
    return updated;
  }

  /** The customer's last shop orders (empty without a shop link or when the shop is away). */
  async ordersOf(c: Customer, limit = 5): Promise<ShopOrder[] | null> {
    if (!this.d.shop || !c.shopId) return [];
    return this.d.shop.ordersOf(Number(c.shopId), limit, AbortSignal.timeout(this.d.lookupTimeoutMs * 3)).catch((err: Error) => {
      this.d.log.warn({ err: err.message }, 'orders unavailable');
      return null;
    });
  }

  /** The customer's helpdesk tickets by their emails, newest first; null when the helpdesk is away. */
  async ticketsOf(c: Customer, limit = 10): Promise<HelpdeskTicket[] | null> {
    if (!this.d.helpdesk || c.emails.length === 0) return [];
    try {
      const lists = await Promise.all(c.emails.map((e) => this.d.helpdesk!.ticketsOf(e, limit)));
      this.helpdeskHealth.ok();
      return lists
        .flat()
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .slice(0, limit);
    } catch (err) {
      this.helpdeskHealth.failed(err as Error);
      return null;
    }
  }

  /**
   * Opens a helpdesk ticket (an offline message, a failed callback) and links it to the
   * interaction; resolves the ticket number, or null when there is no helpdesk or it failed.
   */
  async openTicket(t: Omit<NewTicket, 'topicId'>, interactionId?: string): Promise<string | null> {
    if (!this.d.helpdesk) return null;
    try {
      const number = await this.d.helpdesk.createTicket({ ...t, topicId: this.d.ticketTopicId });
      this.helpdeskHealth.ok();
      if (interactionId) await this.interactions.change(interactionId, { links: { ticket: number } });
      return number;
    } catch (err) {
      this.helpdeskHealth.failed(err as Error);
      return null;
    }
  }

  export(id: string) {
    return this.privacy.export(id);
  }

  /** Erases the customer; `cancelOpen` first cancels what is still scheduled for them (callbacks). */
  async erase(id: string, cancelOpen?: (c: { phones: string[]; emails: string[] }) => Promise<void>): Promise<boolean> {
    const erased = await this.privacy.erase(id, cancelOpen);
    if (erased) await this.directory.forget(erased);
    return Boolean(erased);
  }

  /** Applies the retention periods; returns how many interactions and customers went. */
  async purge(now: Date): Promise<{ interactions: number; customers: number }> {
    const { erased, ...counts } = await this.privacy.purge(now, this.d.retention);
    for (const c of erased) await this.directory.forget(c);
    return counts;
  }

  async close(): Promise<void> {
    await this.d.helpdesk?.close();
  }
}
