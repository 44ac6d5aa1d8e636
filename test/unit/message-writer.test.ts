/** Group commit: who goes in which batch, and what a failed batch does to its messages. */
import { describe, expect, it } from 'vitest';
import { MessageWriter, type Appended, type BatchItem } from '../../chat/message-writer.ts';

/** A write that waits until the test lets each batch finish. */
function controlled() {
  const batches: { items: BatchItem[]; finish: (err?: Error & { code?: string }) => void }[] = [];
  const write = (items: readonly BatchItem[]) =>
    new Promise<Appended[]>((resolve, reject) =>
      batches.push({
        items: [...items],
        finish: (err) =>
          err
            ? reject(err)
            : resolve(items.map((i, k) => ({ duplicate: false, agentAssigned: false, message: { id: i.id, seq: k + 1 } as never }))),
      }),
    );
  return { batches, write };
}

const tick = () => new Promise((r) => setImmediate(r));
const names = (items: BatchItem[]) => items.map((i) => i.id);
const pgError = (code: string) => Object.assign(new Error(code), { code });

describe('the message writer', () => {
  it('gathers what arrives meanwhile, and keeps a conversation out of a second batch while its first is on its way', async () => {
    const { batches, write } = controlled();
    const w = new MessageWriter(write, { inFlight: 2 });
    const done = [w.append('A', { id: 'a1', from: 'visitor', text: '' })];
    await tick();
    expect(batches.map((b) => names(b.items))).toEqual([['a1']]);
    // A is on its way: a2 waits for it; B's messages go in a second batch at once.
    done.push(...['a2', 'b1', 'b2'].map((id) => w.append(id[0]!.toUpperCase(), { id, from: 'visitor', text: '' })));
    await tick();
    expect(batches.map((b) => names(b.items))).toEqual([['a1'], ['b1', 'b2']]);
    batches[0]!.finish();
    await tick();
    await tick();
    expect(batches.map((b) => names(b.items))).toEqual([['a1'], ['b1', 'b2'], ['a2']]);
    batches[1]!.finish();
    batches[2]!.finish();
    expect((await Promise.all(done)).every((a) => a && !a.duplicate)).toBe(true);
    expect(w.stats()).toMatchObject({ batches: 3, messages: 4 });
    expect(w.stats()).toMatchObject({ batches: 0, messages: 0 });
  });

  it('writes a batch again after a conflict with another writer, and fails all of a batch that PostgreSQL could not take', async () => {
    const { batches, write } = controlled();
    const w = new MessageWriter(write);
    const first = [w.append('A', { id: 'a1', from: 'visitor', text: '' }), w.append('B', { id: 'b1', from: 'visitor', text: '' })];
    await tick();
    batches[0]!.finish(pgError('23505'));
    await tick();
    expect(batches.map((b) => names(b.items))).toEqual([
      ['a1', 'b1'],
      ['a1', 'b1'],
    ]);
    batches[1]!.finish();
    expect(await Promise.all(first)).toHaveLength(2);
    const second = [w.append('A', { id: 'a2', from: 'visitor', text: '' }), w.append('B', { id: 'b2', from: 'visitor', text: '' })];
    await tick();
    batches[2]!.finish(new Error('Connection terminated unexpectedly'));
    expect((await Promise.allSettled(second)).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    // Nothing written alone: PostgreSQL being away is no message's fault.
    expect(batches).toHaveLength(3);
  });

  it('on closing, writes what it took and takes nothing more', async () => {
    const { batches, write } = controlled();
    const w = new MessageWriter(write);
    const taken = w.append('A', { id: 'a1', from: 'visitor', text: '' });
    await tick();
    let closed = false;
    const closing = w.close().then(() => (closed = true));
    await expect(w.append('A', { id: 'a2', from: 'visitor', text: '' })).rejects.toThrow(/stopping/);
    await tick();
    expect(closed).toBe(false);
    batches[0]!.finish();
    await closing;
    expect(await taken).toMatchObject({ duplicate: false });
  });
});
