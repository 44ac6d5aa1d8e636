/** Errors of the Asterisk side, each with a stable code; ari-http.ts maps HTTP statuses to them, once. */
export type AsteriskErrorCode =
  | 'ARI_ERR_START' // Asterisk did not start or its ARI never answered
  | 'ARI_ERR_CLI' // an `asterisk -rx` command failed
  | 'ARI_ERR_CONNECT' // the ARI WebSocket could not be (re)established
  | 'ARI_ERR_NOT_FOUND' // the channel/bridge/playback is gone (404): usually a hang-up race, not a fault
  | 'ARI_ERR_CONFLICT' // the resource is in the wrong state (409/422), e.g. playing to a channel leaving Stasis
  | 'ARI_ERR_REQUEST'; // any other failed ARI request

export class AsteriskError extends Error {
  override readonly name = 'AsteriskError';
  constructor(
    readonly code: AsteriskErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
