-- Customer records (customers/store.ts): who a customer is, how we recognise them, everything
-- they did with the company on any channel, and staff notes.
create table customers (
  id uuid primary key,
  name text null,
  company text null,
  tier text not null default 'basic' check (tier in ('premium', 'basic')),
  -- Known only by how they reached us (a caller ID, a chat email): not matched with the shop yet.
  provisional boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Their last interaction: retention periods count from here.
  last_seen_at timestamptz not null default now(),
  -- Merged into another record: the id keeps resolving, to the survivor.
  merged_into uuid null references customers (id) on delete set null,
  -- Erased on request (GDPR): no name, no identity, interactions kept anonymised for statistics.
  erased_at timestamptz null
);
create index customers_name on customers (lower(name)) where merged_into is null and erased_at is null;
create index customers_last_seen on customers (last_seen_at) where merged_into is null and erased_at is null;

-- How a customer is recognised. One owner per identity: a number or an email names one record.
create table customer_identities (
  kind text not null check (kind in ('phone', 'email', 'shop', 'helpdesk')),
  -- phone: E.164; email: lower case; shop and helpdesk: their ids.
  value text not null,
  customer_id uuid not null references customers (id) on delete cascade,
  -- How we learnt it: caller-id, chat, web-form, shop, staff.
  source text not null,
  created_at timestamptz not null default now(),
  primary key (kind, value)
);
create index customer_identities_customer on customer_identities (customer_id);

-- Every call, callback, chat and video, whichever channel wrote it; the timeline reads these.
create table interactions (
  -- The channel's id for it (the call id, the callback attempt's routing id, the chat id).
  id text primary key,
  customer_id uuid null references customers (id) on delete set null,
  channel text not null check (channel in ('call', 'chat', 'video', 'callback')),
  direction text not null check (direction in ('inbound', 'outbound')),
  -- The number or email used; null once the customer is erased.
  contact text null,
  team text null,
  agent text null,
  started_at timestamptz not null,
  answered_at timestamptz null,
  ended_at timestamptz null,
  -- answered, abandoned, closed, callback-requested, no-answer, busy, failed, ...
  outcome text null,
  -- Recordings, transcripts, tickets: { "ticket": "482913", "transcript": "/api/chats/..." }.
  links jsonb not null default '{}'
);
create index interactions_customer on interactions (customer_id, started_at);
create index interactions_started on interactions (started_at);

create table customer_notes (
  id uuid primary key,
  customer_id uuid not null references customers (id) on delete cascade,
  author text not null,
  body text not null,
  created_at timestamptz not null default now()
);
create index customer_notes_customer on customer_notes (customer_id, created_at);
