-- Every routing step of every interaction, copied from the Redis journal stream by routing/journal.ts.
create table routing_events (
  id bigserial primary key,
  -- The Redis stream entry id: replaying an entry (crash before XACK, claim by another process)
  -- inserts nothing twice.
  stream_id text not null unique,
  at timestamptz not null,
  step text not null check (step in ('queued', 'offered', 'accepted', 'missed', 'declined', 'abandoned', 'overflowed', 'ended')),
  interaction_id text not null,
  team text not null,
  channel text not null,
  priority text not null,
  agent text null,
  data jsonb not null default '{}'
);

create index routing_events_team_at on routing_events (team, at);
create index routing_events_interaction on routing_events (interaction_id, at);
-- The statistics pick their interactions by when they were queued, across all teams.
create index routing_events_queued_at on routing_events (at) where step = 'queued';
