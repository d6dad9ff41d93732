-- Two-way SMS (docs/two-way-sms.md): an agent's public reply in a Gorgias
-- SMS conversation goes out through Aircall.

-- The Gorgias HTTP integration that tells the bridge about new ticket
-- messages, one per installation (owner: store/gorgias_hook_store.c). Gorgias
-- signs nothing: the integration sends a per-installation secret in a
-- header, and only its keyed hash is kept, as the lookup key.
create table gorgias_hook (
    installation_id bigint primary key references installation(id) on delete cascade,
    integration_id  bigint,
    secret_hash     text unique,
    state           text not null check (state in ('active', 'failed', 'removed')),
    -- why it could not be created (a token without integrations:write...)
    error           text check (length(error) <= 300),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    check ((state = 'active') = (integration_id is not null and secret_hash is not null))
);

-- Every Gorgias message considered for sending (owner: store/sms_reply.c).
-- The intent ('sending') is stored before Aircall is asked, so that a retry
-- or a redelivery never sends twice; the Aircall id recognises the
-- message.sent echo of what the bridge sent.
create table sms_reply (
    installation_id    bigint not null references installation(id) on delete cascade,
    gorgias_message_id bigint not null,
    gorgias_ticket_id  bigint not null,
    state              text not null
                       check (state in ('sending', 'sent', 'failed', 'skipped')),
    number_id          bigint,
    customer_phone     text check (customer_phone ~ '^\+[0-9]{4,15}$'),
    body               text check (length(body) <= 2000),
    aircall_message_id text check (length(aircall_message_id) <= 80),
    reason             text check (length(reason) <= 300),
    -- Gorgias was told (sent_datetime, failed_datetime or an internal note)
    reported           boolean not null default false,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    primary key (installation_id, gorgias_message_id)
);
create unique index sms_reply_aircall on sms_reply (installation_id, aircall_message_id)
    where aircall_message_id is not null;
create index sms_reply_unresolved on sms_reply (installation_id, number_id, customer_phone)
    where state = 'sending' and aircall_message_id is null;

-- STOP/START (owner: store/sms_opt_out.c): per customer and Aircall number;
-- the customer's later word wins, whatever order the webhooks came in.
create table sms_opt_out (
    installation_id bigint not null references installation(id) on delete cascade,
    number_id       bigint not null,
    phone           text not null check (phone ~ '^\+[0-9]{4,15}$'),
    opted_out       boolean not null,
    word            text not null check (length(word) <= 40),
    said_ms         bigint not null,
    updated_at      timestamptz not null default now(),
    primary key (installation_id, number_id, phone)
);

-- A delivery names a ticket: is it an SMS conversation's? (asked on the
-- request path, in the statement that stores the delivery).
create index conversation_ticket on conversation (installation_id, gorgias_ticket_id)
    where gorgias_ticket_id is not null;
