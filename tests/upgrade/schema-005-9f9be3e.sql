--
-- PostgreSQL database dump
--

\restrict fQPf9IZkIwmc0q5pH4mQcIkwPpzrLVEgiW6eaptXJyCExdseN0hbOXlPv7U633t

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: budget_take(text, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.budget_take(p_scope text, p_reserve_pct integer) RETURNS double precision
    LANGUAGE plpgsql
    AS $$
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


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: call_record; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.call_record (
    installation_id bigint NOT NULL,
    call_id bigint NOT NULL,
    call jsonb DEFAULT '{}'::jsonb NOT NULL,
    gorgias_customer_id bigint,
    gorgias_ticket_id bigint,
    skip_reason text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: conversation; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.conversation (
    installation_id bigint NOT NULL,
    customer_phone text NOT NULL,
    number_id bigint NOT NULL,
    gorgias_customer_id bigint,
    gorgias_ticket_id bigint,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    work jsonb DEFAULT '{}'::jsonb NOT NULL
);


--
-- Name: customer_cache; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.customer_cache (
    installation_id bigint NOT NULL,
    phone text NOT NULL,
    customer_id bigint NOT NULL,
    name text,
    email text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    note text,
    profile_at timestamp with time zone,
    CONSTRAINT customer_cache_phone_check CHECK ((phone ~ '^\+[0-9]{4,15}$'::text))
);


--
-- Name: gorgias_tag_cache; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.gorgias_tag_cache (
    installation_id bigint NOT NULL,
    name text NOT NULL,
    tag_id bigint NOT NULL
);


--
-- Name: gorgias_user_cache; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.gorgias_user_cache (
    installation_id bigint NOT NULL,
    email text NOT NULL,
    user_id bigint,
    is_admin boolean DEFAULT false NOT NULL,
    fetched_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT gorgias_user_cache_email_check CHECK ((email = lower(email)))
);


--
-- Name: inbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.inbox (
    id bigint NOT NULL,
    installation_id bigint NOT NULL,
    dedupe_key text NOT NULL,
    event text NOT NULL,
    subject text NOT NULL,
    payload jsonb NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    lease_until timestamp with time zone,
    last_error text,
    processed_at timestamp with time zone,
    CONSTRAINT inbox_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'working'::text, 'done'::text, 'failed'::text, 'ignored'::text])))
);


--
-- Name: inbox_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.inbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: inbox_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.inbox_id_seq OWNED BY public.inbox.id;


--
-- Name: installation; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.installation (
    id bigint NOT NULL,
    gorgias_account text NOT NULL,
    gorgias_auth text NOT NULL,
    gorgias_email text,
    gorgias_secret text,
    gorgias_refresh text,
    gorgias_token_expires_at timestamp with time zone,
    gorgias_user_id bigint,
    aircall_company_id bigint,
    aircall_auth text,
    aircall_api_id text,
    aircall_secret text,
    webhook_id text,
    webhook_token text,
    webhook_token_hash text,
    numbers_all boolean DEFAULT true NOT NULL,
    state text DEFAULT 'enabled'::text NOT NULL,
    disabled_reason text,
    disabled_at timestamp with time zone,
    locale text DEFAULT 'en'::text NOT NULL,
    default_country text DEFAULT 'US'::text NOT NULL,
    time_zone text DEFAULT 'UTC'::text NOT NULL,
    gorgias_phone_lookup text,
    gorgias_tags_by_id boolean DEFAULT false NOT NULL,
    gorgias_note_on_create boolean,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT installation_aircall_auth_check CHECK ((aircall_auth = ANY (ARRAY['basic'::text, 'oauth'::text]))),
    CONSTRAINT installation_check CHECK (((state = 'disabled'::text) = (disabled_reason IS NOT NULL))),
    CONSTRAINT installation_default_country_check CHECK ((default_country ~ '^[A-Z]{2}$'::text)),
    CONSTRAINT installation_disabled_reason_check CHECK ((disabled_reason = ANY (ARRAY['authorization_removed'::text, 'rate_limited'::text, 'no_admin'::text, 'manual'::text]))),
    CONSTRAINT installation_gorgias_account_check CHECK ((gorgias_account ~ '^[a-z0-9][a-z0-9-]{0,62}$'::text)),
    CONSTRAINT installation_gorgias_auth_check CHECK ((gorgias_auth = ANY (ARRAY['basic'::text, 'oauth'::text]))),
    CONSTRAINT installation_gorgias_phone_lookup_check CHECK ((gorgias_phone_lookup = ANY (ARRAY['search'::text, 'filter'::text]))),
    CONSTRAINT installation_locale_check CHECK ((locale = ANY (ARRAY['en'::text, 'de'::text]))),
    CONSTRAINT installation_state_check CHECK ((state = ANY (ARRAY['enabled'::text, 'disabled'::text])))
);


--
-- Name: installation_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.installation_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: installation_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.installation_id_seq OWNED BY public.installation.id;


--
-- Name: installation_number; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.installation_number (
    installation_id bigint NOT NULL,
    number_id bigint NOT NULL,
    name text DEFAULT ''::text NOT NULL,
    digits text DEFAULT ''::text NOT NULL,
    selected boolean DEFAULT true NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: oauth_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.oauth_state (
    nonce text NOT NULL,
    session_hash text NOT NULL,
    vendor text NOT NULL,
    account text,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    CONSTRAINT oauth_state_account_check CHECK ((account ~ '^[a-z0-9][a-z0-9-]{0,62}$'::text)),
    CONSTRAINT oauth_state_nonce_check CHECK ((nonce ~ '^[0-9a-f]{32}$'::text)),
    CONSTRAINT oauth_state_vendor_check CHECK ((vendor = ANY (ARRAY['gorgias'::text, 'aircall'::text])))
);


--
-- Name: posted_op; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.posted_op (
    installation_id bigint NOT NULL,
    subject text NOT NULL,
    op_key text NOT NULL,
    gorgias_id bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: rate_limit; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rate_limit (
    scope text NOT NULL,
    window_start timestamp with time zone DEFAULT now() NOT NULL,
    window_seconds integer DEFAULT 20 NOT NULL,
    request_limit integer DEFAULT 80 NOT NULL,
    used integer DEFAULT 0 NOT NULL,
    blocked_until timestamp with time zone DEFAULT '-infinity'::timestamp with time zone NOT NULL,
    limited_since timestamp with time zone,
    total_requests bigint DEFAULT 0 NOT NULL,
    total_limited bigint DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT rate_limit_request_limit_check CHECK ((request_limit > 0)),
    CONSTRAINT rate_limit_window_seconds_check CHECK ((window_seconds > 0))
);


--
-- Name: rate_use; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rate_use (
    scope text NOT NULL,
    at timestamp with time zone NOT NULL
);


--
-- Name: schema_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_version (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: settings_link; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.settings_link (
    token_hash text NOT NULL,
    installation_id bigint NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    CONSTRAINT settings_link_token_hash_check CHECK ((token_hash ~ '^[0-9a-f]{64}$'::text))
);


--
-- Name: web_session; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.web_session (
    id_hash text NOT NULL,
    installation_id bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT web_session_id_hash_check CHECK ((id_hash ~ '^[0-9a-f]{64}$'::text))
);


--
-- Name: inbox id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.inbox ALTER COLUMN id SET DEFAULT nextval('public.inbox_id_seq'::regclass);


--
-- Name: installation id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.installation ALTER COLUMN id SET DEFAULT nextval('public.installation_id_seq'::regclass);


--
-- Data for Name: call_record; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.call_record (installation_id, call_id, call, gorgias_customer_id, gorgias_ticket_id, skip_reason, created_at, updated_at) FROM stdin;
1	880001	{"ts": 1796182906, "data": {"id": 880001, "cost": "0", "tags": [], "user": {"id": 101, "name": "Ana Agent", "email": "ana@example.com", "language": "en-US", "available": true, "time_zone": "Europe/Paris", "created_at": "2024-01-15T09:00:00.000Z", "direct_link": "https://api.aircall.io/v1/users/101", "availability_status": "available"}, "asset": null, "teams": [{"id": 71, "name": "Support team", "created_at": "2023-06-01T08:00:00.000Z", "direct_link": "https://api.aircall.io/v1/teams/71"}], "number": {"id": 2001, "name": "Support line", "open": true, "digits": "+33 1 76 11 11 11", "is_ivr": false, "country": "FR", "messages": {"ivr": null, "closed": null, "waiting": null, "welcome": null, "voicemail": null, "after_hours": null, "ringing_tone": null, "callback_later": null, "unanswered_call": null}, "priority": null, "time_zone": "Europe/Paris", "created_at": "2023-06-01T08:00:00.000Z", "direct_link": "https://api.aircall.io/v1/numbers/2001", "e164_digits": "+33176111111", "availability_status": "open", "live_recording_activated": false}, "status": "done", "contact": null, "archived": false, "comments": [], "duration": 65, "ended_at": 1796182876, "call_uuid": "CA000000000000000000084c7e86c1af31", "direction": "inbound", "recording": null, "voicemail": null, "raw_digits": "+34 666 44 45 55", "started_at": 1796182811, "answered_at": 1796182816, "assigned_to": null, "direct_link": "https://api.aircall.io/v1/calls/880001", "hangup_cause": "NORMAL_CLEARING", "participants": [{"type": "external", "phone_number": "+34 666 44 45 55"}, {"id": 101, "name": "Ana Agent", "type": "user"}], "transferred_by": null, "transferred_to": null, "missed_call_reason": null}, "seen": {"call.ended": 1796182906, "call.hungup": 1796182876, "call.created": 1796182812, "call.answered": 1796182816}, "bridge": {"intents": {}, "looked_up": true, "customer_name": "Aircall New Contact +34666444555"}}	100001	500001	\N	2026-12-02 03:42:11.183228+00	2026-12-02 03:42:12.63153+00
\.


--
-- Data for Name: conversation; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.conversation (installation_id, customer_phone, number_id, gorgias_customer_id, gorgias_ticket_id, updated_at, work) FROM stdin;
1	+34611222333	2001	100002	500002	2026-12-02 03:42:14.898174+00	{}
\.


--
-- Data for Name: customer_cache; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.customer_cache (installation_id, phone, customer_id, name, email, updated_at, note, profile_at) FROM stdin;
1	+34666444555	100001	Aircall New Contact +34666444555	\N	2026-12-02 03:42:11.913921+00	\N	\N
1	+34611222333	100002	Aircall New Contact +34611222333	\N	2026-12-02 03:42:14.835535+00	\N	\N
\.


--
-- Data for Name: gorgias_tag_cache; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.gorgias_tag_cache (installation_id, name, tag_id) FROM stdin;
1	Aircall	7001
1	Inbound call	7002
1	Outbound call	7003
1	Voicemail	7004
1	Missed call	7005
1	Callback request	7006
1	Called back	7007
1	Aircall SMS	7008
1	Support line	7009
1	Support team	7010
\.


--
-- Data for Name: gorgias_user_cache; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.gorgias_user_cache (installation_id, email, user_id, is_admin, fetched_at) FROM stdin;
1	ana@example.com	2	f	2026-12-02 03:42:11.85252+00
\.


--
-- Data for Name: inbox; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.inbox (id, installation_id, dedupe_key, event, subject, payload, received_at, status, attempts, next_attempt_at, lease_until, last_error, processed_at) FROM stdin;
1	1	call.created:880001:1796182812:d3876955361eb0e3b5f3fe3aefcce176	call.created	call:880001	{"data": {"id": 880001, "cost": "0", "tags": [], "user": null, "asset": null, "teams": [{"id": 71, "name": "Support team", "created_at": "2023-06-01T08:00:00.000Z", "direct_link": "https://api.aircall.io/v1/teams/71"}], "number": {"id": 2001, "name": "Support line", "open": true, "digits": "+33 1 76 11 11 11", "is_ivr": false, "country": "FR", "messages": {"ivr": null, "closed": null, "waiting": null, "welcome": null, "voicemail": null, "after_hours": null, "ringing_tone": null, "callback_later": null, "unanswered_call": null}, "priority": null, "time_zone": "Europe/Paris", "created_at": "2023-06-01T08:00:00.000Z", "direct_link": "https://api.aircall.io/v1/numbers/2001", "e164_digits": "+33176111111", "availability_status": "open", "live_recording_activated": false}, "status": "initial", "contact": null, "archived": false, "comments": [], "duration": 0, "ended_at": null, "call_uuid": "CA000000000000000000084c7e86c1af31", "direction": "inbound", "recording": null, "voicemail": null, "raw_digits": "+34 666 44 45 55", "started_at": 1796182811, "answered_at": null, "assigned_to": null, "direct_link": "https://api.aircall.io/v1/calls/880001", "hangup_cause": null, "participants": [{"type": "external", "phone_number": "+34 666 44 45 55"}], "transferred_by": null, "transferred_to": null, "missed_call_reason": null}, "event": "call.created", "resource": "call", "timestamp": 1796182812}	2026-12-02 03:42:11.15885+00	done	1	2026-12-02 03:42:11.15885+00	\N	\N	2026-12-02 03:42:11.30945+00
2	1	call.ringing_on_agent:880001:1796182813:6d7334048b194c8c7f66605f841ff1eb	call.ringing_on_agent	call:880001	{"data": {"id": 880001, "cost": "0", "tags": [], "user": {"id": 101, "name": "Ana Agent", "email": "ana@example.com", "language": "en-US", "available": true, "time_zone": "Europe/Paris", "created_at": "2024-01-15T09:00:00.000Z", "direct_link": "https://api.aircall.io/v1/users/101", "availability_status": "available"}, "asset": null, "teams": [{"id": 71, "name": "Support team", "created_at": "2023-06-01T08:00:00.000Z", "direct_link": "https://api.aircall.io/v1/teams/71"}], "number": {"id": 2001, "name": "Support line", "open": true, "digits": "+33 1 76 11 11 11", "is_ivr": false, "country": "FR", "messages": {"ivr": null, "closed": null, "waiting": null, "welcome": null, "voicemail": null, "after_hours": null, "ringing_tone": null, "callback_later": null, "unanswered_call": null}, "priority": null, "time_zone": "Europe/Paris", "created_at": "2023-06-01T08:00:00.000Z", "direct_link": "https://api.aircall.io/v1/numbers/2001", "e164_digits": "+33176111111", "availability_status": "open", "live_recording_activated": false}, "status": "initial", "contact": null, "archived": false, "comments": [], "duration": 0, "ended_at": null, "call_uuid": "CA000000000000000000084c7e86c1af31", "direction": "inbound", "recording": null, "voicemail": null, "raw_digits": "+34 666 44 45 55", "started_at": 1796182811, "answered_at": null, "assigned_to": null, "direct_link": "https://api.aircall.io/v1/calls/880001", "hangup_cause": null, "participants": [{"type": "external", "phone_number": "+34 666 44 45 55"}, {"id": 101, "name": "Ana Agent", "type": "user"}], "transferred_by": null, "transferred_to": null, "missed_call_reason": null}, "event": "call.ringing_on_agent", "resource": "call", "timestamp": 1796182813}	2026-12-02 03:42:11.586742+00	ignored	0	2026-12-02 03:42:11.586742+00	\N	\N	2026-12-02 03:42:11.586742+00
3	1	call.answered:880001:1796182816:2a305540d9e47d290a6c6eccda0b52b3	call.answered	call:880001	{"data": {"id": 880001, "cost": "0", "tags": [], "user": {"id": 101, "name": "Ana Agent", "email": "ana@example.com", "language": "en-US", "available": true, "time_zone": "Europe/Paris", "created_at": "2024-01-15T09:00:00.000Z", "direct_link": "https://api.aircall.io/v1/users/101", "availability_status": "available"}, "asset": null, "teams": [{"id": 71, "name": "Support team", "created_at": "2023-06-01T08:00:00.000Z", "direct_link": "https://api.aircall.io/v1/teams/71"}], "number": {"id": 2001, "name": "Support line", "open": true, "digits": "+33 1 76 11 11 11", "is_ivr": false, "country": "FR", "messages": {"ivr": null, "closed": null, "waiting": null, "welcome": null, "voicemail": null, "after_hours": null, "ringing_tone": null, "callback_later": null, "unanswered_call": null}, "priority": null, "time_zone": "Europe/Paris", "created_at": "2023-06-01T08:00:00.000Z", "direct_link": "https://api.aircall.io/v1/numbers/2001", "e164_digits": "+33176111111", "availability_status": "open", "live_recording_activated": false}, "status": "answered", "contact": null, "archived": false, "comments": [], "duration": 0, "ended_at": null, "call_uuid": "CA000000000000000000084c7e86c1af31", "direction": "inbound", "recording": null, "voicemail": null, "raw_digits": "+34 666 44 45 55", "started_at": 1796182811, "answered_at": 1796182816, "assigned_to": null, "direct_link": "https://api.aircall.io/v1/calls/880001", "hangup_cause": null, "participants": [{"type": "external", "phone_number": "+34 666 44 45 55"}, {"id": 101, "name": "Ana Agent", "type": "user"}], "transferred_by": null, "transferred_to": null, "missed_call_reason": null}, "event": "call.answered", "resource": "call", "timestamp": 1796182816}	2026-12-02 03:42:11.786503+00	done	1	2026-12-02 03:42:11.786503+00	\N	\N	2026-12-02 03:42:12.154691+00
4	1	call.hungup:880001:1796182876:184030e689bc93586a681f19f059b6fd	call.hungup	call:880001	{"data": {"id": 880001, "cost": "0", "tags": [], "user": {"id": 101, "name": "Ana Agent", "email": "ana@example.com", "language": "en-US", "available": true, "time_zone": "Europe/Paris", "created_at": "2024-01-15T09:00:00.000Z", "direct_link": "https://api.aircall.io/v1/users/101", "availability_status": "available"}, "asset": null, "teams": [{"id": 71, "name": "Support team", "created_at": "2023-06-01T08:00:00.000Z", "direct_link": "https://api.aircall.io/v1/teams/71"}], "number": {"id": 2001, "name": "Support line", "open": true, "digits": "+33 1 76 11 11 11", "is_ivr": false, "country": "FR", "messages": {"ivr": null, "closed": null, "waiting": null, "welcome": null, "voicemail": null, "after_hours": null, "ringing_tone": null, "callback_later": null, "unanswered_call": null}, "priority": null, "time_zone": "Europe/Paris", "created_at": "2023-06-01T08:00:00.000Z", "direct_link": "https://api.aircall.io/v1/numbers/2001", "e164_digits": "+33176111111", "availability_status": "open", "live_recording_activated": false}, "status": "done", "contact": null, "archived": false, "comments": [], "duration": 65, "ended_at": 1796182876, "call_uuid": "CA000000000000000000084c7e86c1af31", "direction": "inbound", "recording": null, "voicemail": null, "raw_digits": "+34 666 44 45 55", "started_at": 1796182811, "answered_at": 1796182816, "assigned_to": null, "direct_link": "https://api.aircall.io/v1/calls/880001", "hangup_cause": null, "participants": [{"type": "external", "phone_number": "+34 666 44 45 55"}, {"id": 101, "name": "Ana Agent", "type": "user"}], "transferred_by": null, "transferred_to": null, "missed_call_reason": null}, "event": "call.hungup", "resource": "call", "timestamp": 1796182876}	2026-12-02 03:42:12.334795+00	done	1	2026-12-02 03:42:12.334795+00	\N	\N	2026-12-02 03:42:12.366774+00
5	1	call.ended:880001:1796182906:575b1ca918d23642472bb0c9542c3802	call.ended	call:880001	{"data": {"id": 880001, "cost": "0", "tags": [], "user": {"id": 101, "name": "Ana Agent", "email": "ana@example.com", "language": "en-US", "available": true, "time_zone": "Europe/Paris", "created_at": "2024-01-15T09:00:00.000Z", "direct_link": "https://api.aircall.io/v1/users/101", "availability_status": "available"}, "asset": null, "teams": [{"id": 71, "name": "Support team", "created_at": "2023-06-01T08:00:00.000Z", "direct_link": "https://api.aircall.io/v1/teams/71"}], "number": {"id": 2001, "name": "Support line", "open": true, "digits": "+33 1 76 11 11 11", "is_ivr": false, "country": "FR", "messages": {"ivr": null, "closed": null, "waiting": null, "welcome": null, "voicemail": null, "after_hours": null, "ringing_tone": null, "callback_later": null, "unanswered_call": null}, "priority": null, "time_zone": "Europe/Paris", "created_at": "2023-06-01T08:00:00.000Z", "direct_link": "https://api.aircall.io/v1/numbers/2001", "e164_digits": "+33176111111", "availability_status": "open", "live_recording_activated": false}, "status": "done", "contact": null, "archived": false, "comments": [], "duration": 65, "ended_at": 1796182876, "call_uuid": "CA000000000000000000084c7e86c1af31", "direction": "inbound", "recording": null, "voicemail": null, "raw_digits": "+34 666 44 45 55", "started_at": 1796182811, "answered_at": 1796182816, "assigned_to": null, "direct_link": "https://api.aircall.io/v1/calls/880001", "hangup_cause": "NORMAL_CLEARING", "participants": [{"type": "external", "phone_number": "+34 666 44 45 55"}, {"id": 101, "name": "Ana Agent", "type": "user"}], "transferred_by": null, "transferred_to": null, "missed_call_reason": null}, "event": "call.ended", "resource": "call", "timestamp": 1796182906}	2026-12-02 03:42:12.520346+00	done	1	2026-12-02 03:42:12.520346+00	\N	\N	2026-12-02 03:42:12.695278+00
6	1	message.received:SM-upgrade-1:1796182932:150d540f59eb8679d76871ef0461e223	message.received	sms:2001:+34611222333	{"data": {"id": "SM-upgrade-1", "body": "Hello, I have a question about my order", "number": {"id": 2001, "name": "Support line", "open": true, "digits": "+33 1 76 11 11 11", "is_ivr": false, "country": "FR", "messages": {"ivr": null, "closed": null, "waiting": null, "welcome": null, "voicemail": null, "after_hours": null, "ringing_tone": null, "callback_later": null, "unanswered_call": null}, "priority": null, "time_zone": "Europe/Paris", "created_at": "2023-06-01T08:00:00.000Z", "direct_link": "https://api.aircall.io/v1/numbers/2001", "e164_digits": "+33176111111", "availability_status": "open", "live_recording_activated": false}, "status": "received", "channel": null, "contact": null, "sent_at": "2026-12-02T03:42:12.726Z", "direction": "inbound", "created_at": "2026-12-02T03:42:12.726Z", "updated_at": "2026-12-02T03:42:12.726Z", "direct_link": "https://api.aircall.io/v1/numbers/2001/messages/SM-upgrade-1", "media_details": [], "external_number": "+34 611 22 23 33"}, "event": "message.received", "resource": "message", "timestamp": 1796182932}	2026-12-02 03:42:12.865146+00	done	1	2026-12-02 03:42:13.904173+00	\N	\N	2026-12-02 03:42:14.901963+00
\.


--
-- Data for Name: installation; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.installation (id, gorgias_account, gorgias_auth, gorgias_email, gorgias_secret, gorgias_refresh, gorgias_token_expires_at, gorgias_user_id, aircall_company_id, aircall_auth, aircall_api_id, aircall_secret, webhook_id, webhook_token, webhook_token_hash, numbers_all, state, disabled_reason, disabled_at, locale, default_country, time_zone, gorgias_phone_lookup, gorgias_tags_by_id, gorgias_note_on_create, created_at, updated_at) FROM stdin;
1	acme	basic	owner@acme.test	v1:zOfAhRyoGuX2FmESetSa-6zRWqbrrrl8U2T5wZsSsbXdsKm6tVa61_s4XO4YEjg	\N	\N	\N	\N	basic	aircall-api-id-e2e	v1:oihPZUF6rrYX2NAQzCoSGMg-DAJ75ramNqAogTkIiDHL5vTlNeySUnGlsqIPthKiJA	87f3272a-19f4-4cba-a7fe-642d0564b926	v1:9r0d7rMlqFXRTwgMmnL3RP3BZ11EQ9Y1eyt3oym_Ltl7GmtWo7fP9Hgm8JCYGdSo-JBhzqUtEv9NQkB9	afe70d35481a589f7c93c54eece7e37d1472afdcee2af219a05426cbbcb04136	t	enabled	\N	\N	de	FR	Europe/Paris	\N	t	t	2026-12-02 03:42:10.1662+00	2026-12-02 03:42:10.1662+00
\.


--
-- Data for Name: installation_number; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.installation_number (installation_id, number_id, name, digits, selected, updated_at) FROM stdin;
1	2001	Support line	+33 1 76 11 11 11	t	2026-12-02 03:42:10.1662+00
\.


--
-- Data for Name: oauth_state; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.oauth_state (nonce, session_hash, vendor, account, expires_at, used_at) FROM stdin;
\.


--
-- Data for Name: posted_op; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.posted_op (installation_id, subject, op_key, gorgias_id, created_at) FROM stdin;
1	call:880001	card	\N	2026-12-02 03:42:11.30822+00
1	call:880001	note:answered	500001	2026-12-02 03:42:12.148929+00
1	call:880001	tag:Aircall	500001	2026-12-02 03:42:12.14931+00
1	call:880001	tag:Inbound call	500001	2026-12-02 03:42:12.149511+00
1	call:880001	tag:Support line	500001	2026-12-02 03:42:12.149658+00
1	call:880001	tag:Support team	500001	2026-12-02 03:42:12.149767+00
1	call:880001	assign:2	500001	2026-12-02 03:42:12.149871+00
1	call:880001	ticket	500001	2026-12-02 03:42:12.14998+00
1	call:880001	note:ended	9000003	2026-12-02 03:42:12.62284+00
1	call:880001	status:open	500001	2026-12-02 03:42:12.69275+00
1	sms:2001:+34611222333	msg:SM-upgrade-1	500002	2026-12-02 03:42:14.900808+00
\.


--
-- Data for Name: rate_limit; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.rate_limit (scope, window_start, window_seconds, request_limit, used, blocked_until, limited_since, total_requests, total_limited, updated_at) FROM stdin;
aircall:0	2026-12-02 03:42:10.11623+00	20	120	2	-infinity	\N	2	0	2026-12-02 03:42:10.163392+00
gorgias:acme	2026-12-02 03:42:10.077266+00	20	80	35	-infinity	\N	35	0	2026-12-02 03:42:14.88817+00
\.


--
-- Data for Name: rate_use; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.rate_use (scope, at) FROM stdin;
gorgias:acme	2026-12-02 03:42:10.096811+00
aircall:0	2026-12-02 03:42:10.116287+00
aircall:0	2026-12-02 03:42:10.119217+00
gorgias:acme	2026-12-02 03:42:10.179459+00
gorgias:acme	2026-12-02 03:42:10.182961+00
gorgias:acme	2026-12-02 03:42:10.243783+00
gorgias:acme	2026-12-02 03:42:10.28941+00
gorgias:acme	2026-12-02 03:42:10.336065+00
gorgias:acme	2026-12-02 03:42:10.379845+00
gorgias:acme	2026-12-02 03:42:10.42713+00
gorgias:acme	2026-12-02 03:42:10.475767+00
gorgias:acme	2026-12-02 03:42:10.524069+00
gorgias:acme	2026-12-02 03:42:10.571671+00
gorgias:acme	2026-12-02 03:42:10.616049+00
gorgias:acme	2026-12-02 03:42:10.667554+00
gorgias:acme	2026-12-02 03:42:10.7194+00
gorgias:acme	2026-12-02 03:42:10.763621+00
gorgias:acme	2026-12-02 03:42:10.812799+00
gorgias:acme	2026-12-02 03:42:10.862902+00
gorgias:acme	2026-12-02 03:42:10.916074+00
gorgias:acme	2026-12-02 03:42:10.967652+00
gorgias:acme	2026-12-02 03:42:11.200301+00
gorgias:acme	2026-12-02 03:42:11.209835+00
gorgias:acme	2026-12-02 03:42:11.255796+00
gorgias:acme	2026-12-02 03:42:11.829698+00
gorgias:acme	2026-12-02 03:42:11.861767+00
gorgias:acme	2026-12-02 03:42:11.931776+00
gorgias:acme	2026-12-02 03:42:11.987008+00
gorgias:acme	2026-12-02 03:42:12.043532+00
gorgias:acme	2026-12-02 03:42:12.094345+00
gorgias:acme	2026-12-02 03:42:12.577858+00
gorgias:acme	2026-12-02 03:42:12.633+00
gorgias:acme	2026-12-02 03:42:14.656239+00
gorgias:acme	2026-12-02 03:42:14.673941+00
gorgias:acme	2026-12-02 03:42:14.73102+00
gorgias:acme	2026-12-02 03:42:14.78395+00
gorgias:acme	2026-12-02 03:42:14.837943+00
\.


--
-- Data for Name: schema_version; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.schema_version (version, name, applied_at) FROM stdin;
1	001_init.sql	2026-12-02 03:42:09.618041+00
2	002_budget_window.sql	2026-12-02 03:42:09.729809+00
3	003_messaging.sql	2026-12-02 03:42:09.759222+00
4	004_oauth_sessions.sql	2026-12-02 03:42:09.760091+00
5	005_customer_profile.sql	2026-12-02 03:42:09.785388+00
\.


--
-- Data for Name: settings_link; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.settings_link (token_hash, installation_id, expires_at, used_at) FROM stdin;
ed2225dc62e0e0c788c253aa00f0c6c4b0437b01695423ef72f909f34dd29a85	1	2026-12-02 03:57:11.011941+00	\N
\.


--
-- Data for Name: web_session; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.web_session (id_hash, installation_id, created_at, expires_at) FROM stdin;
\.


--
-- Name: inbox_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.inbox_id_seq', 6, true);


--
-- Name: installation_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.installation_id_seq', 1, true);


--
-- Name: call_record call_record_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.call_record
    ADD CONSTRAINT call_record_pkey PRIMARY KEY (installation_id, call_id);


--
-- Name: conversation conversation_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conversation
    ADD CONSTRAINT conversation_pkey PRIMARY KEY (installation_id, customer_phone, number_id);


--
-- Name: customer_cache customer_cache_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customer_cache
    ADD CONSTRAINT customer_cache_pkey PRIMARY KEY (installation_id, phone);


--
-- Name: gorgias_tag_cache gorgias_tag_cache_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.gorgias_tag_cache
    ADD CONSTRAINT gorgias_tag_cache_pkey PRIMARY KEY (installation_id, name);


--
-- Name: gorgias_user_cache gorgias_user_cache_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.gorgias_user_cache
    ADD CONSTRAINT gorgias_user_cache_pkey PRIMARY KEY (installation_id, email);


--
-- Name: inbox inbox_installation_id_dedupe_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.inbox
    ADD CONSTRAINT inbox_installation_id_dedupe_key_key UNIQUE (installation_id, dedupe_key);


--
-- Name: inbox inbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.inbox
    ADD CONSTRAINT inbox_pkey PRIMARY KEY (id);


--
-- Name: installation installation_aircall_company_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.installation
    ADD CONSTRAINT installation_aircall_company_id_key UNIQUE (aircall_company_id);


--
-- Name: installation installation_gorgias_account_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.installation
    ADD CONSTRAINT installation_gorgias_account_key UNIQUE (gorgias_account);


--
-- Name: installation_number installation_number_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.installation_number
    ADD CONSTRAINT installation_number_pkey PRIMARY KEY (installation_id, number_id);


--
-- Name: installation installation_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.installation
    ADD CONSTRAINT installation_pkey PRIMARY KEY (id);


--
-- Name: installation installation_webhook_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.installation
    ADD CONSTRAINT installation_webhook_token_hash_key UNIQUE (webhook_token_hash);


--
-- Name: oauth_state oauth_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.oauth_state
    ADD CONSTRAINT oauth_state_pkey PRIMARY KEY (nonce);


--
-- Name: posted_op posted_op_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.posted_op
    ADD CONSTRAINT posted_op_pkey PRIMARY KEY (installation_id, subject, op_key);


--
-- Name: rate_limit rate_limit_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rate_limit
    ADD CONSTRAINT rate_limit_pkey PRIMARY KEY (scope);


--
-- Name: schema_version schema_version_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_version
    ADD CONSTRAINT schema_version_pkey PRIMARY KEY (version);


--
-- Name: settings_link settings_link_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.settings_link
    ADD CONSTRAINT settings_link_pkey PRIMARY KEY (token_hash);


--
-- Name: web_session web_session_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.web_session
    ADD CONSTRAINT web_session_pkey PRIMARY KEY (id_hash);


--
-- Name: call_record_ticket; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX call_record_ticket ON public.call_record USING btree (installation_id, gorgias_ticket_id) WHERE (gorgias_ticket_id IS NOT NULL);


--
-- Name: inbox_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX inbox_due ON public.inbox USING btree (next_attempt_at, id) WHERE (status = ANY (ARRAY['pending'::text, 'working'::text]));


--
-- Name: inbox_subject; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX inbox_subject ON public.inbox USING btree (installation_id, subject, id) WHERE (status = ANY (ARRAY['pending'::text, 'working'::text]));


--
-- Name: rate_use_scope_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX rate_use_scope_at ON public.rate_use USING btree (scope, at);


--
-- Name: web_session_expires; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX web_session_expires ON public.web_session USING btree (expires_at);


--
-- Name: call_record call_record_installation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.call_record
    ADD CONSTRAINT call_record_installation_id_fkey FOREIGN KEY (installation_id) REFERENCES public.installation(id) ON DELETE CASCADE;


--
-- Name: conversation conversation_installation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conversation
    ADD CONSTRAINT conversation_installation_id_fkey FOREIGN KEY (installation_id) REFERENCES public.installation(id) ON DELETE CASCADE;


--
-- Name: customer_cache customer_cache_installation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customer_cache
    ADD CONSTRAINT customer_cache_installation_id_fkey FOREIGN KEY (installation_id) REFERENCES public.installation(id) ON DELETE CASCADE;


--
-- Name: gorgias_tag_cache gorgias_tag_cache_installation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.gorgias_tag_cache
    ADD CONSTRAINT gorgias_tag_cache_installation_id_fkey FOREIGN KEY (installation_id) REFERENCES public.installation(id) ON DELETE CASCADE;


--
-- Name: gorgias_user_cache gorgias_user_cache_installation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.gorgias_user_cache
    ADD CONSTRAINT gorgias_user_cache_installation_id_fkey FOREIGN KEY (installation_id) REFERENCES public.installation(id) ON DELETE CASCADE;


--
-- Name: inbox inbox_installation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.inbox
    ADD CONSTRAINT inbox_installation_id_fkey FOREIGN KEY (installation_id) REFERENCES public.installation(id) ON DELETE CASCADE;


--
-- Name: installation_number installation_number_installation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.installation_number
    ADD CONSTRAINT installation_number_installation_id_fkey FOREIGN KEY (installation_id) REFERENCES public.installation(id) ON DELETE CASCADE;


--
-- Name: posted_op posted_op_installation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.posted_op
    ADD CONSTRAINT posted_op_installation_id_fkey FOREIGN KEY (installation_id) REFERENCES public.installation(id) ON DELETE CASCADE;


--
-- Name: rate_use rate_use_scope_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rate_use
    ADD CONSTRAINT rate_use_scope_fkey FOREIGN KEY (scope) REFERENCES public.rate_limit(scope) ON DELETE CASCADE;


--
-- Name: settings_link settings_link_installation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.settings_link
    ADD CONSTRAINT settings_link_installation_id_fkey FOREIGN KEY (installation_id) REFERENCES public.installation(id) ON DELETE CASCADE;


--
-- Name: web_session web_session_installation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.web_session
    ADD CONSTRAINT web_session_installation_id_fkey FOREIGN KEY (installation_id) REFERENCES public.installation(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--

\unrestrict fQPf9IZkIwmc0q5pH4mQcIkwPpzrLVEgiW6eaptXJyCExdseN0hbOXlPv7U633t

