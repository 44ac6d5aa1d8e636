/**
 * The ARI requests Relais makes, as plain async functions over data. Failures are AsteriskErrors
 * coded from the HTTP status (ari-http.ts); clean-up requests (hang up, stop, destroy) treat
 * "already gone" as success, since a caller hanging up races every one of them.
 */
import type { ChannelData } from './ari.ts';
import type { AriHttp } from './ari-http.ts';
import type { AsteriskError } from './errors.ts';

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
  /** Plays to everyone in a bridge. */
  playOnBridge(bridgeId: string, media: readonly string[], playbackId: string): Promise<void>;
  stopPlayback(playbackId: string): Promise<void>;
  /** Music on hold (the `default` class: Debian's opsound), until stopped. */
  startHold(channelId: string): Promise<void>;
  stopHold(channelId: string): Promise<void>;
  hangup(channelId: string, reason?: 'normal' | 'busy' | 'congestion' | 'no_answer'): Promise<void>;
  originate(req: OriginateRequest): Promise<void>;
  createBridge(bridgeId: string): Promise<void>;
  addToBridge(bridgeId: string, channelIds: readonly string[]): Promise<void>;
  /** Takes channels out of a bridge; they stay in the Stasis application. */
  removeFromBridge(bridgeId: string, channelIds: readonly string[]): Promise<void>;
  destroyBridge(bridgeId: string): Promise<void>;
  listChannels(): Promise<ChannelData[]>;
  listBridges(): Promise<{ id: string; channels: string[] }[]>;
  endpoint(tech: string, resource: string): Promise<EndpointState>;
}

export function ariActions(http: AriHttp): AriActions {
  const e = encodeURIComponent;
  // Clean-up requests race the hang-ups they clean up after: "already gone" is success.
  const cleanup = async (run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
    } catch (err) {
      if ((err as AsteriskError).code !== 'ARI_ERR_NOT_FOUND') throw err;
    }
  };
  return {
    answer: (channelId) => http.post(`channels/${e(channelId)}/answer`),
    play: (channelId, media, playbackId) => http.post(`channels/${e(channelId)}/play/${e(playbackId)}`, { media: media.join(',') }),
    playOnBridge: (bridgeId, media, playbackId) => http.post(`bridges/${e(bridgeId)}/play/${e(playbackId)}`, { media: media.join(',') }),
    stopPlayback: (playbackId) => cleanup(() => http.delete(`playbacks/${e(playbackId)}`)),
    startHold: (channelId) => http.post(`channels/${e(channelId)}/moh`, { mohClass: 'default' }),
    stopHold: (channelId) => cleanup(() => http.delete(`channels/${e(channelId)}/moh`)),
    hangup: (channelId, reason = 'normal') => cleanup(() => http.delete(`channels/${e(channelId)}`, { reason })),
    originate: (r) =>
      http.post(`channels/${e(r.channelId)}`, {
        endpoint: r.endpoint,
        app: r.app,
        appArgs: r.appArgs,
        callerId: r.callerId,
        timeout: Math.ceil(r.timeoutSeconds),
        originator: r.originator,
      }),
    createBridge: (bridgeId) => http.post(`bridges/${e(bridgeId)}`, { type: 'mixing' }),
    addToBridge: (bridgeId, channelIds) => http.post(`bridges/${e(bridgeId)}/addChannel`, { channel: channelIds.join(',') }),
    removeFromBridge: (bridgeId, channelIds) => http.post(`bridges/${e(bridgeId)}/removeChannel`, { channel: channelIds.join(',') }),
    destroyBridge: (bridgeId) => cleanup(() => http.delete(`bridges/${e(bridgeId)}`)),
    listChannels: () => http.get<ChannelData[]>('channels'),
    listBridges: () => http.get<{ id: string; channels: string[] }[]>('bridges'),
    endpoint: async (tech, resource) => {
      const ep = await http.get<{ state?: string; channel_ids?: string[] }>(`endpoints/${e(tech)}/${e(resource)}`);
      return { state: ep.state ?? 'unknown', channelIds: ep.channel_ids ?? [] };
    },
  };
}
