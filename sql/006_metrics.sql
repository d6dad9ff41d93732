-- GET /metrics: counters of what the processes did that no other table
-- records (vendor requests by route class and status, media bytes, refused
-- and duplicate webhooks, acknowledgement latency buckets). Each process adds
-- what it counted in one statement now and then, so any process answers a
-- scrape with the same figures. labels is the Prometheus label text
-- (k="v",...), written by the bridge only.
create table metric_counter (
    name    text not null check (name ~ '^[a-z_][a-z0-9_]*$'),
    labels  text not null default '',
    value   bigint not null default 0,
    primary key (name, labels)
);
