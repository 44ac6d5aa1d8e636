/**
 * Who is calling or chatting: a caller ID or an email → the customer's record. The local record
 * answers first, then the shop (within `timeoutMs`: a slow or failing shop never delays a call or
 * a chat, which go on unidentified while the shop's answer completes the record later); answers
 * are cached in Redis for `cacheSeconds`. An unknown caller gets a provisional record by number,
 * merged when an email or a shop account shows it is someone already known.
 */
import type { Redis } from 'ioredis';
import type { CountryCode } from 'libphonenumber-js';
import type { Logger } from 'pino';
import { OutageLog } from './outage-log.ts';
import { tierOf } from './merge.ts';
import { toE164 } from './phone.ts';
import type { Shop, ShopCustomer } from './prestashop.ts';
import type { Customer, CustomerStore, Identity, Profile } from './store.ts';

export interface DirectoryDeps {
  store: CustomerStore;
  /** Absent: no shop configured, the local record is the whole answer. */
  shop?: Shop;
  redis: Redis;
  prefix: string;
  home: CountryCode;
  premiumShopGroups: readonly number[];
  timeoutMs: number;
  cacheSeconds: number;
  log: Logger;
}

export class CustomerDirectory {
  /** Lookups in progress, shared: the call's start and its queue entry ask the same question. */
  private readonly inflight = new Map<string, Promise<Customer>>();
  private readonly shopHealth: OutageLog;

  constructor(private readonly d: DirectoryDeps) {
    this.shopHealth = new OutageLog(d.log, 'shop');
  }

  /** The caller's record; null when the caller ID is not a number (anonymous, withheld). */
  async byPhone(callerId: string): Promise<Customer | null> {
    const e164 = toE164(callerId, this.d.home);
    if (!e164) return null;
    return this.lookup({ kind: 'phone', value: e164 }, 'caller-id', {}, () => this.d.shop!.customersByPhone(e164));
  }

  /** A visitor's record by the email they gave (a chat, a web form), with the name they gave. */
  async byEmail(email: string, source: string, profile: Profile = {}): Promise<Customer> {
    const value = email.trim().toLowerCase();
    return this.lookup({ kind: 'email', value }, source, profile, async () => {
      const found = await this.d.shop!.customerByEmail(value);
      return found ? [found] : [];
    });
  }

  /**
   * Adds an identity learnt during an interaction (the caller's number to a visitor known by
   * email), merging records that turn out to be one customer.
   */
  async learn(customerId: string, identity: Identity, source: string): Promise<Customer> {
    const customer = await this.d.store.learn(customerId, [identity], source);
    await this.forget(customer);
    return customer;
  }

  /** Drops the cached answers naming this customer (after an edit, a merge, an erasure). */
  async forget(c: Pick<Customer, 'phones' | 'emails'>): Promise<void> {
    const keys = [
      ...c.phones.map((p) => this.key({ kind: 'phone', value: p })),
      ...c.emails.map((e) => this.key({ kind: 'email', value: e })),
    ];
    if (keys.length) await this.d.redis.del(...keys).catch(() => undefined);
  }

  private async lookup(identity: Identity, source: string, profile: Profile, askShop: () => Promise<ShopCustomer[]>): Promise<Customer> {
    const key = this.key(identity);
    // Every change to a record (learn, merge, edit, erasure, purge) drops its cached answers.
    const cached = await this.d.redis.get(key).catch(() => null);
    if (cached) return JSON.parse(cached) as Customer;
    const known = await this.d.store.findBy(identity);
    let work = this.inflight.get(key);
    if (!work) {
      work = this.complete(identity, source, profile, askShop, known).finally(() => this.inflight.delete(key));
      this.inflight.set(key, work);
    }
    if (!this.d.shop) return work;
    // Already matched with the shop: answer now, the shop refreshes the record in the background.
    if (known && !known.provisional) {
      work.catch(() => undefined);
      return known;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), this.d.timeoutMs)));
    const first = await Promise.race([work, late]).finally(() => clearTimeout(timer));
    if (first !== 'late') return first;
    // The shop is slow: go on with what we hold (or a provisional record); `work` completes it later.
    return this.d.store.findOrCreate(identity, source, profile);
  }

  /** Local record + the shop's answer, learnt into the record, then cached. */
  private async complete(
    identity: Identity,
    source: string,
    profile: Profile,
    askShop: () => Promise<ShopCustomer[]>,
    known: Customer | null,
  ): Promise<Customer> {
    let customer = await this.d.store.findOrCreate(identity, source, profile, known);
    if (this.d.shop) {
      const found = await this.askShop(askShop);
      if (found === undefined) return customer; // the shop failed: not cached, asked again next time
      const match = pickShopCustomer(found);
      if (match) customer = await this.fromShop(customer, match, identity);
    }
    await this.d.redis.set(this.key(identity), JSON.stringify(customer), 'EX', this.d.cacheSeconds).catch(() => undefined);
    return customer;
  }

  /** The shop's answer, or undefined when it failed (the client's own timeout bounds how long it runs on). */
  private async askShop(ask: () => Promise<ShopCustomer[]>): Promise<ShopCustomer[] | undefined> {
    try {
      const found = await ask();
      this.shopHealth.ok();
      return found;
    } catch (err) {
      this.shopHealth.failed(err as Error);
      return undefined;
    }
  }

  /** Matches the record with its shop account: name, tier, the shop's email, merged if already known. */
  private async fromShop(customer: Customer, shop: ShopCustomer, via: Identity): Promise<Customer> {
    const identities: Identity[] = [{ kind: 'shop', value: String(shop.id) }, via];
    if (shop.email) identities.push({ kind: 'email', value: shop.email });
    const name = [shop.firstname, shop.lastname].filter(Boolean).join(' ') || null;
    const learnt = await this.d.store.learn(customer.id, identities, 'shop', {
      name,
      company: shop.company,
      tier: tierOf(shop.groups, this.d.premiumShopGroups),
      provisional: false,
    });
    await this.forget(learnt);
    return learnt;
  }

  private key(i: Identity): string {
    return `${this.d.prefix}:customers:${i.kind}:${i.value}`;
  }
}

/**
 * Several shop accounts share this number or email (a family, an office): the most recent account
 * is taken, as the likeliest to be the one calling about a current order.
 */
export function pickShopCustomer(found: readonly ShopCustomer[]): ShopCustomer | undefined {
  return [...found].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
}
