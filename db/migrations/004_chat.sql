-- Website chat (chat/store.ts): conversations and their messages. A message is stored before it
-- is acknowledged; its id comes from the sender, so a resend after a reconnect inserts nothing.
create table conversations (
  id uuid primary key,
  -- The public site key of the page it started on (config chat.sites).
  site text not null,
  team text not null,
  status text not null check (status in ('waiting', 'active', 'ended')),
  visitor_name text null,
  visitor_email text null,
  -- The host page signed the visitor's identity (a logged-in shop customer).
  verified boolean not null default false,
  page text null,
  customer_id uuid null references customers (id) on delete set null,
  agent text null,
  agent_name text null,
  -- Messages so far: the next one gets last_seq + 1.
  last_seq int not null default 0,
  read_by_agent int not null default 0,
  read_by_visitor int not null default 0,
  rating text null check (rating in ('good', 'bad')),
  created_at timestamptz not null default now(),
  answered_at timestamptz null,
  ended_at timestamptz null
);
create index conversations_agent_open on conversations (agent) where status = 'active';

create table chat_messages (
  conversation_id uuid not null references conversations (id) on delete cascade,
  id uuid not null,
  seq int not null,
  sender text not null check (sender in ('visitor', 'agent', 'system')),
  author text null,
  body text not null,
  at timestamptz not null default now(),
  primary key (conversation_id, id),
  unique (conversation_id, seq)
);
