-- How an interaction ended in the agent's words ("Résolu", "Vente"...), chosen in the console when
-- closing a chat: for statistics and the customer's timeline.
alter table conversations add column disposition text null;
alter table interactions add column disposition text null;
