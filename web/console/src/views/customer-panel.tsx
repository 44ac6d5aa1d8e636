/**
 * The customer beside the interaction: identity and tier, contact details (editable), notes,
 * the timeline across channels, the shop's last orders and the helpdesk's tickets. With no
 * customer in focus, a search.
 */
import { useEffect, useState } from 'preact/hooks';
import type { CustomerBadge } from '../../../../console/protocol.ts';
import { api, qs } from '../api.ts';
import { duration, formatDateTime, t } from '../texts.fr.ts';
import { act, Tier } from './common.tsx';
import { addNote, recordsChanged } from '../state/customers.ts';
import { boot } from '../state/session.ts';

const teamName = (id: string) => boot().teams.find((x) => x.id === id)?.name ?? id;
const staffName = (id: string) => boot().staff.find((x) => x.id === id)?.name ?? id;

interface Customer {
  id: string;
  name: string | null;
  company: string | null;
  tier: 'premium' | 'basic';
  provisional: boolean;
  phones: string[];
  emails: string[];
  orders: { id: number; reference: string; createdAt: string; totalPaid: string; payment: string }[] | null;
  tickets: { number: string; subject: string; status: string; createdAt: string; updatedAt: string }[] | null;
}

interface Entry {
  kind: 'interaction' | 'note';
  at: string;
  id: string;
  channel?: string;
  direction?: string;
  team?: string | null;
  agent?: string | null;
  outcome?: string | null;
  disposition?: string;
  answeredAt?: string | null;
  endedAt?: string | null;
  author?: string;
  body?: string;
}

export function CustomerPanel({ customerId }: { customerId: string | null }) {
  const [picked, setPicked] = useState<string | null>(null);
  const id = customerId ?? picked;
  useEffect(() => setPicked(null), [customerId]);
  return id ? <Record id={id} onClose={customerId ? undefined : () => setPicked(null)} /> : <Search onPick={setPicked} />;
}

function Search({ onPick }: { onPick: (id: string) => void }) {
  const [found, setFound] = useState<CustomerBadge[] | null>(null);
  const search = (e: Event) => {
    e.preventDefault();
    const q = String(new FormData(e.target as HTMLFormElement).get('q') ?? '').trim();
    if (q) act(async () => setFound(await api.get<CustomerBadge[]>(`/api/customers${qs({ q })}`)))();
  };
  return (
    <section class="customer-search">
      <h2>{t.customer}</h2>
      <form onSubmit={search}>
        <input name="q" type="search" aria-label={t.search} placeholder={t.search} />
      </form>
      {found && (
        <ul>
          {found.length === 0 && <li class="muted">{t.none}</li>}
          {found.map((c) => (
            <li>
              <button class="link" onClick={() => c.id && onPick(c.id)}>
                {c.name ?? c.id} <Tier tier={c.tier} />
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Record({ id, onClose }: { id: string; onClose?: () => void }) {
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [entries, setEntries] = useState<Entry[]>([]);
  const [editing, setEditing] = useState(false);
  const load = async () => {
    const [c, tl] = await Promise.all([
      api.get<Customer>(`/api/customers/${id}`),
      api.get<{ entries: Entry[] }>(`/api/customers/${id}/timeline`),
    ]);
    setCustomer(c);
    setEntries(tl.entries);
  };
  useEffect(() => {
    setCustomer(null);
    act(load)();
  }, [id]);
  useEffect(() => {
    if (recordsChanged.value) act(load)();
  }, [recordsChanged.value]);
  if (!customer) return <section class="customer">…</section>;
  return (
    <section class="customer" aria-label={t.customer}>
      <header>
        <h2>
          {customer.name ?? t.unknownCustomer} <Tier tier={customer.tier} />
        </h2>
        {onClose && (
          <button class="link" onClick={onClose}>
            ✕
          </button>
        )}
      </header>
      {editing ? (
        <EditForm customer={customer} done={() => (setEditing(false), act(load)())} />
      ) : (
        <dl class="contact">
          {customer.company && <dd>{customer.company}</dd>}
          {customer.phones.map((p) => (
            <dd>
              {t.phoneNumber} : {p}
            </dd>
          ))}
          {customer.emails.map((e) => (
            <dd>
              {t.email} : {e}
            </dd>
          ))}
          <dd>
            <button class="link" onClick={() => setEditing(true)}>
              {t.edit}
            </button>
          </dd>
        </dl>
      )}
      <NoteForm customerId={id} />
      <h3>{t.timeline}</h3>
      <ol class="timeline">
        {[...entries].reverse().map((e) => (
          <li class={`entry entry-${e.kind}`}>
            <time dateTime={e.at}>{formatDateTime(e.at)}</time>{' '}
            {e.kind === 'note' ? (
              <span>
                {t.notes} · {staffName(e.author ?? '')} : {e.body}
              </span>
            ) : (
              <span>
                {t.channels[e.channel as keyof typeof t.channels] ?? e.channel} {t.direction[e.direction ?? ''] ?? ''}
                {e.team ? ` · ${teamName(e.team)}` : ''}
                {e.agent ? ` · ${staffName(e.agent)}` : ''}
                {e.outcome ? ` · ${t.interactionOutcome(e.outcome)}` : ''}
                {e.disposition ? ` · ${e.disposition}` : ''}
                {e.answeredAt && e.endedAt ? ` · ${duration((Date.parse(e.endedAt) - Date.parse(e.answeredAt)) / 1000)}` : ''}
              </span>
            )}
          </li>
        ))}
      </ol>
      <h3>{t.orders}</h3>
      {customer.orders === null ? (
        <p class="muted">{t.serviceUnavailable}</p>
      ) : (
        <ul class="orders">
          {customer.orders.length === 0 && <li class="muted">{t.none}</li>}
          {customer.orders.map((o) => (
            <li>
              {o.reference} · {formatDateTime(o.createdAt)} · {o.totalPaid} €
            </li>
          ))}
        </ul>
      )}
      <h3>{t.tickets}</h3>
      {customer.tickets === null ? (
        <p class="muted">{t.serviceUnavailable}</p>
      ) : (
        <ul class="tickets">
          {customer.tickets.length === 0 && <li class="muted">{t.none}</li>}
          {customer.tickets.map((x) => (
            <li>
              #{x.number} {x.subject} · {x.status}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function EditForm({ customer, done }: { customer: Customer; done: () => void }) {
  const save = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const change: Record<string, string> = {};
    for (const k of ['name', 'company', 'phone', 'email']) {
      const v = String(f.get(k) ?? '').trim();
      const was = k === 'phone' ? customer.phones[0] : k === 'email' ? customer.emails[0] : customer[k as 'name' | 'company'];
      if (v && v !== was) change[k] = v;
    }
    if (!Object.keys(change).length) return done();
    act(async () => (await api.patch(`/api/customers/${customer.id}`, change), done()))();
  };
  return (
    <form class="edit-contact" onSubmit={save}>
      <label>
        {t.name} <input name="name" defaultValue={customer.name ?? ''} />
      </label>
      <label>
        {t.company} <input name="company" defaultValue={customer.company ?? ''} />
      </label>
      <label>
        {t.phoneNumber} <input name="phone" type="tel" defaultValue={customer.phones[0] ?? ''} />
      </label>
      <label>
        {t.email} <input name="email" type="email" defaultValue={customer.emails[0] ?? ''} />
      </label>
      <button type="submit">{t.save}</button>
      <button type="button" class="link" onClick={done}>
        {t.cancel}
      </button>
    </form>
  );
}

function NoteForm({ customerId }: { customerId: string }) {
  const [body, setBody] = useState('');
  const add = (e: Event) => {
    e.preventDefault();
    if (!body.trim()) return;
    act(async () => (await addNote(customerId, body.trim()), setBody('')))();
  };
  return (
    <form class="note" onSubmit={add}>
      <textarea
        aria-label={t.addNote}
        placeholder={t.notePlaceholder}
        value={body}
        onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)}
      />
      <button type="submit">{t.addNote}</button>
    </form>
  );
}
