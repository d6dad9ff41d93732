-- SU1, SU2: the browser side of the install flow and the settings page.
-- Only keyed hashes of session ids, OAuth state nonces and one-time links
-- are stored: a copy of these tables opens no session.

-- A browser session: created by /install (installation_id set once the
-- Gorgias callback knows the account) or by a one-time settings link.
create table web_session (
    id_hash         text primary key check (id_hash ~ '^[0-9a-f]{64}$'),
    installation_id bigint references installation(id) on delete cascade,
    created_at      timestamptz not null default now(),
    expires_at      timestamptz not null
);
create index web_session_expires on web_session (expires_at);

-- OAuth state nonces: single use, bound to one session and one vendor.
create table oauth_state (
    nonce           text primary key check (nonce ~ '^[0-9a-f]{32}$'),
    session_hash    text not null,
    vendor          text not null check (vendor in ('gorgias', 'aircall')),
    account         text check (account ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    expires_at      timestamptz not null,
    used_at         timestamptz
);

-- Signed one-time links to the settings page (settings-link command).
create table settings_link (
    token_hash      text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
    installation_id bigint not null references installation(id) on delete cascade,
    expires_at      timestamptz not null,
    used_at         timestamptz
);
