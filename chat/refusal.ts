/** A refusal the client should see as is, with its code (any other failure is CHAT_ERR_UNAVAILABLE). */
import type { ChatErrorCode } from './protocol.ts';

export class ChatRefusal extends Error {
  constructor(
    readonly code: ChatErrorCode,
    message: string,
  ) {
    super(message);
  }
}
