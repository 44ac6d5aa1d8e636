/**
 * RFC 4733 (2833) digits as a pcap file sipp can play (`play_pcap_audio`). sip-tester's own
 * dtmf_2833_*.pcap files come from one capture, so their RTP timestamps are fixed: "9" then "2"
 * goes back in time and the receiver rightly drops the "2" as an old event. Here each call gets
 * timestamps that only move forward.
 */
import { writeFileSync } from 'node:fs';

const EVENT_CODES: Record<string, number> = { '*': 10, '#': 11 };
const PACKET_MS = 20;
const PACKETS_PER_DIGIT = 8; // 160 ms of tone
const GAP_MS = 120;
const RATE = 8000;

/** RTP state carried from one digit file to the next within a call. */
export interface DtmfStream {
  seq: number;
  timestamp: number;
  ssrc: number;
}

export function newDtmfStream(): DtmfStream {
  return { seq: 1000, timestamp: 16000, ssrc: 0x5eed0001 };
}

/** Writes `digits` to `file`, advancing `stream`. */
export function writeDtmfPcap(file: string, digits: string, stream: DtmfStream): void {
  const frames: { atMs: number; rtp: Buffer }[] = [];
  let atMs = 0;
  for (const d of digits) {
    const event = EVENT_CODES[d] ?? Number(d);
    if (!Number.isInteger(event) || event < 0 || event > 11) throw new Error(`not a DTMF digit: ${d}`);
    for (let i = 0; i < PACKETS_PER_DIGIT; i++) {
      const end = i === PACKETS_PER_DIGIT - 1;
      // The end packet is sent three times, as RFC 4733 recommends against loss.
      for (let copy = 0; copy < (end ? 3 : 1); copy++) {
        frames.push({ atMs, rtp: rtpEvent(stream, i === 0, event, end, i * PACKET_MS * (RATE / 1000)) });
      }
      stream.seq = (stream.seq + 1) & 0xffff;
      atMs += PACKET_MS;
    }
    stream.timestamp = (stream.timestamp + ((PACKETS_PER_DIGIT * PACKET_MS + GAP_MS) * RATE) / 1000) >>> 0;
    atMs += GAP_MS;
  }
  writeFileSync(file, pcap(frames));
}

function rtpEvent(s: DtmfStream, marker: boolean, event: number, end: boolean, duration: number): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 0x80; // version 2
  b[1] = (marker ? 0x80 : 0) | 101;
  b.writeUInt16BE(s.seq, 2);
  b.writeUInt32BE(s.timestamp, 4);
  b.writeUInt32BE(s.ssrc, 8);
  b[12] = event;
  b[13] = (end ? 0x80 : 0) | 10; // volume -10 dBm0
  b.writeUInt16BE(duration, 14);
  return b;
}

/** Classic pcap, Ethernet link type, IPv4/UDP around each RTP packet (sipp rewrites addresses and ports). */
export function pcap(frames: { atMs: number; rtp: Buffer }[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20); // DLT_EN10MB
  const records = frames.map(({ atMs, rtp }) => {
    const eth = Buffer.alloc(14);
    eth.writeUInt16BE(0x0800, 12);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + 8 + rtp.length, 2);
    ip[8] = 64;
    ip[9] = 17; // UDP
    ip.writeUInt32BE(0x7f000001, 12);
    ip.writeUInt32BE(0x7f000001, 16);
    const udp = Buffer.alloc(8);
    udp.writeUInt16BE(4000, 0);
    udp.writeUInt16BE(4000, 2);
    udp.writeUInt16BE(8 + rtp.length, 4);
    const packet = Buffer.concat([eth, ip, udp, rtp]);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(atMs / 1000), 0);
    rec.writeUInt32LE((atMs % 1000) * 1000, 4);
    rec.writeUInt32LE(packet.length, 8);
    rec.writeUInt32LE(packet.length, 12);
    return Buffer.concat([rec, packet]);
  });
  return Buffer.concat([header, ...records]);
}
