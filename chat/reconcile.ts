/**
 * Makes the routing core agree with PostgreSQL: every waiting conversation has its place in its
 * team's queue, so a Redis that lost its data loses no visitor (chat/index.ts runs it at start
 * and every minute). The ones the core knows are found 1,000 at a time with one round trip each;
 * only the missing ones are read, looked up (their customer's tier) and enqueued (idempotent).
 */
import type { CustomerRecords } from '../customers/index.ts';
import type { RoutingCore } from '../routing/core.ts';
import type { ChatStore } from './store.ts';

/** How many waiting conversations are checked at a time: 10,000 do not hold the event loop in one go. */
const SLICE = 1000;

export interface ReconcileDeps {
  store: Pick<ChatStore, 'waitingIds' | 'getMany'>;
  routing: Pick<RoutingCore, 'existing' | 'enqueue'>;
  records: Pick<CustomerRecords, 'get'>;
}

/** Returns how many conversations were put back in their queues. */
export async function reconcileQueues(d: ReconcileDeps): Promise<number> {
  const waiting = await d.store.waitingIds();
  const unknown: string[] = [];
  for (let i = 0; i < waiting.length; i += SLICE) {
    const slice = waiting.slice(i, i + SLICE);
    const known = await d.routing.existing(slice);
    unknown.push(...slice.filter((id) => !known.has(id)));
  }
  const missing = unknown.length ? (await d.store.getMany(unknown)).filter((c) => c.status === 'waiting') : [];
  missing.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  for (const c of missing) {
    const tier = c.customerId ? (await d.records.get(c.customerId).catch(() => null))?.tier : undefined;
    await d.routing.enqueue({
      id: c.id,
      channel: 'chat',
      team: c.team,
      priority: tier === 'premium' ? 'premium' : 'normal',
      enqueuedAt: c.createdAt.getTime(),
      meta: { conversationId: c.id },
    });
  }
  return missing.length;
}
