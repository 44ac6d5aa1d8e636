/**
 * The chat's relay between Relais processes: news are delivered here at once, and what one turn
 * of the event loop told (a written batch of messages) leaves in one publication, which the other
 * processes deliver in order and this one ignores when it comes back.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConversationRelay, type ConversationNews } from '../../chat/conversation-relay.ts';

/** Two processes on one channel: what either publishes reaches both (Redis pub/sub does the same). */
function twoProcesses() {
  const delivered = { a: [] as ConversationNews[], b: [] as ConversationNews[] };
  const publications: string[] = [];
  const relays: Record<'a' | 'b', ConversationRelay> = {} as never;
  for (const name of ['a', 'b'] as const)
    relays[name] = new ConversationRelay({
      deliver: (news) => delivered[name].push(news),
      publish: async (payload) => {
        publications.push(payload);
        relays.a.received(payload);
        relays.b.received(payload);
      },
      log: pino({ level: 'silent' }),
    });
  return { relays, delivered, publications };
}

const message = (n: number): ConversationNews => ({
  conversationId: `c${n % 3}`,
  event: 'message',
  data: { seq: n, text: `m${n}` },
  except: 'agent',
});
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('the conversation relay', () => {
  it('delivers here at once, and publishes a turn’s news in one publication the other process delivers in order', async () => {
    const { relays, delivered, publications } = twoProcesses();
    const batch = Array.from({ length: 60 }, (_, n) => message(n));
    for (const news of batch) relays.a.tell(news);
    expect(delivered.a).toEqual(batch);
    expect(publications).toHaveLength(0);
    await turn();
    expect(publications).toHaveLength(1);
    // Its own publication back: not delivered twice.
    expect(delivered.a).toEqual(batch);
    expect(delivered.b).toEqual(batch);
  });

  it('publishes each turn apart: a process delivers its own news at once, the others’ as their publications arrive', async () => {
    const { relays, delivered, publications } = twoProcesses();
    relays.a.tell(message(1));
    await turn();
    relays.a.tell(message(2));
    relays.b.tell(message(3));
    await turn();
    expect(publications).toHaveLength(3);
    expect(delivered.b.map((n) => (n.data as { seq: number }).seq)).toEqual([1, 3, 2]);
    expect(delivered.a.map((n) => (n.data as { seq: number }).seq)).toEqual([1, 2, 3]);
  });

  it('ignores an unreadable publication', () => {
    const { relays, delivered } = twoProcesses();
    relays.b.received('{not json');
    relays.b.received(JSON.stringify({ origin: 'elsewhere' }));
    expect(delivered.b).toEqual([]);
  });

  it('publishes what is pending when closed, and waits for it', async () => {
    const { relays, delivered } = twoProcesses();
    relays.a.tell(message(7));
    await relays.a.close();
    expect(delivered.b).toEqual([message(7)]);
  });
});
