/**
 * Statistics over a hand-made journal: two teams, two days in Paris (winter, UTC+1), answers,
 * abandons, an overflow, a day boundary. Also covers the migrations runner on the real database.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { databaseUrl } from '../support/pg.ts';
import { statsByDay, teamStats } from '../../routing/stats.ts';

const schema = `relais_test_${randomBytes(4).toString('hex')}`;
const admin = new pg.Pool({ connectionString: databaseUrl(), max: 1 });
const pool = new pg.Pool({ connectionString: databaseUrl(), options: `-c search_path=${schema}`, max: 2 });
let firstMigration: number[] = [];

type Step = 'queued' | 'offered' | 'accepted' | 'missed' | 'declined' | 'abandoned' | 'overflowed' | 'ended' | 'transferred' | 'consulted';
let seq = 0;

/** One event: at (UTC), step, interaction, team, agent, data. */
async function add(at: string, step: Step, interaction: string, team: string, agent: string | null = null, data: object = {}) {
  await pool.query(
    `insert into routing_events (stream_id, at, step, interaction_id, team, channel, priority, agent, data)
     values ($1, $2, $3, $4, $5, 'call', 'normal', $6, $7)`,
    [`1-${seq++}`, at, step, interaction, team, agent, JSON.stringify(data)],
  );
}

beforeAll(async () => {
  await admin.query(`create schema ${schema}`);
  firstMigration = await migrate(pool);

  // Tuesday 24 November 2026, Paris. i0 was first queued on the 23rd (local): never counted.
  await add('2026-11-23T22:59:59Z', 'queued', 'i0', 'support');
  await add('2026-11-23T23:00:10Z', 'accepted', 'i0', 'support', 'ana');
  // i1: waits 15 s, rings 5 s, handled 300 s.
  await add('2026-11-24T09:00:00Z', 'queued', 'i1', 'support');
  await add('2026-11-24T09:00:10Z', 'offered', 'i1', 'support', null, { agents: ['ana'] });
  await add('2026-11-24T09:00:15Z', 'accepted', 'i1', 'support', 'ana');
  await add('2026-11-24T09:05:15Z', 'ended', 'i1', 'support', 'ana');
  // i2: missed by ana, taken by bob after 40 s; the accepted offer rang 10 s; handled 120 s.
  await add('2026-11-24T10:00:00Z', 'queued', 'i2', 'support');
  await add('2026-11-24T10:00:05Z', 'offered', 'i2', 'support', null, { agents: ['ana'] });
  await add('2026-11-24T10:00:25Z', 'missed', 'i2', 'support', 'ana');
  await add('2026-11-24T10:00:30Z', 'offered', 'i2', 'support', null, { agents: ['bob'] });
  await add('2026-11-24T10:00:40Z', 'accepted', 'i2', 'support', 'bob');
  await add('2026-11-24T10:02:40Z', 'ended', 'i2', 'support', 'bob');
  // i3: the caller leaves after 30 s.
  await add('2026-11-24T11:00:00Z', 'queued', 'i3', 'support');
  await add('2026-11-24T11:00:30Z', 'abandoned', 'i3', 'support');
  // i4: sales overflows to support after 60 s; answered 70 s after it was first queued; 600 s.
  await add('2026-11-24T12:00:00Z', 'queued', 'i4', 'sales');
  await add('2026-11-24T12:01:00Z', 'overflowed', 'i4', 'sales', null, { to: 'support', why: 'waited too long' });
  await add('2026-11-24T12:01:05Z', 'offered', 'i4', 'support', null, { agents: ['cyd'] });
  await add('2026-11-24T12:01:10Z', 'accepted', 'i4', 'support', 'cyd');
  await add('2026-11-24T12:11:10Z', 'ended', 'i4', 'support', 'cyd');
  // i5: 23:30 UTC on the 24th is 00:30 on the 25th in Paris. Waits 8 s, rings 6 s, 300 s.
  await add('2026-11-24T23:30:00Z', 'queued', 'i5', 'sales');
  await add('2026-11-24T23:30:02Z', 'offered', 'i5', 'sales', null, { agents: ['dan'] });
  await add('2026-11-24T23:30:08Z', 'accepted', 'i5', 'sales', 'dan');
  await add('2026-11-24T23:35:08Z', 'ended', 'i5', 'sales', 'dan');
  // Wednesday 25th. i6: declined, then abandoned.
  await add('2026-11-25T08:00:00Z', 'queued', 'i6', 'support');
  await add('2026-11-25T08:00:03Z', 'offered', 'i6', 'support', null, { agents: ['ana'] });
  await add('2026-11-25T08:00:04Z', 'declined', 'i6', 'support', 'ana');
  await add('2026-11-25T08:00:50Z', 'abandoned', 'i6', 'support');
  // i7: answered after 4 s (rang 3 s), still in conversation.
  await add('2026-11-25T09:00:00Z', 'queued', 'i7', 'support');
  await add('2026-11-25T09:00:01Z', 'offered', 'i7', 'support', null, { agents: ['bob'] });
  await add('2026-11-25T09:00:04Z', 'accepted', 'i7', 'support', 'bob');
  // i8: queued at 23:59:59 local on the 25th, abandons after midnight: still the 25th's.
  await add('2026-11-25T22:59:59Z', 'queued', 'i8', 'sales');
  await add('2026-11-25T23:00:20Z', 'abandoned', 'i8', 'sales');
  // i9: midnight on the 26th, outside the period.
  await add('2026-11-25T23:00:00Z', 'queued', 'i9', 'sales');
});

afterAll(async () => {
  await pool.end();
  await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.end();
});

const period = { from: new Date('2026-11-23T23:00:00Z'), to: new Date('2026-11-25T23:00:00Z'), serviceLevelSeconds: 20 };

describe('teamStats', () => {
  it('counts, waits, rates and handling time per team', async () => {
    const [sales, support] = await teamStats(pool, period);
    expect(support).toEqual({
      team: 'support',
      queued: 6, // i1 i2 i3 i4 (overflowed in) i6 i7
      answered: 4, // i1 i2 i4 i7
      abandoned: 2, // i3 i6
      overflowed: 0,
      abandonRate: 2 / 6,
      avgWaitSeconds: (15 + 40 + 70 + 4) / 4,
      p90WaitSeconds: 70,
      avgAnswerSeconds: (5 + 10 + 5 + 3) / 4,
      serviceLevel: 2 / 6, // i1 (15 s) and i7 (4 s) within 20 s, over 4 answered + 2 abandoned
      avgHandleSeconds: (300 + 120 + 600) / 3, // i7 has not ended
    });
    expect(sales).toEqual({
      team: 'sales',
      queued: 3, // i4 i5 i8
      answered: 1,
      abandoned: 1,
      overflowed: 1,
      abandonRate: 1 / 3,
      avgWaitSeconds: 8,
      p90WaitSeconds: 8,
      avgAnswerSeconds: 6,
      serviceLevel: 1 / 2,
      avgHandleSeconds: 300,
    });
  });

  it('a service level threshold is inclusive', async () => {
    const [, support] = await teamStats(pool, { ...period, serviceLevelSeconds: 15 });
    expect(support!.serviceLevel).toBe(2 / 6);
    const [, strict] = await teamStats(pool, { ...period, serviceLevelSeconds: 14 });
    expect(strict!.serviceLevel).toBe(1 / 6);
  });

  it('nothing queued in the period gives no rows', async () => {
    expect(
      await teamStats(pool, { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-02T00:00:00Z'), serviceLevelSeconds: 20 }),
    ).toEqual([]);
  });
});

describe('a call passed on by its agent', () => {
  it('counts once, answered by the team that answered it first, handled from that answer to its end', async () => {
    // Tuesday 1 December 2026. t1: ana answers after 10 s, consults bob, transfers it to him; it ends 400 s after ana answered.
    await add('2026-12-01T09:00:00Z', 'queued', 't1', 'support');
    await add('2026-12-01T09:00:05Z', 'offered', 't1', 'support', null, { agents: ['ana'] });
    await add('2026-12-01T09:00:10Z', 'accepted', 't1', 'support', 'ana');
    await add('2026-12-01T09:01:00Z', 'consulted', 't1', 'support', 'ana', { to: 'bob' });
    await add('2026-12-01T09:01:30Z', 'transferred', 't1', 'support', 'ana', { from: 'ana', to: { agent: 'bob' }, mode: 'attended' });
    await add('2026-12-01T09:06:50Z', 'ended', 't1', 'support', 'bob');
    // t2: ana answers at once, passes it blind to bob who misses it; the caller leaves while waiting again.
    await add('2026-12-01T10:00:00Z', 'queued', 't2', 'support');
    await add('2026-12-01T10:00:01Z', 'offered', 't2', 'support', null, { agents: ['ana'] });
    await add('2026-12-01T10:00:02Z', 'accepted', 't2', 'support', 'ana');
    await add('2026-12-01T10:01:00Z', 'transferred', 't2', 'support', 'ana', { from: 'ana', to: { agent: 'bob' }, mode: 'blind' });
    await add('2026-12-01T10:01:00Z', 'offered', 't2', 'support', null, { agents: ['bob'], transfer: true });
    await add('2026-12-01T10:01:20Z', 'missed', 't2', 'support', 'bob');
    await add('2026-12-01T10:02:00Z', 'abandoned', 't2', 'support');
    const day = { from: new Date('2026-11-30T23:00:00Z'), to: new Date('2026-12-01T23:00:00Z'), serviceLevelSeconds: 20 };
    expect(await teamStats(pool, day)).toEqual([
      expect.objectContaining({ team: 'support', queued: 2, answered: 2, abandoned: 0, avgWaitSeconds: 6, avgHandleSeconds: 400 }),
    ]);
  });
});

describe('statsByDay', () => {
  it('cuts days at midnight in Paris', async () => {
    const rows = await statsByDay(pool, { from: '2026-11-24', to: '2026-11-25', serviceLevelSeconds: 20, timezone: 'Europe/Paris' });
    expect(rows.map((r) => [r.day, r.team, r.queued, r.answered, r.abandoned, r.overflowed])).toEqual([
      ['2026-11-24', 'sales', 1, 0, 0, 1],
      ['2026-11-24', 'support', 4, 3, 1, 0],
      ['2026-11-25', 'sales', 2, 1, 1, 0], // i5 (23:30 UTC the day before) and i8
      ['2026-11-25', 'support', 2, 1, 1, 0],
    ]);
    const [salesTue, supportTue, salesWed, supportWed] = rows;
    expect(salesTue).toMatchObject({
      abandonRate: 0,
      avgWaitSeconds: null,
      p90WaitSeconds: null,
      serviceLevel: null,
      avgHandleSeconds: null,
    });
    expect(supportTue).toMatchObject({
      abandonRate: 1 / 4,
      avgWaitSeconds: 125 / 3,
      p90WaitSeconds: 70,
      serviceLevel: 1 / 4,
      avgHandleSeconds: 340,
    });
    expect(supportTue!.avgAnswerSeconds).toBeCloseTo(20 / 3, 9);
    expect(salesWed).toMatchObject({
      abandonRate: 1 / 2,
      avgWaitSeconds: 8,
      avgAnswerSeconds: 6,
      serviceLevel: 1 / 2,
      avgHandleSeconds: 300,
    });
    expect(supportWed).toMatchObject({
      abandonRate: 1 / 2,
      avgWaitSeconds: 4,
      p90WaitSeconds: 4,
      avgAnswerSeconds: 3,
      serviceLevel: 1 / 2,
      avgHandleSeconds: null,
    });
  });

  it('in UTC the 23:30 event stays on the 24th', async () => {
    const rows = await statsByDay(pool, { from: '2026-11-24', to: '2026-11-24', serviceLevelSeconds: 20, timezone: 'UTC' });
    expect(rows.map((r) => [r.day, r.team, r.queued])).toEqual([
      ['2026-11-24', 'sales', 2], // i4 and i5
      ['2026-11-24', 'support', 4],
    ]);
  });

  it('refuses a day that is not YYYY-MM-DD', async () => {
    await expect(
      statsByDay(pool, { from: '24/11/2026', to: '2026-11-25', serviceLevelSeconds: 20, timezone: 'Europe/Paris' }),
    ).rejects.toThrow(/not a YYYY-MM-DD day: 24\/11\/2026/);
  });
});

describe('migrate', () => {
  it('applies each migration once', async () => {
    expect(firstMigration).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await migrate(pool)).toEqual([]);
    const { rows } = await pool.query('select version, name from schema_migrations order by version');
    expect(rows).toEqual([
      { version: 1, name: 'routing' },
      { version: 2, name: 'callbacks' },
      { version: 3, name: 'customers' },
      { version: 4, name: 'chat' },
      { version: 5, name: 'chat_attachments' },
      { version: 6, name: 'staff_credentials' },
      { version: 7, name: 'call_transfers' },
      { version: 8, name: 'chat_waiting' },
      { version: 9, name: 'dispositions' },
      { version: 10, name: 'chat_messages_owner' },
    ]);
  });

  it('rolls a failing migration back and names its file', async () => {
    const broken = { version: 900, name: 'broken', sql: 'create table half_done (x int); select 1 / 0;' };
    await expect(migrate(pool, [broken])).rejects.toThrow(/migration 900_broken failed: division by zero/);
    const { rows } = await pool.query(
      `select to_regclass('half_done') as t, (select count(*)::int from schema_migrations where version = 900) as n`,
    );
    expect(rows).toEqual([{ t: null, n: 0 }]);
  });
});
