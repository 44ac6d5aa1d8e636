/**
 * An agent passes a chat on, and closes one with a disposition: real Redis, PostgreSQL, Socket.IO
 * clients. The visitor is told and keeps their conversation; the colleague is offered it and
 * takes it; the first agent no longer reads it; the customer's timeline says how it ended.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/calls.ts';
import { agent, closeChatClients, visitor } from '../support/chat.ts';
import { API_TOKEN, startTestRelais, type TestRelais } from '../support/relais.ts';

let t: TestRelais;

beforeAll(async () => {
  t = await startTestRelais({
    patch: (c) => void (c.teams.sales = { ...c.teams.sales!, members: ['denis', 'illiana'] }),
  });
});
afterEach(async () => {
  closeChatClients();
  for (const id of Object.keys(t.config.staff)) await t.relais.routing.setPresence(id, 'offline');
});
afterAll(async () => t?.stop());

const api = async (path: string) =>
  (await fetch(`http://127.0.0.1:${t.config.server.port}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).json();

async function denisTakesAChat() {
  await t.relais.routing.setPresence('denis', 'available');
  const denis = await agent(t, 'denis');
  const v = await visitor(t);
  const started = await v.ask('start', { topic: 'sales', name: 'Inès Durand', email: 'ines.durand@example.fr' });
  const id = started.ok ? started.conversation.id : '';
  const offer = await denis.next('offer', (o) => o.conversation.id === id);
  expect((await denis.ask('accept', { conversationId: id, offerId: offer.offerId })).ok).toBe(true);
  return { denis, v, id };
}

describe('a chat passed on', () => {
  it('to a colleague: the visitor is told, the colleague takes it, the first agent reads it no more', async () => {
    const { denis, v, id } = await denisTakesAChat();
    await t.relais.routing.setPresence('illiana', 'available');
    const illiana = await agent(t, 'illiana');

    expect(await denis.ask('transfer', { conversationId: id, to: { agent: 'illiana' } })).toEqual({ ok: true });
    expect((await v.next('message', (m) => m.from === 'system' && /transmise/.test(m.text))).text).toBe(
      'Votre conversation est transmise à Illiana Indri, qui va vous répondre.',
    );
    const offer = await illiana.next('offer', (o) => o.conversation.id === id);
    expect(offer.visitor.name).toBe('Inès Durand');
    expect((await illiana.ask('accept', { conversationId: id, offerId: offer.offerId })).ok).toBe(true);
    expect(await v.next('conversation', (c) => c.status === 'active' && c.agent?.name === 'Illiana Indri')).toBeTruthy();

    const words = { id: randomUUID(), text: 'Merci, je patiente.' };
    expect((await v.ask('send', words)).ok).toBe(true);
    await illiana.next('message', (m) => m.id === words.id);
    // Denis left the conversation: he neither receives it nor may write in it.
    await new Promise((r) => setTimeout(r, 300));
    expect(denis.received('message').some((m) => m.id === words.id)).toBe(false);
    const refused = await denis.ask('send', { conversationId: id, id: randomUUID(), text: 'encore là ?' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'CHAT_ERR_NOT_FOUND' } });
    expect((await t.relais.routing.agent('denis')).active.chat ?? 0).toBe(0);
    expect((await t.relais.routing.agent('illiana')).active.chat).toBe(1);
  });

  it('to a team with nobody logged in: refused with the reason, and nothing changes', async () => {
    const { denis, id } = await denisTakesAChat();
    const refused = await denis.ask('transfer', { conversationId: id, to: { team: 'technical' } });
    expect(refused.ok).toBe(false);
    expect((await denis.ask('send', { conversationId: id, id: randomUUID(), text: 'toujours là' })).ok).toBe(true);
  });

  it('closed with a disposition: it is on the customer timeline', async () => {
    const { denis, id } = await denisTakesAChat();
    expect(await denis.ask('close', { conversationId: id, disposition: 'Vente' })).toEqual({ ok: true });
    const [ines] = await api('/api/customers?q=ines.durand@example.fr');
    await waitFor('the chat on the timeline', async () => {
      const { entries } = await api(`/api/customers/${ines.id}/timeline`);
      return entries.some((e: { channel: string; disposition?: string }) => e.channel === 'chat' && e.disposition === 'Vente');
    });
  });
});
