-- RL3: the shared budget as a sliding window over every request actually
-- sent by any process of any host. A fixed window would let two bursts at
-- a window's edge pass twice the limit in one real window of the server.

create table rate_use (
    scope   text not null references rate_limit(scope) on delete cascade,
    at      timestamptz not null
);
create index rate_use_scope_at on rate_use (scope, at);

-- Takes one unit of scope's budget, leaving reserve_pct of the limit to the
-- account's other apps. Returns 0 when granted, else the seconds to wait.
-- The row lock serialises takers of one scope; each statement below runs
-- with a fresh snapshot, so it sees what the previous holder inserted.
create function budget_take(p_scope text, p_reserve_pct integer) returns double precision
language plpgsql volatile as $$
declare
    r     rate_limit%rowtype;
    cap   integer;
    n     integer;
    t     timestamptz := clock_timestamp();
    first timestamptz;
begin
    insert into rate_limit (scope) values (p_scope) on conflict do nothing;
    select * into r from rate_limit where scope = p_scope for update;
    if r.blocked_until > t then
        return greatest(extract(epoch from r.blocked_until - t), 0.05);
    end if;
    delete from rate_use where scope = p_scope
        and at <= t - make_interval(secs => r.window_seconds);
    cap := greatest(1, r.request_limit - r.request_limit * p_reserve_pct / 100);
    select count(*), min(at) into n, first from rate_use where scope = p_scope;
    if n >= cap then
        -- the oldest request leaves the window first
        return greatest(extract(epoch from first + make_interval(secs => r.window_seconds) - t), 0.05);
    end if;
    insert into rate_use (scope, at) values (p_scope, t);
    update rate_limit set total_requests = total_requests + 1, used = n + 1, updated_at = t
        where scope = p_scope;
    return 0;
end $$;
