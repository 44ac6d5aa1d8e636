/**
 * Names of the pjsip objects Relais renders, in one place: the renderer, the dialplan and the
 * IVR's dialer must agree on them.
 */

/** The ISP trunk's endpoint. */
export const TRUNK_ENDPOINT = 'trunk';

/** Dialplan contexts. */
export const CONTEXT_TRUNK = 'from-trunk';
export const CONTEXT_STAFF = 'staff';

/**
 * A staff member has two SIP endpoints with the same password: one for desk phones and
 * softphones (plain RTP over UDP), one for the browser (WebRTC: DTLS-SRTP, ICE, over WebSocket).
 * The SIP username is the endpoint name.
 */
export function staffEndpoints(staffId: string): { phone: string; browser: string } {
  return { phone: staffId, browser: `${staffId}-webrtc` };
}

/** Channel technology/resource strings to dial every device of a staff member. */
export function staffDialStrings(staffId: string): string[] {
  const e = staffEndpoints(staffId);
  return [`PJSIP/${e.phone}`, `PJSIP/${e.browser}`];
}

/** The staff member a channel belongs to, from its name (`PJSIP/gary-webrtc-0000002a` → gary). */
export function staffOfChannel(channelName: string): string | undefined {
  const m = /^PJSIP\/(.+)-[0-9a-f]{8}$/.exec(channelName);
  return m?.[1]?.replace(/-webrtc$/, '');
}
