/**
 * A sipp peer that keeps talking: sip-tester's 7 s speech sample played `times` over as one RTP
 * stream (sequence numbers, timestamps and send times running on), so a peer speaks for as long
 * as a test needs while its scenario already waits for the other side's BYE.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pcap } from './dtmf-pcap.ts';
import { parsePcap } from './rtp-capture.ts';
import { SPEECH_PCAP } from './sipp.ts';

/** The path of a pcap saying the speech sample `times` times in a row (written once). */
export function speechLoopPcap(times: number): string {
  const file = join(tmpdir(), `relais-speech-x${times}.pcap`);
  if (existsSync(file)) return file;
  const packets = parsePcap(readFileSync(SPEECH_PCAP));
  const first = packets[0]!;
  const last = packets[packets.length - 1]!;
  const periodMs = Math.round((last.time - first.time) * 1000) + 20;
  const samplesPerPeriod = (periodMs * 8000) / 1000;
  const frames: { atMs: number; rtp: Buffer }[] = [];
  for (let k = 0; k < times; k++)
    for (const [i, p] of packets.entries()) {
      const rtp = Buffer.alloc(12 + p.payload.length);
      rtp[0] = 0x80;
      rtp[1] = p.payloadType | (p.marker && k === 0 ? 0x80 : 0);
      rtp.writeUInt16BE((first.seq + k * packets.length + i) & 0xffff, 2);
      rtp.writeUInt32BE((p.timestamp + k * samplesPerPeriod) >>> 0, 4);
      rtp.writeUInt32BE(p.ssrc, 8);
      p.payload.copy(rtp, 12);
      frames.push({ atMs: Math.round((p.time - first.time) * 1000) + k * periodMs, rtp });
    }
  writeFileSync(file, pcap(frames));
  return file;
}
