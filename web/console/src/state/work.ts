/**
 * An agent's working session: starts the live socket, the chats and the browser phone after
 * login, stops them at logout; offers from every channel in one list, announced with a ring
 * and a desktop notification; accepting or declining does what the channel needs.
 */
import { computed, effect } from '@preact/signals';
import type { OfferView } from '../../../../console/protocol.ts';
import { answer, hangup, line, startPhone, stopPhone } from '../phone/line.ts';
import { startRinging, stopRinging } from '../phone/ringtone.ts';
import { t } from '../texts.fr.ts';
import { acceptChat, chatOffers, connectChats, declineChat, disconnectChats } from './chats.ts';
import { connectLive, decline as declineOffer, disconnectLive, dismissOffer, offers } from './live.ts';
import { boot } from './session.ts';

/** Every offer waiting for this agent, oldest customer first. */
export const allOffers = computed(() =>
  [...offers.value, ...chatOffers.value].sort((a, b) => Date.parse(a.waitingSince) - Date.parse(b.waitingSince)),
);

let stopEffects: (() => void) | undefined;

export function startWork(): void {
  const b = boot();
  connectLive();
  connectChats();
  const ws = new URL(b.phone.wsPath, location.href);
  ws.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  void startPhone(
    { wsUrl: ws.href, user: b.phone.user, password: b.phone.password, domain: b.phone.domain, displayName: b.me.name },
    () => undefined,
  ).catch(() => undefined);
  const seen = new Set<string>();
  stopEffects = effect(() => {
    const list = allOffers.value;
    const ringingPhone = line.value.kind === 'ringing';
    if (list.length || ringingPhone) startRinging();
    else stopRinging();
    for (const o of list) if (!seen.has(o.offerId)) (seen.add(o.offerId), notify(o));
  });
}

export function stopWork(): void {
  stopEffects?.();
  stopRinging();
  disconnectLive();
  disconnectChats();
  void stopPhone();
}

export async function acceptOffer(o: OfferView): Promise<void> {
  if (o.channel === 'chat') return acceptChat(o);
  // Calls and callbacks ring the agent's phones: answering the browser's is accepting. A desk
  // phone is answered by picking it up; the offer leaves the list when Relais sees it taken.
  if (line.value.kind === 'ringing') {
    dismissOffer(o.offerId);
    await answer();
  }
}

export async function refuseOffer(o: OfferView): Promise<void> {
  if (o.channel === 'chat') return declineChat(o);
  if (line.value.kind === 'ringing') hangup();
  await declineOffer(o);
}

function notify(o: OfferView): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted' || document.hasFocus()) return;
  const who = o.customer.name ?? o.customer.contact ?? t.unknownCustomer;
  const n = new Notification(t.notificationTitle(t.channels[o.channel], who), { body: o.teamName, tag: o.offerId });
  n.onclick = () => (window.focus(), n.close());
}

/** Asks once for desktop notifications (browsers want a user gesture: called from a click). */
export function askNotifications(): void {
  if (typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission();
}
