/** Errors of the video side, each with a stable code. */
export type VideoErrorCode = 'VIDEO_ERR_WORKER_MISSING'; // no runnable mediasoup-worker binary: run `bash video/install-worker.sh`

export class VideoError extends Error {
  override readonly name = 'VideoError';
  constructor(
    readonly code: VideoErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
