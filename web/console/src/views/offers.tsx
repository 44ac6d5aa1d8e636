/** What is offered to the agent now, on any channel: who, which team, how long they waited. */
import type { OfferView } from '../../../../console/protocol.ts';
import { acceptOffer, allOffers, refuseOffer } from '../state/work.ts';
import { answer, hangup, line } from '../phone/line.ts';
import { t } from '../texts.fr.ts';
import { act, secondsSince, Who } from './common.tsx';

export function Offers() {
  const list = allOffers.value;
  // The browser phone rings with nothing offered: a colleague calls, or consults about a call.
  const direct = line.value.kind === 'ringing' && !list.some((o) => o.channel === 'call' || o.channel === 'callback');
  if (!list.length && !direct) return null;
  return (
    <section class="offers" aria-live="assertive">
      {list.map((o) => (
        <Offer o={o} />
      ))}
      {direct && <DirectRing />}
    </section>
  );
}

function DirectRing() {
  const l = line.value;
  if (l.kind !== 'ringing') return null;
  return (
    <article class="offer offer-call">
      <header>{t.directCall}</header>
      <p>
        <strong>{l.from}</strong>
      </p>
      <div class="actions">
        <button class="accept" onClick={act(answer)}>
          {t.accept}
        </button>
        <button class="decline" onClick={hangup}>
          {t.decline}
        </button>
      </div>
    </article>
  );
}

function Offer({ o }: { o: OfferView }) {
  const voice = o.channel === 'call' || o.channel === 'callback';
  const canAnswerHere = !voice || line.value.kind === 'ringing';
  return (
    <article class={`offer offer-${o.channel}`} data-offer={o.offerId}>
      <header>{t.incoming(t.channels[o.channel], o.teamName)}</header>
      <p>
        <Who c={o.customer} />
      </p>
      <p class="muted">{t.waitedFor(secondsSince(o.waitingSince))}</p>
      {o.preview && <blockquote>{o.preview}</blockquote>}
      <div class="actions">
        {canAnswerHere ? (
          <button class="accept" onClick={act(() => acceptOffer(o))}>
            {t.accept}
          </button>
        ) : (
          <span class="muted">{t.answerOnDeskPhone}</span>
        )}
        <button class="decline" onClick={act(() => refuseOffer(o))}>
          {t.decline}
        </button>
      </div>
    </article>
  );
}
