-- aircall-gorgias: the whole state of the bridge. Every process on every
-- host shares it; constraints, not luck, keep duplicates out.

-- One row per Gorgias account connected to one Aircall company.
create table installation (
    id                      bigserial primary key,
    gorgias_account         text not null unique
                            check (gorgias_account ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    -- 'basic': email + API key (self-hosters, tests); 'oauth': access + refresh token.
    gorgias_auth            text not null check (gorgias_auth in ('basic', 'oauth')),
    gorgias_email           text,
    gorgias_secret          text,          -- sealed API key or access token
    gorgias_refresh         text,          -- sealed refresh token (oauth)
    gorgias_token_expires_at timestamptz,
    gorgias_user_id         bigint,        -- the installing user
    aircall_company_id      bigint unique,
    aircall_auth            text check (aircall_auth in ('basic', 'oauth')),
    aircall_api_id          text,
    aircall_secret          text,          -- sealed API token or OAuth access token
    webhook_id              text,
    webhook_token           text,          -- sealed
    webhook_token_hash      text unique,   -- HMAC of the token: the lookup key
    numbers_all             boolean not null default true,
    state                   text not null default 'enabled'
                            check (state in ('enabled', 'disabled')),
    disabled_reason         text check (disabled_reason in
                            ('authorization_removed', 'rate_limited', 'no_admin', 'manual')),
    disabled_at             timestamptz,
    locale                  text not null default 'en' check (locale in ('en', 'de')),
    default_country         text not null default 'US' check (default_country ~ '^[A-Z]{2}$'),
    time_zone               text not null default 'UTC',
    -- What this Gorgias account turned out to accept where the API
    -- reference is unsure (learned at run time, see docs/gorgias-unconfirmed.md).
    gorgias_phone_lookup    text check (gorgias_phone_lookup in ('search', 'filter')),
    gorgias_tags_by_id      boolean not null default false,
    gorgias_note_on_create  boolean,
    created_at              timestamptz not null default now(),
    updated_at              timestamptz not null default now(),
    check ((state = 'disabled') = (disabled_reason is not null))
);

-- The Aircall numbers of the company and whether each one is connected (SU2, SU3).
create table installation_number (
    installation_id bigint not null references installation(id) on delete cascade,
    number_id       bigint not null,
    name            text not null default '',
    digits          text not null default '',
    selected        boolean not null default true,
    updated_at      timestamptz not null default now(),
    primary key (installation_id, number_id)
);

-- Durable inbox: every accepted webhook, until it is applied or failed.
create table inbox (
    id              bigserial primary key,
    installation_id bigint not null references installation(id) on delete cascade,
    dedupe_key      text not null,
    event           text not null,
    -- Events of one subject (a call, a conversation) are applied in order.
    subject         text not null,
    payload         jsonb not null,
    received_at     timestamptz not null default now(),
    status          text not null default 'pending'
                    check (status in ('pending', 'working', 'done', 'failed', 'ignored')),
    attempts        integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    lease_until     timestamptz,
    last_error      text,
    processed_at    timestamptz,
    unique (installation_id, dedupe_key)
);
create index inbox_due on inbox (next_attempt_at, id) where status in ('pending', 'working');
create index inbox_subject on inbox (installation_id, subject, id) where status in ('pending', 'working');

-- One row per Aircall call: the merged call (all events folded in) and
-- what the bridge has already done for it in Gorgias.
create table call_record (
    installation_id     bigint not null references installation(id) on delete cascade,
    call_id             bigint not null,
    call                jsonb not null default '{}'::jsonb,
    gorgias_customer_id bigint,
    gorgias_ticket_id   bigint,
    skip_reason         text,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    primary key (installation_id, call_id)
);
create unique index call_record_ticket on call_record (installation_id, gorgias_ticket_id)
    where gorgias_ticket_id is not null;

-- Every Gorgias write already made, by a stable key ("note:answered",
-- "comment:735", "status:open"...): the planner never plans a key twice.
create table posted_op (
    installation_id bigint not null references installation(id) on delete cascade,
    subject         text not null,
    op_key          text not null,
    gorgias_id      bigint,
    created_at      timestamptz not null default now(),
    primary key (installation_id, subject, op_key)
);

-- SMS/MMS conversations: customer phone x Aircall number -> Gorgias ticket.
create table conversation (
    installation_id     bigint not null references installation(id) on delete cascade,
    customer_phone      text not null,
    number_id           bigint not null,
    gorgias_customer_id bigint,
    gorgias_ticket_id   bigint,
    updated_at          timestamptz not null default now(),
    primary key (installation_id, customer_phone, number_id)
);

-- Caches of Gorgias objects: phone -> customer, email -> user, name -> tag.
create table customer_cache (
    installation_id bigint not null references installation(id) on delete cascade,
    phone           text not null check (phone ~ '^\+[0-9]{4,15}$'),
    customer_id     bigint not null,
    name            text,
    email           text,
    updated_at      timestamptz not null default now(),
    primary key (installation_id, phone)
);

create table gorgias_user_cache (
    installation_id bigint not null references installation(id) on delete cascade,
    email           text not null check (email = lower(email)),
    user_id         bigint,           -- null: known not to exist
    is_admin        boolean not null default false,
    fetched_at      timestamptz not null default now(),
    primary key (installation_id, email)
);

create table gorgias_tag_cache (
    installation_id bigint not null references installation(id) on delete cascade,
    name            text not null,
    tag_id          bigint not null,
    primary key (installation_id, name)
);

-- Shared API budget per vendor account (RL1-RL3): one row per scope,
-- updated in single statements by every process.
create table rate_limit (
    scope           text primary key,   -- 'gorgias:<account>' or 'aircall:<installation>'
    window_start    timestamptz not null default now(),
    window_seconds  integer not null default 20 check (window_seconds > 0),
    request_limit   integer not null default 80 check (request_limit > 0),
    used            integer not null default 0,
    blocked_until   timestamptz not null default '-infinity',
    limited_since   timestamptz,        -- first 429 of the current run of 429s
    total_requests  bigint not null default 0,
    total_limited   bigint not null default 0,
    updated_at      timestamptz not null default now()
);
