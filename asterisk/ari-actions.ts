/**
 * The ARI requests Relais makes, as plain async functions over data. Failures become
 * AsteriskErrors with a code here, once; clean-up requests (hang up, stop, destroy) treat
 * "already gone" as success, since a caller hanging up races every one of them.
 */
import type { Client } from 'ari-client';
import type { ChannelData } from './ari.ts';
import { fromAriFailure } from './errors.ts';

export interface EndpointState {
  /** online: registered and answering; offline / unknown otherwise. */
  state: string;
  channelIds: string[];
}

export interface OriginateRequest {
  endpoint: string;
  app: string;
  appArgs: string;
  channelId: string;
  callerId: string;
  timeoutSeconds: number;
  /** The caller's channel: links both in Asterisk's records (linkedid). */
  originator?: string;
}

export interface AriActions {
  answer(channelId: string): Promise<void>;
  /** Plays a playlist (`sound:...`, `tone:...`) as one playback with a known id. */
  play(channelId: string, media: readonly string[], playbackId: string): Promise<void>;
  stopPlayback(playbackId: string): Promise<void>;
  hangup(channelId: string, reason?: 'normal' | 'busy' | 'congestion' | 'no_answer'): Promise<void>;
  originate(req: OriginateRequest): Promise<void>;
  createBridge(bridgeId: string): Promise<void>;
  addToBridge(bridgeId: string, channelIds: readonly string[]): Promise<void>;
  destroyBridge(bridgeId: string): Promise<void>;
  listChannels(): Promise<ChannelData[]>;
  listBridges(): Promise<{ id: string; channels: string[] }[]>;
  endpoint(tech: string, resource: string): Promise<EndpointState>;
}

export function ariActions(client: Client): AriActions {
  const attempt = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw fromAriFailure(err, what);
    }
  };
  const cleanup = async (what: string, run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
    } catch (err) {
      const e = fromAriFailure(err, what);
      if (e.code !== 'ARI_ERR_NOT_FOUND') throw e;
    }
  };
  // ari-client returns resource objects holding the client itself (`_client`): keep the data only.
  const data = <T>(x: unknown): T => JSON.parse(JSON.stringify(x, (k, v) => (k.startsWith('_') ? undefined : v))) as T;

  return {
    answer: (channelId) => attempt(`answer ${channelId}`, async () => void (await client.channels.answer({ channelId }))),
    play: (channelId, media, playbackId) =>
      attempt(`play on ${channelId}`, async () => void (await client.channels.play({ channelId, media: media.join(','), playbackId }))),
    stopPlayback: (playbackId) => cleanup(`stop playback ${playbackId}`, () => client.playbacks.stop({ playbackId })),
    hangup: (channelId, reason = 'normal') => cleanup(`hang up ${channelId}`, () => client.channels.hangup({ channelId, reason })),
    originate: (r) =>
      attempt(`originate ${r.endpoint}`, async () => {
        await client.channels.originate({
          endpoint: r.endpoint,
          app: r.app,
          appArgs: r.appArgs,
          channelId: r.channelId,
          callerId: r.callerId,
          timeout: Math.ceil(r.timeoutSeconds),
          ...(r.originator ? { originator: r.originator } : {}),
        });
      }),
    createBridge: (bridgeId) => attempt(`create bridge ${bridgeId}`, async () => void (await client.bridges.create({ bridgeId, type: 'mixing' }))),
    addToBridge: (bridgeId, channelIds) =>
      attempt(`add to bridge ${bridgeId}`, async () => void (await client.bridges.addChannel({ bridgeId, channel: channelIds.join(',') }))),
    destroyBridge: (bridgeId) => cleanup(`destroy bridge ${bridgeId}`, () => client.bridges.destroy({ bridgeId })),
    listChannels: () => attempt('list channels', async () => data<ChannelData[]>(await client.channels.list())),
    listBridges: () =>
      attempt('list bridges', async () => data<{ id: string; channels: string[] }[]>(await client.bridges.list())),
    endpoint: (tech, resource) =>
      attempt(`endpoint ${tech}/${resource}`, async () => {
        const e = data<{ state?: string; channel_ids: string[] | string }>(await client.endpoints.get({ tech, resource }));
        return { state: e.state ?? 'unknown', channelIds: Array.isArray(e.channel_ids) ? e.channel_ids : [e.channel_ids].filter(Boolean) };
      }),
  };
}

