/**
 * The console's live edge, Socket.IO namespace `/console`: staff authenticate with their session
 * cookie; each gets their presence and load, the offers made to them on every channel but chat
 * (the chat's own namespace carries those), what they have in hand, and supervisors the live wall.
 * Every Relais process hears every routing event, so each one emits to its own sockets only
 * (`local`): nothing is sent twice across processes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import type { RoutingCore } from '../routing/core.ts';
import type { RoutingEvent } from '../routing/events.ts';
import type { CallNotice } from '../ivr/call-notices.ts';
import type { Agent, Interaction } from '../routing/model.ts';
import { CONSOLE_NAMESPACE, consoleEvents, type AssignedView, type CustomerBadge, type Role, type WallTeam } from './protocol.ts';
import { agentStateView, offerView } from './views.ts';

export interface StaffIdentity {
  id: string;
  role: Role;
}

export interface ConsoleSocketDeps {
  io: Server;
  /** The staff member a handshake's cookie belongs to. */
  authenticate: (headers: IncomingHttpHeaders) => Promise<StaffIdentity | undefined>;
  routing: Pick<RoutingCore, 'agent' | 'setPresence' | 'decline' | 'interaction'>;
  capacity: (agentId: string) => { voice: number; chat: number };
  teamName: (teamId: string) => string;
  /** Who the customer of an interaction is (bounded in time: a slow shop shows a number, not nothing). */
  customerOf: (ix: Interaction) => Promise<CustomerBadge>;
  /** The live wall, computed fresh. */
  wall: () => Promise<WallTeam[]>;
  log: Logger;
}

const agentRoom = (id: string) => `agent:${id}`;
const WALL_ROOM = 'wall';
/** The wall is recomputed at most this often, however busy the queues are. */
const WALL_EVERY_MS = 300;

export interface ConsoleSocket {
  onRoutingEvent(e: RoutingEvent): void;
  onCallNotice(n: CallNotice): void;
  close(): void;
}

export function startConsoleSocket(d: ConsoleSocketDeps): ConsoleSocket {
  const ns = d.io.of(CONSOLE_NAMESPACE);
  ns.use((socket, next) => {
    d.authenticate(socket.handshake.headers)
      .then((staff) => {
        if (!staff)
          return next(Object.assign(new Error('API_ERR_UNAUTHENTICATED: log in first'), { data: { code: 'API_ERR_UNAUTHENTICATED' } }));
        socket.data.staff = staff;
        next();
      })
      .catch(next);
  });
  ns.on('connection', (socket) => void welcome(socket, d));

  let wallTimer: NodeJS.Timeout | undefined;
  const refreshWall = () => {
    if (wallTimer || !ns.adapter.rooms.get(WALL_ROOM)?.size) return;
    wallTimer = setTimeout(async () => {
      wallTimer = undefined;
      const wall = await d.wall().catch((err: Error) => (d.log.warn({ err: err.message }, 'wall not computed'), null));
      if (wall) ns.local.to(WALL_ROOM).emit('wall', wall);
    }, WALL_EVERY_MS);
  };
  const here = (agent: string) => Boolean(ns.adapter.rooms.get(agentRoom(agent))?.size);

  return {
    onRoutingEvent(e) {
      void handle(e).catch((err: Error) => d.log.warn({ err: err.message, event: e.type }, 'console event failed'));
    },
    onCallNotice(n) {
      const to = (agent: string | undefined, event: 'call' | 'callEnded', data: unknown) => {
        if (agent && here(agent)) ns.local.to(agentRoom(agent)).emit(event, data as never);
      };
      if (n.type === 'transferring') return to(n.from, 'callEnded', { callId: n.callId });
      if (n.type === 'ended') {
        to(n.agent, 'callEnded', { callId: n.callId });
        return to(n.colleague, 'callEnded', { callId: n.callId });
      }
      if (n.type === 'transferred') to(n.from, 'callEnded', { callId: n.call.id });
      to(n.call.agent, 'call', n.call);
    },
    close() {
      clearTimeout(wallTimer);
      ns.disconnectSockets(true);
    },
  };

  async function handle(e: RoutingEvent): Promise<void> {
    if (e.type === 'queue' || e.type === 'presence' || e.type === 'assigned' || e.type === 'finished') refreshWall();
    if (e.type === 'presence' && here(e.agent.id)) sendAgent(e.agent);
    else if (e.type === 'offer' && e.interaction.channel !== 'chat') {
      const mine = e.offer.agents.filter(here);
      if (!mine.length) return;
      const view = offerView(e.offer, e.interaction, d.teamName(e.interaction.team), await d.customerOf(e.interaction));
      for (const agent of mine) ns.local.to(agentRoom(agent)).emit('offer', view);
    } else if (e.type === 'offerCancelled') {
      for (const agent of e.agents.filter(here))
        ns.local
          .to(agentRoom(agent))
          .emit('offerCancelled', { offerId: e.offer.id, interactionId: e.offer.interactionId, reason: e.reason });
    } else if (e.type === 'assigned' && here(e.agent)) {
      ns.local.to(agentRoom(e.agent)).emit('assigned', await assignedView(e.interaction, d));
      sendAgent(await d.routing.agent(e.agent));
    } else if (e.type === 'finished' && here(e.agent)) {
      ns.local.to(agentRoom(e.agent)).emit('released', { interactionId: e.interaction.id });
    }
  }

  function sendAgent(a: Agent): void {
    ns.local.to(agentRoom(a.id)).emit('agent', agentStateView(a, d.capacity(a.id)));
  }
}

async function assignedView(ix: Interaction, d: ConsoleSocketDeps): Promise<AssignedView> {
  return {
    interactionId: ix.id,
    channel: ix.channel,
    team: ix.team,
    teamName: d.teamName(ix.team),
    since: new Date(ix.acceptedAt ?? Date.now()).toISOString(),
    customer: await d.customerOf(ix),
  };
}

/** A new connection: its rooms, its state now, what it has in hand, and its events. */
async function welcome(socket: Socket, d: ConsoleSocketDeps): Promise<void> {
  const staff = socket.data.staff as StaffIdentity;
  const log = d.log.child({ console: staff.id });
  const joined = socket.join(agentRoom(staff.id));
  // Handlers before any wait: what the page sends as soon as it is connected must not arrive
  // before them (it would be dropped, unanswered) while the state below is read from Redis.
  handle(socket, log, 'presence', async (p) => {
    await d.routing.setPresence(staff.id, p.presence, p.reason);
    return {};
  });
  handle(socket, log, 'decline', async (p) => {
    await d.routing.decline(p.interactionId, staff.id, p.offerId, 'declined');
    return {};
  });
  handle(socket, log, 'watchWall', async (p) => {
    if (staff.role === 'agent') throw new ConsoleRefusal('API_ERR_FORBIDDEN', 'the live wall is for supervisors');
    if (!p.on) return (void (await socket.leave(WALL_ROOM)), {});
    await socket.join(WALL_ROOM);
    socket.emit('wall', await d.wall());
    return {};
  });

  await joined;
  const agent = await d.routing.agent(staff.id);
  socket.emit('agent', agentStateView(agent, d.capacity(staff.id)));
  const inHand = await Promise.all((agent.holding ?? []).map((id) => d.routing.interaction(id)));
  for (const ix of inHand) if (ix?.state === 'assigned' && ix.agent === staff.id) socket.emit('assigned', await assignedView(ix, d));
  const offered = await Promise.all(agent.offered.map((id) => d.routing.interaction(id)));
  for (const ix of offered) {
    if (ix?.offer && ix.channel !== 'chat' && ix.offer.agents.includes(staff.id))
      socket.emit('offer', offerView(ix.offer, ix, d.teamName(ix.team), await d.customerOf(ix)));
  }
}

class ConsoleRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** One event: payload parsed, acknowledgement required, failures answered with a code, never thrown. */
function handle<E extends keyof typeof consoleEvents>(
  socket: Socket,
  log: Logger,
  event: E,
  run: (p: ReturnType<(typeof consoleEvents)[E]['parse']>) => Promise<object>,
): void {
  socket.on(event as string, async (payload: unknown, ack: unknown) => {
    if (typeof ack !== 'function')
      return void socket.emit('error', { code: 'API_ERR_VALIDATION', message: 'an acknowledgement callback is required' });
    const parsed = consoleEvents[event].safeParse(payload);
    if (!parsed.success)
      return void ack({ ok: false, error: { code: 'API_ERR_VALIDATION', message: parsed.error.issues[0]?.message ?? 'invalid' } });
    try {
      ack({ ok: true, ...(await run(parsed.data as never)) });
    } catch (err) {
      if (err instanceof ConsoleRefusal) return void ack({ ok: false, error: { code: err.code, message: err.message } });
      log.warn({ event, err: (err as Error).message }, 'console event failed');
      ack({ ok: false, error: { code: 'API_ERR_INTERNAL', message: 'temporarily unavailable: try again' } });
    }
  });
}
