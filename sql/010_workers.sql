-- Applying events apart from the request path (see docs/worker.md).
--
-- Every process that applies inbox events keeps a row here: long-running
-- workers and the short-lived drainers a web process starts when no worker
-- listens. The request path asks, in the statement that stores the event,
-- whether a fresh row waits on LISTEN (busy_since null); if none does, it
-- starts a drainer after answering.
create table worker (
    id          text primary key,                  -- host:pid
    kind        text not null check (kind in ('worker', 'drainer')),
    host        text not null,
    pid         integer not null,
    started_at  timestamptz not null default now(),
    seen_at     timestamptz not null default now(),
    busy_since  timestamptz                        -- null: waiting for work
);

-- Fair claims: the installation served longest ago goes first, so one
-- installation's backlog delays nobody else's next event by more than
-- the event in hand.
create table inbox_turn (
    installation_id bigint primary key references installation(id) on delete cascade,
    served_at       timestamptz not null default now()
);
