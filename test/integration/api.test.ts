/** The administration API: authentication, presence, queues and statistics, with clear errors for bad input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN, startTestRelais, type TestRelais } from '../support/relais.ts';
import { waitFor } from '../support/calls.ts';

let t: TestRelais;

beforeAll(async () => {
  t = await startTestRelais();
});
afterAll(async () => t?.stop());

const auth = { authorization: `Bearer ${API_TOKEN}` };
const request = (method: 'GET' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = auth) =>
  t.relais.http.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('authentication', () => {
  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer nope' }],
    ['another scheme', { authorization: `Basic ${API_TOKEN}` }],
  ])('refuses %s with 401 and a code', async (_, headers) => {
    const res = await request('GET', '/api/agents', undefined, headers);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'API_ERR_UNAUTHENTICATED', message: expect.any(String) } });
  });

  it('leaves /health open to probes', async () => {
    expect((await request('GET', '/health', undefined, {})).statusCode).toBe(200);
  });
});

describe('presence', () => {
  it('an agent goes available, then paused with a reason; the list shows it', async () => {
    const res = await request('PUT', '/api/agents/gary/presence', { presence: 'available' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'gary', name: 'Gary Gerenuk', presence: 'available', teams: ['technical'] });
    await request('PUT', '/api/agents/gary/presence', { presence: 'paused', reason: 'déjeuner' });
    const list = (await request('GET', '/api/agents')).json() as { id: string; presence: string; reason?: string }[];
    expect(list.find((a) => a.id === 'gary')).toMatchObject({ presence: 'paused', reason: 'déjeuner' });
    expect(list.find((a) => a.id === 'denis')).toMatchObject({ presence: 'offline' });
  });

  it.each([
    ['an unknown presence', { presence: 'sleeping' }],
    ['an unknown field', { presence: 'available', mood: 'great' }],
    ['a wrong type', { presence: 42 }],
    ['no body', undefined],
  ])('refuses %s with 400 and the field', async (_, body) => {
    const res = await request('PUT', '/api/agents/gary/presence', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('API_ERR_VALIDATION');
  });

  it('refuses a huge body with 413', async () => {
    const res = await request('PUT', '/api/agents/gary/presence', { presence: 'available', reason: 'x'.repeat(100_000) });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('API_ERR_BODY_TOO_LARGE');
  });

  it('answers 404 for someone who is not on the staff, and changes nothing', async () => {
    const res = await request('PUT', '/api/agents/mallory/presence', { presence: 'available' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('API_ERR_NOT_FOUND');
    expect(((await request('GET', '/api/agents')).json() as unknown[]).length).toBe(Object.keys(t.config.staff).length);
  });
});

describe('queues and statistics', () => {
  it("shows who waits, and counts answered interactions in today's statistics", async () => {
    const { routing } = t.relais;
    await routing.enqueue({ id: 'stats-1', channel: 'call', team: 'sales' });
    const queues = (await request('GET', '/api/queues')).json() as { team: string; waiting: number }[];
    expect(queues.find((q) => q.team === 'sales')).toMatchObject({ waiting: 1 });

    await request('PUT', '/api/agents/denis/presence', { presence: 'available' });
    const ix = await routing.interaction('stats-1');
    expect(ix).toMatchObject({ state: 'offered', offer: { agents: ['denis'] } });
    expect(await routing.accept('stats-1', 'denis', ix!.offer!.id)).toBe(true);
    await routing.finish('stats-1');

    type Day = { day: string; team: string; queued: number; answered: number; abandoned: number };
    await waitFor('the journal reached PostgreSQL', async () => {
      const days = (await request('GET', '/api/stats')).json().days as Day[];
      return days.some((d) => d.team === 'sales' && d.answered === 1);
    });
    const days = (await request('GET', '/api/stats')).json().days as Day[];
    expect(days.find((d) => d.team === 'sales')).toMatchObject({ day: '2026-11-24', queued: 1, answered: 1, abandoned: 0 });
  });

  it('refuses a malformed date range with 400', async () => {
    for (const q of ['from=yesterday', 'from=2026-11-24&to=2026-11-01', 'from=2026-11-24&evil=1']) {
      const res = await request('GET', `/api/stats?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code).toBe('API_ERR_VALIDATION');
    }
  });
});
