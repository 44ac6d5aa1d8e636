import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChatError, MessageView } from '../../chat/protocol.ts';
import { buildWidget } from '../../web/build.ts';
import { brandColors, contrastRatio, parseHex, readableTextColor } from '../../web/widget/color.ts';
import { linkify, safeHref, type Segment } from '../../web/widget/linkify.ts';
import { newMessageId, Outbox, parseStored, type OutboxItem, type SendResult } from '../../web/widget/outbox.ts';
import { lastReadByAgent, mergeMessages, transcript, unreadCount } from '../../web/widget/thread.ts';
import { createTypingSignal } from '../../web/widget/typing.ts';

const links = (segments: Segment[]) => segments.filter((s) => s.kind === 'link');

describe('linkify', () => {
  it('turns http(s) URLs into links and keeps the rest as text', () => {
    expect(linkify('Voir https://iseedor.fr/offres et http://x.fr/a?b=1#c merci')).toEqual([
      { kind: 'text', text: 'Voir ' },
      { kind: 'link', text: 'https://iseedor.fr/offres', href: 'https://iseedor.fr/offres' },
      { kind: 'text', text: ' et ' },
      { kind: 'link', text: 'http://x.fr/a?b=1#c', href: 'http://x.fr/a?b=1#c' },
      { kind: 'text', text: ' merci' },
    ]);
  });

  it('leaves sentence punctuation out of the link, but keeps balanced parentheses', () => {
    expect(links(linkify('Allez sur https://iseedor.fr/aide.'))).toEqual([
      { kind: 'link', text: 'https://iseedor.fr/aide', href: 'https://iseedor.fr/aide' },
    ]);
    expect(links(linkify('(voir https://iseedor.fr/a)'))[0]?.text).toBe('https://iseedor.fr/a');
    expect(links(linkify('https://fr.wikipedia.org/wiki/Seed_(BitTorrent)'))[0]?.text).toBe(
      'https://fr.wikipedia.org/wiki/Seed_(BitTorrent)',
    );
  });

  it('never makes a link of javascript:, data: or vbscript: URLs', () => {
    for (const evil of [
      'javascript:alert(1)',
      'JavaScript:alert(document.cookie)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
    ]) {
      const out = linkify(`clic ${evil} ici`);
      expect(links(out), evil).toEqual([]);
      expect(out.map((s) => s.text).join(''), evil).toBe(`clic ${evil} ici`);
    }
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref(' javascript:alert(1)')).toBeNull();
  });

  it('keeps a javascript: prefix out of the href when an https URL follows it', () => {
    const out = linkify('javascript:alert(1)//https://iseedor.fr');
    expect(links(out)).toEqual([{ kind: 'link', text: 'https://iseedor.fr', href: 'https://iseedor.fr/' }]);
    expect(out[0]).toEqual({ kind: 'text', text: 'javascript:alert(1)//' });
  });

  it('keeps markup as text: <img onerror> stays characters, and stops a URL at < or "', () => {
    const evil = '<img src=x onerror="alert(1)"><b>gras</b>';
    expect(linkify(evil)).toEqual([{ kind: 'text', text: evil }]);
    const out = linkify('https://a.fr/"><img src=x onerror=alert(1)>');
    expect(links(out)).toEqual([{ kind: 'link', text: 'https://a.fr/', href: 'https://a.fr/' }]);
    expect(out.map((s) => s.text).join('')).toBe('https://a.fr/"><img src=x onerror=alert(1)>');
  });

  it('returns every character exactly once, in order', () => {
    const text = 'a https://b.fr/c, d\nhttps://e.fr) f https://g.fr/h?i=(j)';
    expect(
      linkify(text)
        .map((s) => s.text)
        .join(''),
    ).toBe(text);
    expect(linkify('')).toEqual([]);
  });
});

describe('readable text colour', () => {
  it('parses hex colours only', () => {
    expect(parseHex('#0B5CAD')).toBe('#0b5cad');
    expect(parseHex('#fa0')).toBe('#ffaa00');
    for (const bad of ['red', '#12345', 'url(x)', '#0b5cad;}body{display:none', '']) expect(parseHex(bad), bad).toBeNull();
  });

  it('picks white on dark brands and black on light ones', () => {
    expect(readableTextColor('#0b5cad')).toBe('#ffffff');
    expect(readableTextColor('#000000')).toBe('#ffffff');
    expect(readableTextColor('#ffd400')).toBe('#000000');
    expect(readableTextColor('#ffffff')).toBe('#000000');
  });

  it('reaches 4.5:1 on every colour (sampled across the cube)', () => {
    const steps = [0, 0x33, 0x66, 0x77, 0x80, 0x99, 0xcc, 0xff].map((n) => n.toString(16).padStart(2, '0'));
    for (const r of steps)
      for (const g of steps)
        for (const b of steps) {
          const bg = `#${r}${g}${b}`;
          expect(contrastRatio(bg, readableTextColor(bg)), bg).toBeGreaterThanOrEqual(4.5);
        }
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
  });

  it('falls back to the default brand on a bad colour', () => {
    expect(brandColors('javascript:alert(1)')).toEqual({ brand: '#1f4e99', onBrand: '#ffffff' });
    expect(brandColors(null).brand).toBe('#1f4e99');
  });
});

// --- outbox -------------------------------------------------------------------------------------

const message = (item: OutboxItem, seq: number): MessageView => ({
  id: item.id,
  seq,
  from: 'visitor',
  author: 'Léa',
  text: item.text,
  at: item.at,
});

/** A fake server: records every send, answers with what the test scripts, one answer per send. */
function harness(initial: OutboxItem[] = []) {
  let saved = JSON.stringify(initial);
  const sent: string[] = [];
  const acked: string[] = [];
  const rejected: [string, ChatError['code']][] = [];
  const timers: (() => void)[] = [];
  const answers: ((item: OutboxItem) => SendResult)[] = [];
  let seq = 0;
  const outbox = new Outbox({
    store: { load: () => parseStored(saved), save: (items) => (saved = JSON.stringify(items)) },
    send: async (item) => {
      sent.push(item.text);
      const answer = answers.shift() ?? ((i: OutboxItem) => ({ kind: 'ok', message: message(i, ++seq) }) as const);
      return answer(item);
    },
    onAcked: (item) => acked.push(item.text),
    onRejected: (item, error) => rejected.push([item.text, error.code]),
    setTimer: (fn) => timers.push(fn),
    clearTimer: () => timers.splice(0),
  });
  const stored = () => parseStored(saved).map((i) => i.text);
  return { outbox, sent, acked, rejected, timers, answers, stored };
}

const item = (text: string): OutboxItem => ({ id: crypto.randomUUID(), text, at: '2025-01-01T10:00:00.000Z' });
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('outbox', () => {
  it('stores a message before sending it, and keeps it while offline', async () => {
    const h = harness();
    h.outbox.push(item('bonjour'));
    expect(h.stored()).toEqual(['bonjour']);
    await settle();
    expect(h.sent).toEqual([]);
    expect(h.outbox.items.map((i) => i.text)).toEqual(['bonjour']);
  });

  it('sends in typing order and removes only what was acknowledged', async () => {
    const h = harness();
    h.outbox.push(item('un'));
    h.outbox.push(item('deux'));
    h.outbox.push(item('trois'));
    h.outbox.setConnected(true);
    await settle();
    expect(h.sent).toEqual(['un', 'deux', 'trois']);
    expect(h.acked).toEqual(['un', 'deux', 'trois']);
    expect(h.stored()).toEqual([]);
  });

  it('waits for each acknowledgement before the next send', async () => {
    const sent: string[] = [];
    const pending: ((r: SendResult) => void)[] = [];
    const outbox = new Outbox({
      store: { load: () => [], save: () => undefined },
      send: (i) => {
        sent.push(i.text);
        return new Promise((r) => pending.push(r));
      },
    });
    outbox.push(item('a'));
    outbox.push(item('b'));
    outbox.setConnected(true);
    await settle();
    expect(sent).toEqual(['a']);
    pending[0]!({ kind: 'ok', message: message(outbox.items[0]!, 1) });
    await settle();
    expect(sent).toEqual(['a', 'b']);
    expect(outbox.items.map((i) => i.text)).toEqual(['b']);
  });

  it('keeps everything from a failed send on, and resends it in order on the next connect', async () => {
    const h = harness();
    h.outbox.push(item('a'));
    h.outbox.push(item('b'));
    h.outbox.push(item('c'));
    h.answers.push(
      (i) => ({ kind: 'ok', message: message(i, 1) }),
      () => ({ kind: 'retry' }),
    );
    h.outbox.setConnected(true);
    await settle();
    expect(h.sent).toEqual(['a', 'b']);
    expect(h.stored()).toEqual(['b', 'c']);
    h.outbox.setConnected(false); // the connection dropped
    h.outbox.setConnected(true);
    await settle();
    expect(h.sent).toEqual(['a', 'b', 'b', 'c']);
    expect(h.acked).toEqual(['a', 'b', 'c']);
    expect(h.stored()).toEqual([]);
  });

  it('retries later after a retry answer while still connected', async () => {
    const h = harness();
    h.answers.push(() => ({ kind: 'retry' }));
    h.outbox.setConnected(true);
    h.outbox.push(item('a'));
    await settle();
    expect(h.timers).toHaveLength(1);
    h.timers.shift()!();
    await settle();
    expect(h.sent).toEqual(['a', 'a']);
    expect(h.stored()).toEqual([]);
  });

  it('survives a reload: a new outbox on the same storage resends with the same ids', async () => {
    const first = harness();
    const a = item('avant rechargement');
    first.outbox.push(a);
    const reloaded = harness(parseStored(JSON.stringify(first.outbox.items)));
    expect(reloaded.outbox.items).toEqual([a]);
    reloaded.outbox.setConnected(true);
    await settle();
    expect(reloaded.acked).toEqual(['avant rechargement']);
  });

  it('drops a refused message (resending cannot help) and goes on with the next', async () => {
    const h = harness();
    h.answers.push(() => ({ kind: 'rejected', error: { code: 'CHAT_ERR_INVALID', message: 'text: too long' } }));
    h.outbox.push(item('trop long'));
    h.outbox.push(item('suivant'));
    h.outbox.setConnected(true);
    await settle();
    expect(h.rejected).toEqual([['trop long', 'CHAT_ERR_INVALID']]);
    expect(h.acked).toEqual(['suivant']);
    expect(h.stored()).toEqual([]);
  });

  it('makes v4 UUIDs, also where randomUUID is missing (pages on plain http)', () => {
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(newMessageId()).toMatch(v4);
    const ids = Array.from({ length: 50 }, () => newMessageId({ getRandomValues: crypto.getRandomValues.bind(crypto) }));
    for (const id of ids) expect(id).toMatch(v4);
    expect(new Set(ids).size).toBe(50);
  });

  it('ignores garbage in storage', () => {
    expect(parseStored('not json')).toEqual([]);
    expect(parseStored('{"id":1}')).toEqual([]);
    expect(parseStored('[{"id":"x","text":"ok","at":"t"},{"id":2},null]')).toEqual([{ id: 'x', text: 'ok', at: 't' }]);
  });
});

describe('thread', () => {
  const m = (seq: number, from: MessageView['from'], id = `m${seq}`): MessageView => ({
    id,
    seq,
    from,
    author: from === 'agent' ? 'Karim' : from === 'visitor' ? 'Léa' : null,
    text: `texte ${seq}`,
    at: '2025-01-01T10:00:00.000Z',
  });

  it('dedupes by id and orders by seq', () => {
    const merged = mergeMessages([m(2, 'agent'), m(1, 'visitor')], [m(3, 'visitor'), m(2, 'agent'), m(1, 'visitor')]);
    expect(merged.map((x) => x.seq)).toEqual([1, 2, 3]);
  });

  it('puts "Lu" on the last visitor message the agent has read, and counts unread agent messages', () => {
    const msgs = [m(1, 'visitor'), m(2, 'visitor'), m(3, 'agent'), m(4, 'visitor')];
    const conv = {
      id: 'c',
      status: 'active',
      team: 't',
      position: null,
      agent: { name: 'Karim' },
      readByAgent: 3,
      readByVisitor: 0,
    } as const;
    expect(lastReadByAgent(msgs, conv)).toBe('m2');
    expect(lastReadByAgent(msgs, { ...conv, readByAgent: 0 })).toBeNull();
    expect(unreadCount([...msgs, m(5, 'agent'), m(6, 'system')], 3)).toBe(2);
  });

  it('builds a plain-text transcript', () => {
    const text = transcript(
      [m(1, 'visitor'), m(2, 'agent')],
      { title: 'Conversation', you: 'Vous', agent: 'Le conseiller', system: 'Info' },
      'UTC',
    );
    expect(text).toBe('Conversation\n\n[01/01/2025 10:00] Vous :\ntexte 1\n\n[01/01/2025 10:00] Karim :\ntexte 2\n');
  });
});

describe('typing signal', () => {
  it('sends true once, false after a pause or on stop', () => {
    const sent: boolean[] = [];
    let clock = 0;
    let timer: (() => void) | null = null;
    const typing = createTypingSignal({
      emit: (b) => sent.push(b),
      now: () => clock,
      setTimer: (fn) => (timer = fn),
      clearTimer: () => (timer = null),
    });
    typing.keystroke();
    typing.keystroke();
    clock = 6000; // past the refresh period: the agent's indicator is kept alive
    typing.keystroke();
    expect(sent).toEqual([true, true]);
    timer!();
    expect(sent).toEqual([true, true, false]);
    typing.stop(); // nothing to stop
    typing.keystroke();
    typing.stop();
    expect(sent).toEqual([true, true, false, true, false]);
  });
});

describe('widget build', () => {
  it('stays within the weight budgets (loader ≤ 5 kB, loader + widget ≤ 30 kB gzipped)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relais-widget-'));
    try {
      const { files } = await buildWidget(dir);
      const loader = files['loader.js']!;
      const widget = files['widget.js']!;
      expect(loader.gzipBytes).toBeGreaterThan(500);
      expect(loader.gzipBytes).toBeLessThanOrEqual(5 * 1024);
      expect(loader.gzipBytes + widget.gzipBytes).toBeLessThanOrEqual(30 * 1024);
      // Types only from chat/protocol.ts: its zod schemas must not reach the browser.
      expect(await readFile(join(dir, 'widget.js'), 'utf8')).not.toMatch(/ZodError|\$ZodType/);
      expect(await readFile(join(dir, 'widget.js'), 'utf8')).toMatch(/export\s*\{\s*\w+ as mount\s*\}/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
