-- SMS/MMS conversations (MC1-MC7): work in flight for a conversation's
-- messages, so that a retry after a crash continues instead of repeating:
-- {"<aircall message id>": {"uploads": {"0": {"attachment": {...}}},
--                           "intent": "ticket" | "message"}}.
-- An entry is dropped once its message landed in Gorgias.
alter table conversation add column work jsonb not null default '{}'::jsonb;
