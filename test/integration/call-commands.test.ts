/**
 * Call-control requests between Relais processes, on the real Redis: the owner of the calls
 * answers, the others pass requests to it and wait for its answer up to a deadline.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CallCommands, type CallDesk } from '../../ivr/call-commands.ts';
import { CallControlError } from '../../ivr/call-control-errors.ts';
import type { AgentCall } from '../../ivr/call-notices.ts';
import type { ControlCommand } from '../../ivr/control-flow.ts';

const log = pino({ level: 'silent' });
const call: AgentCall = {
  id: '1700000000.1',
  channel: 'call',
  agent: 'eleonore',
  team: 'after-sales',
  customer: { number: '0612345678' },
  state: 'talking',
  since: new Date(0).toISOString(),
};

/** A desk that holds one call of eleonore's, and records the commands it ran. */
function desk(): CallDesk & { ran: [string, string, ControlCommand][] } {
  const ran: [string, string, ControlCommand][] = [];
  return {
    ran,
    callsOf: (agent) => (agent === 'eleonore' ? [call] : []),
    async command(callId, agent, cmd) {
      ran.push([callId, agent, cmd]);
      if (callId !== call.id) throw new CallControlError('CALL_ERR_NOT_FOUND');
      if (agent !== 'eleonore') throw new CallControlError('CALL_ERR_NOT_YOURS');
      if (cmd.op === 'cancel') throw new Error('Asterisk went away');
      return cmd.op === 'hangup' ? undefined : { ...call, state: cmd.op === 'hold' ? 'held' : 'talking' };
    },
  };
}

const prefix = `test-calls-${randomUUID()}`;
const started: { redis: Redis; commands: CallCommands }[] = [];

/** A Relais process' side of the requests: owner of the calls or not. */
async function processWith(owner: boolean, d: CallDesk = desk(), deadlineMs = 2000): Promise<CallCommands> {
  const redis = new Redis('redis://127.0.0.1:6379');
  const commands = new CallCommands(redis, prefix, log, { owner: () => owner, desk: d }, deadlineMs);
  await commands.start();
  started.push({ redis, commands });
  return commands;
}

afterEach(async () => {
  for (const { redis, commands } of started.splice(0)) {
    await commands.stop();
    redis.disconnect();
  }
});

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'done',
    (err: unknown) => (err instanceof CallControlError ? err.code : `unexpected: ${(err as Error).message}`),
  );

describe('a request on a process that does not hold the calls', () => {
  it('is answered by the owner: lists, commands and refusals alike', async () => {
    const owner = desk();
    await processWith(true, owner);
    const standby = await processWith(false);
    expect(await standby.request({ kind: 'mine', agent: 'eleonore' })).toEqual([call]);
    expect(await standby.request({ kind: 'command', callId: call.id, agent: 'eleonore', command: { op: 'hold' } })).toMatchObject({
      state: 'held',
    });
    expect(await standby.request({ kind: 'command', callId: call.id, agent: 'eleonore', command: { op: 'hangup' } })).toBeNull();
    expect(await codeOf(standby.request({ kind: 'command', callId: call.id, agent: 'gary', command: { op: 'hold' } }))).toBe(
      'CALL_ERR_NOT_YOURS',
    );
    // A fault on the owner's side is said, never a silence until the deadline.
    expect(await codeOf(standby.request({ kind: 'command', callId: call.id, agent: 'eleonore', command: { op: 'cancel' } }))).toBe(
      'CALL_ERR_FAILED',
    );
    expect(owner.ran.map(([, agent, cmd]) => [agent, cmd.op])).toEqual([
      ['eleonore', 'hold'],
      ['eleonore', 'hangup'],
      ['gary', 'hold'],
      ['eleonore', 'cancel'],
    ]);
  });

  it('fails with CALL_ERR_OWNER_UNAVAILABLE after the deadline when no process holds the calls, and nothing runs', async () => {
    const idle = desk();
    await processWith(false, idle);
    const standby = await processWith(false, desk(), 300);
    const asked = Date.now();
    expect(await codeOf(standby.request({ kind: 'command', callId: call.id, agent: 'eleonore', command: { op: 'hold' } }))).toBe(
      'CALL_ERR_OWNER_UNAVAILABLE',
    );
    expect(Date.now() - asked).toBeGreaterThanOrEqual(290);
    expect(idle.ran).toEqual([]);
  });
});

describe('the owner', () => {
  it('runs its own requests at once, and drops malformed ones from Redis', async () => {
    const own = desk();
    const owner = await processWith(true, own);
    expect(await owner.request({ kind: 'mine', agent: 'gary' })).toEqual([]);
    const redis = started[0]!.redis;
    await redis.publish(`${prefix}:calls:requests`, 'not json');
    await redis.publish(
      `${prefix}:calls:requests`,
      JSON.stringify({
        id: randomUUID(),
        replyTo: 'x',
        request: { kind: 'command', callId: call.id, agent: 'eleonore', command: { op: 'explode' } },
      }),
    );
    await new Promise((r) => setTimeout(r, 200)); // the malformed ones reached the owner meanwhile
    expect(await owner.request({ kind: 'command', callId: call.id, agent: 'eleonore', command: { op: 'resume' } })).toMatchObject({
      state: 'talking',
    });
    expect(own.ran.map(([, , cmd]) => cmd.op)).toEqual(['resume']);
  });
});
