-- The waiting conversations, oldest first, without reading the others: chat/service.ts reconcile
-- looks at them every minute, and ended conversations pile up for years.
create index conversations_waiting on conversations (created_at, id) where status = 'waiting';
