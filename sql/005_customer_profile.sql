-- IC2: the card shows the customer's name, email and notes. Keeping them
-- with the phone -> customer cache saves a request per ringing call; they
-- are refreshed when older than the card's freshness bound (card.c).
alter table customer_cache add column note text;
alter table customer_cache add column profile_at timestamptz;
