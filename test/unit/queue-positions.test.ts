/** Chat queue places: a burst of queue changes is one read, and only visitors whose place moved are told. */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ConversationView } from '../../chat/protocol.ts';
import { QueuePositions } from '../../chat/queue-positions.ts';
import type { Conversation } from '../../chat/store.ts';

const conversation = (id: string, status: Conversation['status'] = 'waiting'): Conversation => ({
  id,
  site: 's',
  team: 'sales',
  status,
  visitorName: 'V',
  visitorEmail: null,
  verified: false,
  page: null,
  customerId: null,
  agent: null,
  agentName: null,
  lastSeq: 0,
  readByAgent: 0,
  readByVisitor: 0,
  createdAt: new Date(0),
});

function setup(queue: string[], here = (_id: string) => true) {
  const reads: string[] = [];
  const loads: string[][] = [];
  const told: [string, ConversationView][] = [];
  const positions = new QueuePositions({
    queueOrder: async (team) => {
      reads.push(team);
      return [...queue];
    },
    load: async (ids) => {
      loads.push([...ids]);
      return ids.map((id) => conversation(id));
    },
    visitorHere: here,
    tellVisitorHere: (id, view) => told.push([id, view]),
    everyMs: 100,
    log: pino({ level: 'silent' }),
  });
  return { positions, reads, loads, told };
}

const settled = (ms = 30) => new Promise((r) => setTimeout(r, ms));

describe('queue positions', () => {
  it('answers a burst of changes with one read at once and one more at most per period', async () => {
    const { positions, reads } = setup(['a', 'b']);
    positions.watch('a', conversation('a'));
    for (let i = 0; i < 50; i++) positions.changed('sales');
    await settled();
    expect(reads).toEqual(['sales']);
    for (let i = 0; i < 50; i++) positions.changed('sales');
    await settled();
    expect(reads).toEqual(['sales']);
    await settled(120);
    expect(reads).toEqual(['sales', 'sales']);
    positions.close();
  });

  it('tells only visitors here whose place changed, and reads the unknown ones from storage in one go', async () => {
    const queue = ['a', 'b', 'c', 'd'];
    const { positions, told, loads } = setup(queue, (id) => id !== 'c');
    positions.watch('a', conversation('a'), 1);
    positions.watch('b', conversation('b'), 2);
    positions.watch('c', conversation('c'));
    positions.watch('d');
    positions.changed('sales');
    await settled();
    // a and b already know their place; c's visitor is not on this process; d came back after a reload.
    expect(told.map(([id, v]) => [id, v.position])).toEqual([['d', 4]]);
    expect(loads).toEqual([['d']]);
    queue.shift();
    await settled(120);
    positions.changed('sales');
    await settled();
    expect(told.map(([id, v]) => [id, v.position])).toEqual([
      ['d', 4],
      ['b', 1],
      ['d', 3],
    ]);
    expect(loads).toHaveLength(1);
    positions.close();
  });

  it('forgets a conversation that is no longer waiting', async () => {
    const { positions, reads } = setup(['a']);
    positions.watch('a', conversation('a'));
    positions.saw(conversation('a', 'active'));
    expect(positions.size).toBe(0);
    positions.changed('sales');
    await settled();
    // Nobody waits here: the queue is not even read.
    expect(reads).toEqual([]);
    positions.close();
  });
});
