/**
 * Errors of the video side, each with a stable code and what the one who gets it should do
 * (`then`): browsers and tests act on that, never on the message text.
 *
 * - `fix`: the request itself is wrong or not allowed; sending it again changes nothing.
 * - `later`: nothing is wrong with the request, the server cannot do it now; try again later.
 * - `reset`: the call this request was about is over (or never was): drop it and show the chat.
 * - `install`: the machine lacks something (the operator's job, not a browser's).
 */
export const videoErrors = {
  VIDEO_ERR_WORKER_MISSING: { then: 'install', text: 'no runnable mediasoup-worker binary: run `bash video/install-worker.sh`' },
  VIDEO_ERR_INVALID: { then: 'fix', text: 'the payload does not parse' },
  VIDEO_ERR_DISABLED: { then: 'fix', text: 'video calls are not offered here' },
  VIDEO_ERR_NOT_FOUND: { then: 'reset', text: 'no such video call in a conversation of yours' },
  VIDEO_ERR_CHAT_NOT_ACTIVE: { then: 'fix', text: 'a video call needs a conversation an agent has taken and that is not over' },
  VIDEO_ERR_ALREADY: { then: 'fix', text: 'this conversation already has a video call proposed or in progress' },
  VIDEO_ERR_STATE: { then: 'fix', text: 'not possible at this stage of the call' },
  VIDEO_ERR_NOT_JOINED: { then: 'reset', text: 'this page is not in the call (another page of yours joined it since)' },
  VIDEO_ERR_MEDIA: { then: 'fix', text: 'the media parameters were refused' },
  VIDEO_ERR_AGENT_BUSY: { then: 'later', text: 'the agent is on a call' },
  VIDEO_ERR_FULL: { then: 'later', text: 'every video slot of this server is in use' },
  VIDEO_ERR_RATE_LIMITED: { then: 'later', text: 'too many video requests: slow down' },
  VIDEO_ERR_UNAVAILABLE: { then: 'later', text: 'the server holding this call did not answer in time' },
} as const satisfies Record<string, { then: 'fix' | 'later' | 'reset' | 'install'; text: string }>;

export type VideoErrorCode = keyof typeof videoErrors;
export type VideoErrorAction = (typeof videoErrors)[VideoErrorCode]['then'];

export class VideoError extends Error {
  override readonly name = 'VideoError';
  constructor(
    readonly code: VideoErrorCode,
    message: string = videoErrors[code].text,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** What the receiver should do about it. */
  get then(): VideoErrorAction {
    return videoErrors[this.code].then;
  }
}
