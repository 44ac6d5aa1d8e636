/**
 * Callbacks from request to outcome. A request (the phone menu, the website) is checked and
 * recorded, merged with an open one for the same number and team, and scheduled; when due, it
 * enters its team's queue in the routing core at its place; the agent's phone rings first, then
 * the customer's (callback-call.ts), and the outcome is recorded: done, retried later within
 * business hours, or failed after the last attempt.
 */
import type { Logger } from 'pino';
import { isOpen, type BusinessHours } from '../routing/hours.ts';
import type { RoutingCore } from '../routing/core.ts';
import type { Priority } from '../routing/model.ts';
import { CallbackRecorder, type CallbackRecords } from './records.ts';
import { failedCallbackTicket } from './tickets.fr.ts';
import { checkCallbackNumber, type NumberCheck, type NumberPolicy } from './numbers.ts';
import type { CallbackScheduler } from './scheduler.ts';
import { OPEN_STATUSES, type AttemptOutcome, type Callback, type CallbackSource, type CallbackStore } from './store.ts';
import { firstDue, retryDue } from './timing.ts';

export interface CallbackSettings {
  attempts: number;
  retryAfterSeconds: number;
  policy: NumberPolicy;
  hours: BusinessHours;
}

export interface CallbackRequest {
  /** As typed: French or international format. */
  number: string;
  team: string;
  source: CallbackSource;
  name?: string;
  email?: string;
  /** Not before this (epoch ms). */
  preferredAt?: number;
  /** A caller who leaves the queue keeps the place they had (epoch ms). */
  place?: number;
}

export type RequestResult =
  | { ok: true; callback: Callback; merged: boolean }
  | { ok: false; reason: Extract<NumberCheck, { ok: false }>['reason'] | 'never-open'; message: string };

export interface CallbackServiceDeps {
  store: CallbackStore;
  scheduler: CallbackScheduler;
  routing: RoutingCore;
  settings: CallbackSettings;
  priorityOf: (number: string) => Promise<Priority>;
  /** Confirms a new callback to the customer (an SMS); failures are logged, never fatal. */
  confirm?: (callback: Callback) => Promise<void>;
  now: () => number;
  log: Logger;
  /** The customer records: identification, timeline, tickets; absent in some tests. */
  records?: CallbackRecords;
}

/** Outcomes that are the customer's (they count as an attempt); the others are ours, and retried at once. */
const CUSTOMER_OUTCOMES = new Set<AttemptOutcome>(['no-answer', 'busy', 'failed']);

/** The routing interaction of a callback's attempt. */
export const interactionIdOf = (cb: Pick<Callback, 'id' | 'attempts'>) => `cb-${cb.id}-${cb.attempts + 1}`;

export class CallbackService {
  private readonly recorder: CallbackRecorder;

  constructor(private readonly deps: CallbackServiceDeps) {
    this.recorder = new CallbackRecorder(deps.records, deps.log);
  }

  /** Records (or merges) and schedules a callback. A refused number creates nothing. */
  async request(req: CallbackRequest): Promise<RequestResult> {
    const { settings, store, now } = this.deps;
    const checked = checkCallbackNumber(req.number, settings.policy);
    if (!checked.ok) return checked;
    const at = now();
    const dueAt = firstDue(settings.hours, at, req.preferredAt);
    if (dueAt === null) return { ok: false, reason: 'never-open', message: 'the business hours never open' };
    const priority = await this.deps.priorityOf(checked.e164).catch((): Priority => 'normal');
    const { callback, merged } = await store.createOrMerge(
      {
        number: checked.e164,
        team: req.team,
        name: req.name,
        email: req.email,
        source: req.source,
        priority,
        place: req.place ?? at,
        dueAt,
        maxAttempts: settings.attempts,
      },
      at,
    );
    this.deps.log.info({ callback: callback.id, team: callback.team, source: req.source, merged, dueAt }, 'callback requested');
    if (callback.status === 'scheduled') await this.deps.scheduler.schedule(callback.id, callback.attempts, callback.dueAt, at);
    if (!merged) this.recorder.requested(callback);
    if (!merged && this.deps.confirm) {
      this.deps.confirm(callback).catch((err) => this.deps.log.warn({ callback: callback.id, err: err.message }, 'confirmation not sent'));
    }
    return { ok: true, callback, merged };
  }

  /** A scheduled callback's time came (a BullMQ job): into its team's queue, at its place. */
  async due(callbackId: string): Promise<void> {
    const { store, settings, now } = this.deps;
    const cb = await store.get(callbackId);
    if (cb?.status !== 'scheduled') return;
    const at = now();
    if (cb.dueAt > at + 1000 || !isOpen(settings.hours, new Date(at))) {
      // Early (the clock moved) or closed meanwhile (a holiday added): wait for the right time.
      const dueAt = firstDue(settings.hours, at, cb.dueAt) ?? cb.dueAt;
      await store.update(cb.id, ['scheduled'], { dueAt }, at);
      return this.deps.scheduler.schedule(cb.id, cb.attempts, dueAt, at);
    }
    const interactionId = interactionIdOf(cb);
    const queued = await store.update(cb.id, ['scheduled'], { status: 'queued', interactionId }, at);
    if (queued) await this.enqueue(queued);
  }

  /** The agent answered and the customer is being called. */
  async attemptStarted(callbackId: string, agent: string): Promise<void> {
    const at = this.deps.now();
    const cb = await this.deps.store.update(callbackId, ['queued', 'calling'], { status: 'calling', agent }, at);
    if (cb) this.recorder.attemptStarted(cb, agent, new Date(at));
  }

  /**
   * The attempt is over. Answered: done. The customer did not answer: another attempt later, or
   * failed after the last one. Our side broke (the agent hung up first, Relais restarted): the
   * callback goes back to its place at once, without using an attempt.
   */
  async attemptEnded(callbackId: string, outcome: AttemptOutcome): Promise<Callback | undefined> {
    const { store, settings, now, log } = this.deps;
    const cb = await store.get(callbackId);
    if (!cb || !OPEN_STATUSES.includes(cb.status)) return cb;
    const at = now();
    const attempts = cb.attempts + (CUSTOMER_OUTCOMES.has(outcome) || outcome === 'answered' ? 1 : 0);
    let updated: Callback | undefined;
    if (outcome === 'answered') {
      updated = await store.update(cb.id, OPEN_STATUSES, { status: 'done', attempts, lastOutcome: outcome }, at);
    } else if (attempts >= cb.maxAttempts) {
      updated = await store.update(cb.id, OPEN_STATUSES, { status: 'failed', attempts, lastOutcome: outcome }, at);
      log.warn({ callback: cb.id, attempts, outcome }, 'callback failed: no attempt left');
      if (updated) this.recorder.failed({ ...updated, interactionId: cb.interactionId }, failedCallbackTicket);
    } else {
      const dueAt = CUSTOMER_OUTCOMES.has(outcome) ? retryDue(settings.hours, at, attempts, settings.retryAfterSeconds) : at;
      updated = await store.update(
        cb.id,
        OPEN_STATUSES,
        { status: 'scheduled', attempts, lastOutcome: outcome, dueAt: dueAt ?? at, interactionId: null, agent: null },
        at,
      );
      if (updated) await this.deps.scheduler.schedule(updated.id, updated.attempts, updated.dueAt, at);
    }
    log.info({ callback: cb.id, outcome, attempts, status: updated?.status }, 'callback attempt ended');
    this.recorder.attemptEnded(cb, outcome, new Date(at));
    return updated;
  }

  /**
   * Staff want it placed now: a scheduled callback, or a failed one (given one more attempt),
   * goes into its team's queue at once, at its place; the first free agent of the team gets it.
   */
  async callNow(callbackId: string): Promise<'queued' | 'not-found' | 'conflict'> {
    const { store, now } = this.deps;
    const cb = await store.get(callbackId);
    if (!cb) return 'not-found';
    if (cb.status !== 'scheduled' && cb.status !== 'failed') return 'conflict';
    const at = now();
    const patch = { status: 'queued' as const, interactionId: interactionIdOf(cb), dueAt: at };
    const queued = await store.update(cb.id, [cb.status], cb.status === 'failed' ? { ...patch, maxAttempts: cb.attempts + 1 } : patch, at);
    if (!queued) return 'conflict';
    await this.enqueue(queued);
    this.deps.log.info({ callback: cb.id, was: cb.status }, 'callback placed now by staff');
    return 'queued';
  }

  /** Staff cancel a callback that has not started calling. */
  async cancel(callbackId: string): Promise<Callback | undefined> {
    const cb = await this.deps.store.update(callbackId, ['scheduled', 'queued'], { status: 'cancelled' }, this.deps.now());
    if (cb?.interactionId) await this.deps.routing.abandon(cb.interactionId).catch(() => undefined);
    return cb;
  }

  list(filter: Parameters<CallbackStore['list']>[0]): Promise<Callback[]> {
    return this.deps.store.list(filter);
  }

  /** Attempts in progress (the agent answered), for adoption after a restart. */
  calling(): Promise<Callback[]> {
    return this.deps.store.list({ statuses: ['calling'], limit: 1000 });
  }

  get(callbackId: string): Promise<Callback | undefined> {
    return this.deps.store.get(callbackId);
  }

  /**
   * Makes Redis agree with PostgreSQL: every scheduled callback has its job, every queued one its
   * place in the routing core. Both are idempotent, so this runs at start and now and then: a
   * Redis that lost its data loses no callback.
   */
  async reconcile(): Promise<void> {
    const open = await this.deps.store.list({ statuses: ['scheduled', 'queued'], limit: 10_000 });
    const at = this.deps.now();
    for (const cb of open) {
      if (cb.status === 'scheduled') await this.deps.scheduler.schedule(cb.id, cb.attempts, cb.dueAt, at);
      else await this.enqueue(cb);
    }
  }

  private async enqueue(cb: Callback): Promise<void> {
    await this.deps.routing.enqueue({
      id: cb.interactionId ?? interactionIdOf(cb),
      channel: 'callback',
      team: cb.team,
      priority: cb.priority,
      enqueuedAt: cb.place,
      meta: { callbackId: cb.id, number: cb.number },
    });
  }
}
