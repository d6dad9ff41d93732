/* Unit tests for src/vendor/netpolicy.c: which addresses and URLs a media fetch
 * may reach (SSRF defence, docs/security.md). */
#include "check.h"
#include "vendor/netpolicy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static int public(const char *text)
{
	struct sockaddr_in in4 = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET, text, &in4.sin_addr) == 1)
		return netpolicy_addr_public((struct sockaddr *)&in4);
	if (inet_pton(AF_INET6, text, &in6.sin6_addr) == 1)
		return netpolicy_addr_public((struct sockaddr *)&in6);
	return -1;
}

static void test_addresses(void)
{
	const char *refused[] = {
		"127.0.0.1", "127.255.255.254", "0.0.0.0", "0.1.2.3", "10.0.0.1", "172.16.0.1",
		"172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.127.255.255",
		"224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1", "192.0.2.10",
		"198.18.0.1", "198.51.100.7", "203.0.113.9", "192.0.0.170",
		"::", "::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.1.2.3",
		"::127.0.0.1", "64:ff9b::a9fe:a9fe", "fc00::1", "fd12:3456::1", "fe80::1",
		"fec0::1", "ff02::1", "2001:db8::1", "2002:7f00:1::1", "2001:0:4136:e378::1",
		"100::1",
	};
	const char *allowed[] = {
		"8.8.8.8", "1.1.1.1", "52.94.236.248", "172.15.255.255", "172.32.0.1",
		"100.63.255.255", "100.128.0.1", "169.253.0.1", "11.0.0.1", "223.255.255.254",
		"2606:4700:4700::1111", "2a00:1450:4007:80e::200e", "::ffff:8.8.8.8",
	};
	struct sockaddr un = { .sa_family = AF_UNIX };

	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		if (public(refused[i]) != 0)
			fprintf(stderr, "  allowed: %s\n", refused[i]);
		CHECK(public(refused[i]) == 0);
	}
	for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
		if (public(allowed[i]) != 1)
			fprintf(stderr, "  refused: %s\n", allowed[i]);
		CHECK(public(allowed[i]) == 1);
	}
	CHECK(netpolicy_addr_public(&un) == 0);
	CHECK(netpolicy_addr_public(NULL) == 0);
}

static void test_urls(void)
{
	const char *why;

	CHECK(netpolicy_url_ok("https://media.aircall.io/x.mp3?sig=1", 0, &why) && !why);
	CHECK(netpolicy_url_ok("HTTPS://media.aircall.io/x", 0, &why));
	CHECK(!netpolicy_url_ok("http://media.aircall.io/x", 0, &why) && strcmp(why, "not https") == 0);
	CHECK(netpolicy_url_ok("http://127.0.0.1:8080/x", 1, &why));      /* test rigs only */
	CHECK(!netpolicy_url_ok("file:///etc/passwd", 1, &why));
	CHECK(!netpolicy_url_ok("gopher://x/", 1, &why));
	CHECK(!netpolicy_url_ok("ftp://x/", 0, &why));
	CHECK(!netpolicy_url_ok("https://user:pw@media.aircall.io/x", 0, &why));
	CHECK(netpolicy_url_ok("https://media.aircall.io/x?a=b@c", 0, &why)); /* @ after the host */
	CHECK(!netpolicy_url_ok("https:///x", 0, &why));
	CHECK(!netpolicy_url_ok(NULL, 1, &why));
	CHECK(!netpolicy_url_ok("", 1, &why));
}

int main(void)
{
	test_addresses();
	test_urls();
	CHECK_DONE("test_netpolicy");
}
