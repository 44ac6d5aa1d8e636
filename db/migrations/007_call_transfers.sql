-- An agent passes an interaction on (transferred), or calls a colleague about it first (consulted).
alter table routing_events drop constraint routing_events_step_check;
alter table routing_events add constraint routing_events_step_check
  check (step in ('queued', 'offered', 'accepted', 'missed', 'declined', 'abandoned', 'overflowed', 'ended', 'callback',
                  'transferred', 'consulted'));
