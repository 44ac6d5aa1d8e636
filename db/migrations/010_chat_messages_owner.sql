-- A message's conversation is checked where it is written, not by a foreign key. chat/store.ts
-- inserts messages only joined to the conversation rows its statement has just updated (and so
-- locked); the key's check re-read and share-locked that same row for every message: a quarter of
-- the batch statement's time (EXPLAIN ANALYZE, 60 messages: 0.24–0.34 of 1.2–1.3 ms). Deleting a
-- conversation still deletes its messages, as the key's cascade did.
alter table chat_messages drop constraint chat_messages_conversation_id_fkey;

create function chat_messages_go_with_conversation() returns trigger language plpgsql as $$
begin
  delete from chat_messages where conversation_id = old.id;
  return old;
end $$;

create trigger conversations_delete_messages after delete on conversations
  for each row execute function chat_messages_go_with_conversation();
