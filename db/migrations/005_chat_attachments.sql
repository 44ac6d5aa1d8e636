-- Files sent in a chat (images, PDF), visible only to that conversation's visitor and agent.
create table chat_attachments (
  id uuid primary key,
  conversation_id uuid not null references conversations (id) on delete cascade,
  name text not null,
  -- Recognised from the content (chat/attachments.ts), never taken from the sender.
  type text not null,
  size int not null,
  data bytea not null,
  uploaded_by text not null check (uploaded_by in ('visitor', 'agent')),
  created_at timestamptz not null default now()
);
create index chat_attachments_conversation on chat_attachments (conversation_id);

alter table chat_messages add column attachment_id uuid null references chat_attachments (id) on delete set null;
