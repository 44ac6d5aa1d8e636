import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ATTACHMENT_TYPES, type AttachmentView, type ChatError, type MessageView } from '../../chat/protocol.ts';
import { buildWidget } from '../../web/build.ts';
import {
  ACCEPTED,
  blobType,
  checkFile,
  fetchAttachment,
  formatSize,
  uploadAttachment,
  uploadErrorText,
} from '../../web/widget/attachments.ts';
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

const pdf: AttachmentView = { id: '7f0c1d9e-2b1a-4c3d-9e8f-0a1b2c3d4e5f', name: 'facture.pdf', type: 'application/pdf', size: 1258291 };

// --- outbox -------------------------------------------------------------------------------------

const message = (item: OutboxItem, seq: number): MessageView => ({
  id: item.id,
  seq,
  from: 'visitor',
  author: 'Léa',
  text: item.text,
  attachment: item.attachment ?? null,
  at: item.at,
});

/** A fake server: records every send, answers with what the test scripts, one answer per send. */
function harness(initial: OutboxItem[] = []) {
  let saved = JSON.stringify(initial);
  const sent: string[] = [];
  const sentItems: OutboxItem[] = [];
  const acked: string[] = [];
  const rejected: [string, ChatError['code']][] = [];
  const timers: (() => void)[] = [];
  const answers: ((item: OutboxItem) => SendResult)[] = [];
  let seq = 0;
  const outbox = new Outbox({
    store: { load: () => parseStored(saved), save: (items) => (saved = JSON.stringify(items)) },
    send: async (item) => {
      sent.push(item.text);
      sentItems.push(structuredClone(item));
      const answer = answers.shift() ?? ((i: OutboxItem) => ({ kind: 'ok', message: message(i, ++seq) }) as const);
      return answer(item);
    },
    onAcked: (item) => acked.push(item.text),
    onRejected: (item, error) => rejected.push([item.text, error.code]),
    setTimer: (fn) => timers.push(fn),
    clearTimer: () => timers.splice(0),
  });
  const stored = () => parseStored(saved).map((i) => i.text);
  return { outbox, sent, sentItems, acked, rejected, timers, answers, stored };
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

  it('resends a file message unchanged (same id, same attachment) after a retry and a reconnect', async () => {
    const h = harness();
    const file = { ...item(''), attachment: pdf };
    h.answers.push(() => ({ kind: 'retry' }));
    h.outbox.push(file);
    h.outbox.setConnected(true);
    await settle();
    h.outbox.setConnected(false);
    h.outbox.setConnected(true);
    await settle();
    expect(h.sentItems).toEqual([file, file]);
    expect(h.acked).toEqual(['']);
    expect(h.stored()).toEqual([]);
  });

  it('keeps attachments through storage, and drops items whose attachment is garbled', () => {
    const file = { ...item(''), attachment: pdf };
    expect(parseStored(JSON.stringify([file]))).toEqual([file]);
    const garbled = [
      { ...file, attachment: { id: 'x' } },
      { ...file, attachment: null },
      { ...file, attachment: { ...pdf, size: '12' } },
    ];
    expect(parseStored(JSON.stringify(garbled))).toEqual([]);
  });
});

describe('attachments', () => {
  it('accepts the protocol’s types, no more', () => {
    expect([...ACCEPTED]).toEqual([...ATTACHMENT_TYPES]);
  });

  it('formats sizes the French way', () => {
    expect(formatSize(0)).toBe('0 o');
    expect(formatSize(1023)).toBe('1023 o');
    expect(formatSize(1024)).toBe('1 Ko');
    expect(formatSize(3500)).toBe('3,4 Ko');
    expect(formatSize(350 * 1024)).toBe('350 Ko');
    expect(formatSize(1258291)).toBe('1,2 Mo');
    expect(formatSize(10 * 1024 * 1024)).toBe('10 Mo');
    expect(formatSize(10_000_000)).toBe('9,5 Mo');
    expect(formatSize(25.4 * 1024 * 1024)).toBe('25 Mo');
  });

  it('checks a file before uploading it', () => {
    const max = 5 * 1024 * 1024;
    expect(checkFile({ size: 1000, type: 'image/png' }, max)).toBeNull();
    expect(checkFile({ size: 1000, type: '' }, max)).toBeNull(); // unknown to the browser: the server decides
    expect(checkFile({ size: max + 1, type: 'image/png' }, max)).toBe('Fichier trop lourd (max 5 Mo)');
    expect(checkFile({ size: 1000, type: 'image/svg+xml' }, max)).toBe('Ce type de fichier n’est pas accepté (images et PDF seulement)');
    expect(checkFile({ size: 0, type: 'application/pdf' }, max)).toBe('Ce fichier est vide.');
  });

  it('tells the visitor in French why an upload failed', () => {
    const max = 10 * 1024 * 1024;
    expect(uploadErrorText(413, max)).toBe('Fichier trop lourd (max 10 Mo)');
    expect(uploadErrorText(415, max)).toBe('Ce type de fichier n’est pas accepté (images et PDF seulement)');
    expect(uploadErrorText(409, max)).toBe('Cette conversation est terminée.');
    expect(uploadErrorText(401, max)).toBe('Votre session a expiré. Merci de recommencer.');
    expect(uploadErrorText(429, max)).toBe('Doucement ! Réessayez dans quelques secondes.');
    for (const status of [0, 400, 500, 503]) expect(uploadErrorText(status, max)).toBe('Le fichier n’a pas pu être envoyé. Réessayez.');
  });

  /** A fake fetch: records each call, answers with `answer`. */
  function fakeFetch(answer: () => Response | Promise<Response>) {
    const calls: { url: string; init: RequestInit }[] = [];
    const doFetch = (async (url: string, init: RequestInit) => (calls.push({ url, init }), answer())) as typeof fetch;
    return { calls, doFetch };
  }

  it('uploads the raw bytes with the token in the Authorization header, never in the URL', async () => {
    const f = fakeFetch(() => Response.json(pdf, { status: 201 }));
    const file = new File(['%PDF-1.7'], 'facture mars.pdf', { type: 'application/pdf' });
    expect(await uploadAttachment('https://relais.example', 'tok-123', file, f.doFetch)).toEqual({ ok: true, view: pdf });
    const [call] = f.calls;
    expect(call!.url).toBe('https://relais.example/chat/attachments');
    expect(call!.url).not.toContain('tok-123');
    expect(call!.init).toMatchObject({
      method: 'POST',
      credentials: 'omit',
      body: file,
      headers: { Authorization: 'Bearer tok-123', 'X-Filename': 'facture%20mars.pdf', 'Content-Type': 'application/pdf' },
    });
  });

  it('reports the status of a refused upload, and 0 when there was no usable answer', async () => {
    const file = new File(['x'], 'a.exe', { type: '' });
    const refused = fakeFetch(() => Response.json({ error: { code: 'UNSUPPORTED', message: 'no' } }, { status: 415 }));
    expect(await uploadAttachment('https://r', 't', file, refused.doFetch)).toEqual({ ok: false, status: 415 });
    expect((refused.calls[0]!.init.headers as Record<string, string>)['Content-Type']).toBe('application/octet-stream');
    const down = fakeFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    expect(await uploadAttachment('https://r', 't', file, down.doFetch)).toEqual({ ok: false, status: 0 });
    const odd = fakeFetch(() => Response.json({ nope: true }, { status: 201 }));
    expect(await uploadAttachment('https://r', 't', file, odd.doFetch)).toEqual({ ok: false, status: 0 });
  });

  it('fetches a file with the header, and never lets it become HTML in the browser', async () => {
    const f = fakeFetch(() => new Response('<script>alert(1)</script>', { headers: { 'Content-Type': 'text/html' } }));
    const r = await fetchAttachment('https://r', 'tok', pdf, f.doFetch);
    expect(f.calls[0]!.url).toBe(`https://r/chat/attachments/${pdf.id}`);
    expect(f.calls[0]!.init.headers).toEqual({ Authorization: 'Bearer tok' });
    expect(r.ok && r.blob.type).toBe('application/octet-stream');
    const img = await fetchAttachment('https://r', 'tok', { id: 'i', type: 'image/png' }, fakeFetch(() => new Response('png')).doFetch);
    expect(img.ok && img.blob.type).toBe('image/png');
    expect(blobType('image/svg+xml')).toBe('application/octet-stream');
    const gone = fakeFetch(() => new Response(null, { status: 401 }));
    expect(await fetchAttachment('https://r', 'tok', pdf, gone.doFetch)).toEqual({ ok: false, status: 401 });
  });
});

describe('thread', () => {
  const m = (seq: number, from: MessageView['from'], id = `m${seq}`): MessageView => ({
    id,
    seq,
    from,
    author: from === 'agent' ? 'Karim' : from === 'visitor' ? 'Léa' : null,
    text: `texte ${seq}`,
    attachment: null,
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
      { title: 'Conversation', you: 'Vous', agent: 'Le conseiller', system: 'Info', attachment: (n) => `[pièce jointe : ${n}]` },
      'UTC',
    );
    expect(text).toBe('Conversation\n\n[01/01/2025 10:00] Vous :\ntexte 1\n\n[01/01/2025 10:00] Karim :\ntexte 2\n');
  });

  it('lists attachments in the transcript', () => {
    const labels = { title: 'C', you: 'Vous', agent: 'Le conseiller', system: 'Info', attachment: (n: string) => `[pièce jointe : ${n}]` };
    const text = transcript(
      [
        { ...m(1, 'visitor'), text: '', attachment: pdf },
        { ...m(2, 'agent'), attachment: pdf },
      ],
      labels,
      'UTC',
    );
    expect(text).toBe(
      'C\n\n[01/01/2025 10:00] Vous :\n[pièce jointe : facture.pdf]\n\n[01/01/2025 10:00] Karim :\ntexte 2\n[pièce jointe : facture.pdf]\n',
    );
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
