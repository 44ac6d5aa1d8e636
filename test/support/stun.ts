/**
 * Just enough ICE to reach a mediasoup WebRtcTransport from Node without a browser: an ICE
 * Binding request (RFC 8445 §7.1, STUN short-term credentials and FINGERPRINT of RFC 8489 §9.1, §14.7), and recognising
 * its answer and a DTLS ClientHello. mediasoup is ICE-Lite: one nominating request from the
 * controlling side selects the tuple, after which it sends its DTLS to that address.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const USERNAME = 0x0006;
const MESSAGE_INTEGRITY = 0x0008;
const PRIORITY = 0x0024;
const USE_CANDIDATE = 0x0025;
const ICE_CONTROLLING = 0x802a;
const FINGERPRINT = 0x8028;
const FINGERPRINT_XOR = 0x5354554e;

export interface BindingRequest {
  packet: Buffer;
  transactionId: Buffer;
}

/**
 * A nominating Binding request to an ICE-Lite agent whose parameters are `remote`
 * (`usernameFragment`, `password`), from an agent calling itself `localUfrag`.
 */
export function iceBindingRequest(remote: { usernameFragment: string; password: string }, localUfrag: string): BindingRequest {
  const transactionId = randomBytes(12);
  const attrs = [
    attribute(USERNAME, Buffer.from(`${remote.usernameFragment}:${localUfrag}`)),
    attribute(PRIORITY, uint32(0x6e0001ff)), // a host candidate's priority; any value does
    attribute(ICE_CONTROLLING, randomBytes(8)), // the tie-breaker
    attribute(USE_CANDIDATE, Buffer.alloc(0)),
  ];
  const body = Buffer.concat(attrs);
  // Each of the last two attributes covers what precedes it, under a header whose length already
  // counts it: MESSAGE-INTEGRITY (24 bytes), then FINGERPRINT (8 bytes; mediasoup requires it).
  const withMac = header(BINDING_REQUEST, body.length + 24, transactionId);
  const mac = createHmac('sha1', remote.password)
    .update(Buffer.concat([withMac, body]))
    .digest();
  const signed = Buffer.concat([header(BINDING_REQUEST, body.length + 24 + 8, transactionId), body, attribute(MESSAGE_INTEGRITY, mac)]);
  const fingerprint = uint32((crc32(signed) ^ FINGERPRINT_XOR) >>> 0);
  return { packet: Buffer.concat([signed, attribute(FINGERPRINT, fingerprint)]), transactionId };
}

/** Whether `msg` is a Binding success response to the request with `transactionId`. */
export function isBindingSuccess(msg: Buffer, transactionId: Buffer): boolean {
  return (
    msg.length >= 20 &&
    msg.readUInt16BE(0) === BINDING_SUCCESS &&
    msg.readUInt32BE(4) === MAGIC_COOKIE &&
    msg.subarray(8, 20).equals(transactionId)
  );
}

/** Whether `msg` is a DTLS record (RFC 6347 §4.1, versions 0xfeXX) carrying a ClientHello. */
export function isDtlsClientHello(msg: Buffer): boolean {
  const HANDSHAKE = 22;
  const CLIENT_HELLO = 1;
  return msg.length > 13 && msg[0] === HANDSHAKE && msg[1] === 0xfe && msg[13] === CLIENT_HELLO;
}

function header(type: number, length: number, transactionId: Buffer): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(type, 0);
  b.writeUInt16BE(length, 2);
  b.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(b, 8);
  return b;
}

function attribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}
