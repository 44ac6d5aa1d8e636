/** What is offered to the agent now, on any channel: who, which team, how long they waited. */
import type { OfferView } from '../../../../console/protocol.ts';
import { acceptOffer, allOffers, refuseOffer } from '../state/work.ts';
import { line } from '../phone/line.ts';
import { t } from '../texts.fr.ts';
import { act, secondsSince, Who } from './common.tsx';

export function Offers() {
  const list = allOffers.value;
  if (!list.length) return null;
  return (
    <section class="offers" aria-live="assertive">
      {list.map((o) => (
        <Offer o={o} />
      ))}
    </section>
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
