/**
 * One attempt of a callback, on ARI: the agent's phone rings first (the routing core's offer);
 * once the agent answers, the customer's number is called through the trunk with the company's
 * number as caller ID while the agent hears ringback; when the customer answers, both are bridged
 * and a short message tells the customer who is calling back. Every ending is reported to the
 * callback service (answered, no answer, busy, ...), which decides on the next attempt; and the
 * routing core learns when the agent is free again.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AriActions } from '../asterisk/ari-actions.ts';
import type { PromptId } from '../ivr/call-flow.ts';
import { OfferRinger } from '../ivr/offer-ringer.ts';
import { PromptPlayer } from '../ivr/prompt-player.ts';
import type { CallNotice } from '../ivr/call-notices.ts';
import { TwoPartyControl } from '../ivr/two-party-control.ts';
import type { RoutingCore } from '../routing/core.ts';
import type { Interaction, Offer } from '../routing/model.ts';
import type { CallbackService } from './service.ts';
import type { AttemptOutcome, Callback } from './store.ts';

/** Stasis argument marking the customer's leg: `callback-customer,<interactionId>`. */
export const STASIS_ARG_CUSTOMER = 'callback-customer';

/** French ringback, for the agent while the customer's phone rings. */
const RINGBACK = 'tone:ring;tonezone=fr';

export interface CallbackCallDeps {
  ari: AriActions;
  app: string;
  log: Logger;
  routing: RoutingCore;
  service: Pick<CallbackService, 'attemptStarted' | 'attemptEnded'>;
  media: (prompt: PromptId) => string;
  /** The company's number, shown to the customer. */
  callerId: string;
  /** The dial string reaching a number (E.164) through the trunk. */
  dial: (number: string) => string;
  ringSeconds: number;
  offerSeconds: (team: string) => number;
  onEnded: (call: CallbackCall) => void;
  /** Tells the agent's console about the call (hold, resume, hang-up from the console). */
  notify: (n: CallNotice) => void;
  now: () => Date;
}

/** Q.850 causes of the customer's leg ending before an answer. */
function outcomeOf(cause: number): AttemptOutcome {
  if (cause === 17 || cause === 21) return 'busy';
  if (cause === 16 || cause === 18 || cause === 19) return 'no-answer';
  return 'failed';
}

type Phase = 'offering' | 'dialling' | 'talking' | 'telling-agent' | 'ended';

export class CallbackCall {
  private phase: Phase = 'offering';
  private agent: { channelId: string; staffId: string } | undefined;
  private customerChannelId: string | undefined;
  private readonly prompt: PromptPlayer;
  private readonly ringer: OfferRinger;
  private readonly log: Logger;
  private readonly callbackId: string;
  private readonly number: string;
  /** Hold, resume and hang-up from the agent's console, while agent and customer talk. */
  readonly control: TwoPartyControl;

  constructor(
    private readonly deps: CallbackCallDeps,
    private readonly interaction: Pick<Interaction, 'id' | 'team' | 'meta'>,
  ) {
    this.callbackId = interaction.meta.callbackId!;
    this.number = interaction.meta.number!;
    this.log = deps.log.child({ callback: this.callbackId, interaction: interaction.id });
    this.prompt = new PromptPlayer(deps.ari, this.log);
    this.ringer = new OfferRinger(
      deps,
      interaction.id,
      () => `"Rappel ${this.number}" <${this.number}>`,
      (offerId, staffId, how) => {
        this.deps.routing.decline(this.id, staffId, offerId, how).catch((err) => this.log.warn({ err }, 'decline not recorded'));
        this.endIfIdle();
      },
      null,
    );
    this.control = new TwoPartyControl(deps, {
      id: interaction.id,
      team: interaction.team,
      number: this.number,
      bridgeId: this.bridgeId,
      agent: () => (this.phase === 'talking' ? this.agent?.staffId : undefined),
      customerChannel: () => (this.phase === 'talking' ? this.customerChannelId : undefined),
      hangup: () => this.end(),
    });
  }

  get id(): string {
    return this.interaction.id;
  }

  /** A call picked up after a restart, agent and customer already talking in their bridge. */
  static adoptTalking(
    deps: CallbackCallDeps,
    ix: Pick<Interaction, 'id' | 'team' | 'meta' | 'agent'>,
    agentChannelId: string,
    customerChannelId: string,
  ): CallbackCall {
    const call = new CallbackCall(deps, { id: ix.id, team: ix.team, meta: { callbackId: '', number: '', ...ix.meta } });
    Object.assign(call, { phase: 'talking', agent: { channelId: agentChannelId, staffId: ix.agent ?? '' }, customerChannelId });
    return call;
  }

  onOffer(offer: Offer): void {
    if (this.phase !== 'offering') return;
    this.log.info({ step: 'offer', agents: offer.agents }, 'callback: ringing agents');
    this.ringer.ring(offer, this.deps.offerSeconds(this.interaction.team));
  }

  onOfferCancelled(offer: Offer, agents: readonly string[]): void {
    this.ringer.cancel(offer.id, agents);
    this.endIfIdle();
  }

  owns(channelId: string): boolean {
    return this.agent?.channelId === channelId || this.customerChannelId === channelId || this.ringer.owns(channelId);
  }

  /** An agent picked up: if the routing core gives them the callback, call the customer. */
  async onAgentAnswered(channelId: string, staffId: string, offerId: string): Promise<void> {
    this.ringer.take(channelId);
    const accepted = this.phase === 'offering' && (await this.deps.routing.accept(this.id, staffId, offerId).catch(() => false));
    if (!accepted || this.phase !== 'offering') {
      await this.deps.ari.hangup(channelId).catch(() => undefined);
      return;
    }
    this.ringer.kill();
    this.agent = { channelId, staffId };
    this.phase = 'dialling';
    this.log.info({ step: 'dialling', staff: staffId }, 'callback: agent answered, calling the customer');
    await this.deps.service.attemptStarted(this.callbackId, staffId).catch((err) => this.log.warn({ err }, 'attempt not recorded'));
    this.play(channelId, [RINGBACK]);
    this.customerChannelId = `${this.id}-customer`;
    try {
      await this.deps.ari.originate({
        endpoint: this.deps.dial(this.number),
        app: this.deps.app,
        appArgs: [STASIS_ARG_CUSTOMER, this.id].join(','),
        channelId: this.customerChannelId,
        callerId: this.deps.callerId,
        timeoutSeconds: this.deps.ringSeconds,
        originator: channelId,
      });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'callback: the customer could not be called');
      this.customerChannelId = undefined;
      await this.customerMissed('failed');
    }
  }

  /** The customer picked up: bridge them with the agent, and say who calls. */
  async onCustomerAnswered(channelId: string): Promise<void> {
    if (this.phase !== 'dialling' || channelId !== this.customerChannelId || !this.agent) {
      await this.deps.ari.hangup(channelId).catch(() => undefined);
      return;
    }
    this.phase = 'talking';
    this.prompt.stop();
    this.log.info({ step: 'connected' }, 'callback: customer answered');
    const outcome = this.deps.service.attemptEnded(this.callbackId, 'answered');
    outcome.catch((err) => this.log.warn({ err }, 'outcome not recorded'));
    try {
      await this.deps.ari.createBridge(this.bridgeId);
      await this.deps.ari.addToBridge(this.bridgeId, [this.agent.channelId, channelId]);
      await this.deps.ari.playOnBridge(this.bridgeId, [this.deps.media('callback-intro')], randomUUID());
      this.control.connected();
    } catch (err) {
      this.log.error({ err }, 'callback: bridging failed');
      this.end();
    }
  }

  onPlaybackFinished(playbackId: string): void {
    if (this.prompt.finished(playbackId) && this.phase === 'telling-agent') this.end();
  }

  onChannelGone(channelId: string, cause: number): void {
    if (this.ringer.owns(channelId)) return this.ringer.legGone(channelId, cause);
    if (channelId === this.customerChannelId) {
      this.customerChannelId = undefined;
      if (this.phase === 'dialling') return void this.customerMissed(outcomeOf(cause));
      return this.end();
    }
    if (channelId === this.agent?.channelId) {
      this.agent = undefined;
      if (this.phase === 'dialling') {
        this.log.info({ step: 'agent-hung-up' }, 'callback: the agent hung up before the customer answered');
        void this.deps.service
          .attemptEnded(this.callbackId, 'agent-hung-up')
          .catch((err) => this.log.warn({ err }, 'outcome not recorded'));
      }
      this.end();
    }
  }

  /** Hangs up everything this attempt holds, and frees the agent in the routing core. */
  end(): void {
    if (this.phase === 'ended') return;
    const wasOffering = this.phase === 'offering';
    this.phase = 'ended';
    this.control.ended(this.agent?.staffId);
    this.ringer.kill();
    this.prompt.stop();
    const quietly = (p: Promise<unknown>) => p.catch((err) => this.log.warn({ err }, 'clean-up request failed'));
    for (const ch of [this.agent?.channelId, this.customerChannelId]) if (ch) quietly(this.deps.ari.hangup(ch));
    quietly(this.deps.ari.destroyBridge(this.bridgeId));
    if (!wasOffering) quietly(this.deps.routing.finish(this.id));
    this.deps.onEnded(this);
  }

  /** Forgets the call without touching it: another process owns the application now. */
  release(): void {
    this.phase = 'ended';
    this.ringer.release();
  }

  private get bridgeId(): string {
    return `${this.id}-bridge`;
  }

  /** The customer did not answer: the agent hears why and what happens next, then hangs up. */
  private async customerMissed(outcome: AttemptOutcome): Promise<void> {
    this.log.info({ step: outcome }, 'callback: the customer did not answer');
    this.prompt.stop();
    const after: Callback | undefined = await this.deps.service
      .attemptEnded(this.callbackId, outcome)
      .catch((err) => (this.log.warn({ err }, 'outcome not recorded'), undefined));
    if (!this.agent) return this.end();
    this.phase = 'telling-agent';
    this.play(this.agent.channelId, [this.deps.media(after?.status === 'failed' ? 'callback-failed' : 'callback-retry')]);
  }

  /** Nothing rings and nobody took it: this attempt object has nothing left to do. */
  private endIfIdle(): void {
    if (this.phase === 'offering' && !this.ringer.ringing) {
      this.phase = 'ended';
      this.deps.onEnded(this);
    }
  }

  private play(channelId: string, media: readonly string[]): void {
    this.prompt.play(channelId, media, (err) => {
      this.log.warn({ err: (err as Error).message }, 'callback: playback failed');
      if (this.phase === 'telling-agent') this.end();
    });
  }
}
