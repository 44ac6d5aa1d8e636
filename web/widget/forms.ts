/**
 * The pre-chat form, the offline form and its confirmation. Native validation (required, type,
 * maxlength) does the checking a visitor sees; the server parses again.
 */
import type { LeaveMessageOutcome, SignedIdentity, WidgetConfig } from '../../chat/protocol.ts';
import { h } from './dom.ts';
import { texts as t } from './texts.fr.ts';

export interface StartInput {
  topic: string;
  name?: string;
  email?: string;
}

export interface LeaveInput {
  topic: string;
  name: string;
  email: string;
  text: string;
  phone?: string;
}

const field = (label: string, control: HTMLElement) => h('label', {}, label, control);
const value = (form: HTMLFormElement, name: string) => {
  const el = form.elements.namedItem(name);
  return el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement ? el.value.trim() : '';
};

/** A topic select, or nothing when there is one topic (or `fixed` is set). */
function topicField(config: WidgetConfig, fixed?: string): HTMLElement {
  const only = fixed ?? (config.topics.length === 1 ? config.topics[0]!.id : undefined);
  if (only) return h('input', { type: 'hidden', name: 'topic', value: only });
  const select = h('select', { name: 'topic', required: true });
  for (const topic of config.topics) select.append(h('option', { value: topic.id }, topic.name));
  return field(t.topic, select);
}

/**
 * Ignores submits while one runs, so a double click sends once. `aria-disabled` rather than
 * `disabled`: a disabled button drops the keyboard focus, which then cannot follow to the next screen.
 */
function wire(form: HTMLFormElement, submit: (form: HTMLFormElement) => Promise<void>): HTMLFormElement {
  const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
  let busy = false;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (busy) return;
    busy = true;
    button.setAttribute('aria-disabled', 'true');
    void submit(form).finally(() => {
      busy = false;
      button.removeAttribute('aria-disabled');
    });
  });
  return form;
}

export function preChatForm(
  config: WidgetConfig,
  identity: SignedIdentity | null,
  onSubmit: (i: StartInput) => Promise<void>,
): HTMLFormElement {
  const form = h(
    'form',
    { class: 'card' },
    h('p', { class: 'note' }, identity ? t.preChatIdentified(identity.name) : t.preChatIntro),
    !identity && field(t.name, h('input', { name: 'name', autocomplete: 'name', required: true, maxlength: 100 })),
    !identity && field(t.email, h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true, maxlength: 200 })),
    topicField(config),
    h('button', { type: 'submit', class: 'primary' }, t.start),
  );
  return wire(form, (f) =>
    onSubmit(identity ? { topic: value(f, 'topic') } : { topic: value(f, 'topic'), name: value(f, 'name'), email: value(f, 'email') }),
  );
}

export function offlineForm(
  config: WidgetConfig,
  prefill: Partial<StartInput>,
  onSubmit: (i: LeaveInput) => Promise<void>,
): HTMLFormElement {
  const topicName = prefill.topic && config.topics.find((x) => x.id === prefill.topic)?.name;
  const form = h(
    'form',
    { class: 'card' },
    h('p', { class: 'note' }, topicName ? t.offlineTopicIntro(topicName) : t.offlineIntro),
    field(t.name, h('input', { name: 'name', autocomplete: 'name', required: true, maxlength: 100, value: prefill.name })),
    field(
      t.email,
      h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true, maxlength: 200, value: prefill.email }),
    ),
    topicField(config, prefill.topic),
    field(t.message, h('textarea', { name: 'text', required: true, rows: 4, maxlength: config.maxText })),
    field(t.phone, h('input', { name: 'phone', type: 'tel', autocomplete: 'tel', minlength: 3, maxlength: 32 })),
    h('button', { type: 'submit', class: 'primary' }, t.leaveMessage),
  );
  return wire(form, (f) => {
    const phone = value(f, 'phone');
    return onSubmit({
      topic: value(f, 'topic'),
      name: value(f, 'name'),
      email: value(f, 'email'),
      text: value(f, 'text'),
      ...(phone ? { phone } : {}),
    });
  });
}

/** Where the offline message went, in the visitor's words. */
export function sentView(outcome: LeaveMessageOutcome, onBack: () => void): HTMLElement {
  const back = h('button', { type: 'button', class: 'secondary' }, t.backToStart);
  back.addEventListener('click', onBack);
  const text = outcome.kind === 'ticket' ? t.sentTicket(outcome.ticket) : t.sentCallback(outcome.dueAt);
  return h('div', { class: 'card', role: 'status' }, h('p', {}, text), h('div', { class: 'row' }, back));
}
