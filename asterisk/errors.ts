/** Errors of the Asterisk side, each with a stable code; the ARI edge maps HTTP statuses here once. */
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

/** The ARI edge: turns ari-client's rejections (HTTP status in `message` or `statusCode`) into codes. */
export function fromAriFailure(err: unknown, what: string): AsteriskError {
  if (err instanceof AsteriskError) return err;
  const e = err as { statusCode?: number; status?: number; message?: string };
  const status = e.statusCode ?? e.status ?? Number(/\b(404|409|422|400|500)\b/.exec(String(e.message))?.[1]);
  const code = status === 404 ? 'ARI_ERR_NOT_FOUND' : status === 409 || status === 422 ? 'ARI_ERR_CONFLICT' : 'ARI_ERR_REQUEST';
  return new AsteriskError(code, `${what}: ${e.message ?? String(err)}`, { cause: err });
}
