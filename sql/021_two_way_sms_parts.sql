-- Two-way SMS: a reply longer than one Aircall message goes out in parts,
-- each with its own intent and Aircall id (the echo of each is recognised).
alter table sms_reply add column part smallint not null default 0 check (part between 0 and 7);
alter table sms_reply drop constraint sms_reply_pkey;
alter table sms_reply add primary key (installation_id, gorgias_message_id, part);
