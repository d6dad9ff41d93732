-- RB2: what a Gorgias account turned out to refuse, per installation, so
-- that the request is built without it from then on (degrade.c). Each
-- entry is "<METHOD> <route> <field path>", e.g. "POST /api/customers note".
alter table installation add column gorgias_refused text[] not null default '{}';

-- SU1: a token without a scope the bridge needs gets its own reason (the
-- fix is a reinstall granting the scopes asked for), not authorization_removed.
alter table installation drop constraint installation_disabled_reason_check;
alter table installation add constraint installation_disabled_reason_check
    check (disabled_reason in ('authorization_removed', 'rate_limited', 'no_admin', 'manual',
                               'missing_scope'));

-- TS1 in one request: an account whose search matches a piece of a stored
-- number is looked up with one substring search (lookup.c).
alter table installation drop constraint installation_gorgias_phone_lookup_check;
alter table installation add constraint installation_gorgias_phone_lookup_check
    check (gorgias_phone_lookup in ('search', 'filter', 'substring'));
