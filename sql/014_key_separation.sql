-- One key per purpose (docs/security.md): session ids, OAuth states and
-- settings links were hashed under the previous single key and cannot be
-- hashed again (only their hashes are stored). They live hours at most:
-- drop them; a browser signs in again. Sealed vendor tokens and webhook-token
-- hashes are converted by `migrate` itself (store_rekey.c), not here.
delete from oauth_state;
delete from settings_link;
delete from web_session;
