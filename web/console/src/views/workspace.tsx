/**
 * An agent's desk at 1280×720: offers and what is in hand on the left, the interaction in the
 * middle (the call or a chat), the customer on the right.
 */
import { signal } from '@preact/signals';
import { currentCall } from '../state/calls.ts';
import { agentState } from '../state/live.ts';
import { line } from '../phone/line.ts';
import { chats, currentChat, openChats } from '../state/chats.ts';
import { t } from '../texts.fr.ts';
import { CallPanel, DirectCallPanel } from './call-panel.tsx';
import { ChatPanel } from './chat-panel.tsx';
import { CustomerPanel } from './customer-panel.tsx';
import { Offers } from './offers.tsx';
import { Tier } from './common.tsx';

/** Nothing in hand: what the agent can expect, or what to do to get something. */
function Idle() {
  const presence = agentState.value?.presence;
  return <p class="idle muted">{presence === 'available' || presence === 'wrapup' ? t.idleAvailable : t.idleNotAvailable}</p>;
}

/** Which interaction the middle column shows. */
export const focus = signal<'call' | 'chat'>('call');

export function Workspace() {
  const call = currentCall.value;
  const chat = currentChat.value ? chats.value.get(currentChat.value) : undefined;
  const showing = focus.value === 'chat' && chat ? 'chat' : call ? 'call' : chat ? 'chat' : null;
  const customerId = showing === 'call' ? call?.customer.id : showing === 'chat' ? chat?.visitor.customer?.id : null;
  return (
    <div class="workspace">
      <aside class="queue-column">
        <Offers />
        <h2>{t.chats}</h2>
        <ul class="tabs" role="tablist">
          {call && (
            <li>
              <button role="tab" aria-selected={showing === 'call'} onClick={() => (focus.value = 'call')}>
                <span class="kind">{t.channels[call.channel]}</span> {call.customer.name ?? call.customer.contact ?? t.unknownCustomer}
              </button>
            </li>
          )}
          {openChats.value.map((c) => (
            <li>
              <button
                role="tab"
                aria-selected={showing === 'chat' && c.conversation.id === currentChat.value}
                onClick={() => ((currentChat.value = c.conversation.id), (focus.value = 'chat'))}
              >
                <span class="kind">{t.channels.chat}</span> {c.visitor.customer?.name ?? c.visitor.name ?? t.unknownCustomer}{' '}
                <Tier tier={c.visitor.customer?.tier ?? null} />
                {c.unread > 0 && <span class="unread">{c.unread}</span>}
              </button>
            </li>
          ))}
          {!call && !openChats.value.length && <li class="muted">{t.noChats}</li>}
        </ul>
      </aside>
      <section class="interaction-column">
        {showing === 'call' && call && <CallPanel call={call} />}
        {showing === 'chat' && chat && <ChatPanel tab={chat} />}
        {!call && showing !== 'chat' && <DirectCallPanel />}
        {!call && !chat && line.value.kind === 'idle' && <Idle />}
      </section>
      <aside class="customer-column">
        <CustomerPanel customerId={customerId ?? null} />
      </aside>
    </div>
  );
}
