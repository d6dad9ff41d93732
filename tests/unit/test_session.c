/* Unit tests of the pure part of browser sessions (src/web/session.c): the
 * cookie a browser presents, the CSRF token and OAuth state bound to that
 * session, the settings-link token, the Set-Cookie attributes (SPEC quality
 * bars: "OAuth state is unguessable and checked; forms carry CSRF tokens;
 * cookies are HttpOnly, Secure (when served over https) and SameSite").
 * Whether a session, state or link is still live (expires_at, used_at) is
 * decided by the statement that reads it in PostgreSQL, so the expiry is
 * covered by the end-to-end tests, not here. */
#include "check.h"
#include "base/config.h"
#include "base/crypto.h"
#include "base/err.h"
#include "web/request.h"
#include "store/session_store.h"
#include "web/session.h"

#include <stdio.h>
#include <stdlib.h>

static const char secret[] = "0123456789abcdef0123456789abcdef-unit-test";
static const char ID_A[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
static const char ID_B[] = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

static void cfg_init(struct config *cfg, const char *public_url, const char *web_purpose)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->public_url = (char *)public_url;  /* read only */
	CHECK(crypto_subkey(secret, web_purpose, cfg->key_web) == AG_OK);
}

static void test_cookie_names_the_session(void)
{
	struct config http, https;
	struct session a, a2, b;
	char header[256];

	cfg_init(&http, "http://bridge.test/ag", "web");
	cfg_init(&https, "https://bridge.test", "web");
	snprintf(header, sizeof header, "theme=dark; ag_session=%s; x=1", ID_A);
	CHECK(session_from_cookie(&http, header, &a) == AG_OK);
	CHECK_STR(a.id, ID_A);
	CHECK(strlen(a.hash) == 64 && strlen(a.csrf) == 64);
	/* the database key is a keyed hash, never the id itself */
	CHECK(strcmp(a.hash, ID_A) != 0);
	CHECK(strcmp(a.hash, a.csrf) != 0);
	CHECK(a.installation_id == 0);
	/* stable: the same cookie finds the same row after a restart */
	CHECK(session_from_cookie(&http, header, &a2) == AG_OK);
	CHECK_STR(a2.hash, a.hash);
	CHECK_STR(a2.csrf, a.csrf);
	snprintf(header, sizeof header, "ag_session=%s", ID_B);
	CHECK(session_from_cookie(&http, header, &b) == AG_OK);
	CHECK(strcmp(a.hash, b.hash) != 0 && strcmp(a.csrf, b.csrf) != 0);

	/* over https the cookie is "__Host-ag_session": a plain one (which a
	 * sibling subdomain or an http page could plant) is not read */
	CHECK_STR(session_cookie_name(&https), "__Host-ag_session");
	CHECK_STR(session_cookie_name(&http), "ag_session");
	snprintf(header, sizeof header, "ag_session=%s", ID_A);
	CHECK(session_from_cookie(&https, header, &b) == AG_ENOTFOUND);
	snprintf(header, sizeof header, "__Host-ag_session=%s", ID_A);
	CHECK(session_from_cookie(&https, header, &b) == AG_OK);
	CHECK_STR(b.hash, a.hash);

	/* anything but 64 lowercase hex names no session */
	CHECK(session_from_cookie(&http, NULL, &b) == AG_ENOTFOUND);
	CHECK(session_from_cookie(&http, "", &b) == AG_ENOTFOUND);
	CHECK(session_from_cookie(&http, "ag_session=", &b) == AG_ENOTFOUND);
	snprintf(header, sizeof header, "ag_session=%.63s", ID_A);
	CHECK(session_from_cookie(&http, header, &b) == AG_ENOTFOUND);
	snprintf(header, sizeof header, "ag_session=%sa", ID_A);
	CHECK(session_from_cookie(&http, header, &b) == AG_ENOTFOUND);
	snprintf(header, sizeof header, "ag_session=%s", ID_A);
	header[11] = 'A';                                     /* uppercase */
	CHECK(session_from_cookie(&http, header, &b) == AG_ENOTFOUND);
	header[11] = 'g';
	CHECK(session_from_cookie(&http, header, &b) == AG_ENOTFOUND);
	CHECK(b.id[0] == '\0' && b.hash[0] == '\0' && b.csrf[0] == '\0');
}

static void test_csrf(void)
{
	struct config cfg, other_key;
	struct session a, b, k;
	char header[128], token[80];

	cfg_init(&cfg, "http://bridge.test", "web");
	cfg_init(&other_key, "http://bridge.test", "web-other");
	snprintf(header, sizeof header, "ag_session=%s", ID_A);
	CHECK(session_from_cookie(&cfg, header, &a) == AG_OK);
	CHECK(session_from_cookie(&other_key, header, &k) == AG_OK);
	snprintf(header, sizeof header, "ag_session=%s", ID_B);
	CHECK(session_from_cookie(&cfg, header, &b) == AG_OK);

	CHECK(session_csrf_ok(&a, a.csrf));
	CHECK(!session_csrf_ok(&a, b.csrf));      /* another browser's token */
	CHECK(!session_csrf_ok(&a, k.csrf));      /* made under another secret */
	CHECK(!session_csrf_ok(&a, NULL));
	CHECK(!session_csrf_ok(&a, ""));
	snprintf(token, sizeof token, "%s", a.csrf);
	token[0] = token[0] == '0' ? '1' : '0';
	CHECK(!session_csrf_ok(&a, token));
	snprintf(token, sizeof token, "%s", a.csrf);
	token[63] = token[63] == '0' ? '1' : '0';           /* every character counts */
	CHECK(!session_csrf_ok(&a, token));
	snprintf(token, sizeof token, "%.63s", a.csrf);
	CHECK(!session_csrf_ok(&a, token));
	snprintf(token, sizeof token, "%s0", a.csrf);
	CHECK(!session_csrf_ok(&a, token));
	/* a session that was never loaded accepts no token, not even "" */
	memset(&b, 0, sizeof b);
	CHECK(!session_csrf_ok(&b, ""));
	CHECK(!session_csrf_ok(&b, a.csrf));
}

static void test_oauth_state(void)
{
	struct config cfg;
	struct session a, b;
	char header[128], state[STATE_LEN + 1], bad[STATE_LEN + 2], nonce[33];
	static const char n1[] = "0123456789abcdef0123456789abcdef";

	cfg_init(&cfg, "http://bridge.test", "web");
	snprintf(header, sizeof header, "ag_session=%s", ID_A);
	CHECK(session_from_cookie(&cfg, header, &a) == AG_OK);
	snprintf(header, sizeof header, "ag_session=%s", ID_B);
	CHECK(session_from_cookie(&cfg, header, &b) == AG_OK);

	CHECK(session_state_sign(&cfg, &a, "gorgias", n1, state) == AG_OK);
	CHECK(strlen(state) == STATE_LEN && state[32] == '.' && strncmp(state, n1, 32) == 0);
	CHECK(session_state_check(&cfg, &a, "gorgias", state, nonce) == AG_OK);
	CHECK_STR(nonce, n1);
	/* bound to the browser and to the vendor it was made for */
	CHECK(session_state_check(&cfg, &b, "gorgias", state, nonce) == AG_EINVAL);
	CHECK(nonce[0] == '\0');
	CHECK(session_state_check(&cfg, &a, "aircall", state, nonce) == AG_EINVAL);
	/* the CSRF token is not a state, nor is a state's MAC a CSRF token */
	CHECK(session_state_check(&cfg, &a, "gorgias", a.csrf, nonce) == AG_EINVAL);
	CHECK(!session_csrf_ok(&a, state + 33));
	/* any altered character, any length change */
	for (size_t i = 0; i < STATE_LEN; i++) {
		memcpy(bad, state, sizeof state);
		bad[i] = bad[i] == '0' ? '1' : '0';
		CHECK(session_state_check(&cfg, &a, "gorgias", bad, nonce) == AG_EINVAL);
	}
	memcpy(bad, state, sizeof state);
	bad[STATE_LEN - 1] = '\0';
	CHECK(session_state_check(&cfg, &a, "gorgias", bad, nonce) == AG_EINVAL);
	snprintf(bad, sizeof bad, "%s0", state);
	CHECK(session_state_check(&cfg, &a, "gorgias", bad, nonce) == AG_EINVAL);
	CHECK(session_state_check(&cfg, &a, "gorgias", NULL, nonce) == AG_EINVAL);
	CHECK(session_state_check(&cfg, &a, "gorgias", "", nonce) == AG_EINVAL);
	/* another nonce, another state; a nonce must be 32 hex */
	CHECK(session_state_sign(&cfg, &a, "gorgias", "fedcba9876543210fedcba9876543210", bad) == AG_OK);
	CHECK(strcmp(bad + 33, state + 33) != 0);
	CHECK(session_state_sign(&cfg, &a, "gorgias", "0123456789ABCDEF0123456789abcdef", bad) == AG_EINVAL);
	CHECK(session_state_sign(&cfg, &a, "gorgias", "0123", bad) == AG_EINVAL);
}

/* Every keyed hash carries its purpose: a settings-link token's stored
 * hash is not the session hash of the same value, nor its CSRF token. */
static void test_purposes_apart(void)
{
	struct config cfg;
	struct session s;
	char header[128], link[65];

	cfg_init(&cfg, "http://bridge.test", "web");
	snprintf(header, sizeof header, "ag_session=%s", ID_A);
	CHECK(session_from_cookie(&cfg, header, &s) == AG_OK);
	CHECK(session_key(&cfg, "link", ID_A, NULL, NULL, link) == AG_OK);
	CHECK(strcmp(s.hash, link) != 0 && strcmp(s.csrf, link) != 0);
	CHECK(session_key(&cfg, "session", ID_A, NULL, NULL, link) == AG_OK);
	CHECK_STR(s.hash, link);
}

static const char *set_cookie(const struct config *cfg, const struct session *s, struct response *r)
{
	response_init(r);
	CHECK(session_set_cookie(cfg, s, r) == AG_OK);
	return r->headers.p ? r->headers.p : "";
}

static void test_set_cookie(void)
{
	struct config http, https;
	struct session s;
	struct response r;
	char header[128];
	const char *h;

	cfg_init(&http, "http://bridge.test/ag", "web");
	cfg_init(&https, "https://bridge.test/ag", "web");
	snprintf(header, sizeof header, "ag_session=%s", ID_A);
	CHECK(session_from_cookie(&http, header, &s) == AG_OK);

	h = set_cookie(&http, &s, &r);
	CHECK(strstr(h, "Set-Cookie: ag_session=" ) != NULL);
	CHECK(strstr(h, ID_A) != NULL);
	CHECK(strstr(h, "; HttpOnly") != NULL);
	CHECK(strstr(h, "; SameSite=Lax") != NULL);
	CHECK(strstr(h, "; Path=/ag;") != NULL);            /* scoped to the mount point */
	CHECK(strstr(h, "; Secure") == NULL);               /* a plain-http browser would drop it */
	CHECK(strstr(h, "; Max-Age=28800") != NULL);        /* SESSION_TTL_S: 8 hours */
	response_free(&r);

	h = set_cookie(&https, &s, &r);
	CHECK(strstr(h, "Set-Cookie: __Host-ag_session=") != NULL);
	CHECK(strstr(h, "; Secure") != NULL);
	CHECK(strstr(h, "; Path=/;") != NULL);              /* "__Host-" demands Path=/ */
	CHECK(strstr(h, "; HttpOnly") != NULL);
	CHECK(strstr(h, "Domain=") == NULL);                /* nor any Domain */
	response_free(&r);
}

int main(void)
{
	test_cookie_names_the_session();
	test_csrf();
	test_oauth_state();
	test_purposes_apart();
	test_set_cookie();
	CHECK_DONE("test_session");
}
