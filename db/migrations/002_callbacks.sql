-- A caller who asked to be called back leaves the queue without abandoning it.
alter table routing_events drop constraint routing_events_step_check;
alter table routing_events add constraint routing_events_step_check
  check (step in ('queued', 'offered', 'accepted', 'missed', 'declined', 'abandoned', 'overflowed', 'ended', 'callback'));

-- Callbacks: the record of truth (what was asked, what happened), shown to agents. The timing
-- lives in BullMQ (callback/scheduler.ts) and the place in the routing core's queue; both are
-- rebuilt from here if Redis loses them.
create table callbacks (
  id uuid primary key,
  -- E.164.
  number text not null,
  team text not null,
  name text null,
  email text null,
  -- phone-queue: pressed 1 while waiting; phone-no-agent: offered when nobody could answer;
  -- phone-closed: out of hours; web: POST /api/callbacks.
  source text not null check (source in ('phone-queue', 'phone-no-agent', 'phone-closed', 'web')),
  priority text not null default 'normal' check (priority in ('premium', 'normal')),
  -- scheduled: waiting for its time; queued: in the team's queue; calling: the agent or customer
  -- rings or they talk; done: they talked; failed: every attempt failed; cancelled: by staff.
  status text not null check (status in ('scheduled', 'queued', 'calling', 'done', 'failed', 'cancelled')),
  -- Its place in the queue: a caller who pressed 1 keeps the time they entered.
  place timestamptz not null,
  -- Not before this (the next opening, the customer's preferred time, the next retry).
  due_at timestamptz not null,
  attempts int not null default 0,
  max_attempts int not null,
  -- Of the last attempt: answered, no-answer, busy, failed, agent-hung-up.
  last_outcome text null,
  agent text null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- The interaction of the current attempt in the routing core.
  interaction_id text null
);

-- One open callback per number and team: a second request merges into the first.
create unique index callbacks_open_per_number on callbacks (number, team)
  where status in ('scheduled', 'queued', 'calling');
create index callbacks_status_due on callbacks (status, due_at);
