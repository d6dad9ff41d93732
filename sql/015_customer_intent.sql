-- CT4: the placeholder email a new caller's customer is created with,
-- stored before POST /api/customers and reused by every retry. When
-- Gorgias created the customer but its answer was lost, the retry gets 409
-- for that email and adopts the customer instead of creating a second one.
-- Shared by calls and messages (one caller, one customer); removed once
-- the customer is known.
create table customer_intent (
    installation_id bigint not null references installation(id) on delete cascade,
    phone           text not null check (phone ~ '^\+[0-9]{4,15}$'),
    email           text not null check (length(email) <= 200),
    created_at      timestamptz not null default now(),
    primary key (installation_id, phone)
);
