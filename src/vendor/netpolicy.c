#include "vendor/netpolicy.h"

#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

static int v4_public(uint32_t a)
{
	static const struct { uint32_t net, mask; } blocked[] = {
		{ 0x00000000, 0xff000000 }, /* 0/8 "this network", unspecified */
		{ 0x0a000000, 0xff000000 }, /* 10/8 private */
		{ 0x64400000, 0xffc00000 }, /* 100.64/10 carrier-grade NAT */
		{ 0x7f000000, 0xff000000 }, /* 127/8 loopback */
		{ 0xa9fe0000, 0xffff0000 }, /* 169.254/16 link-local, cloud metadata */
		{ 0xac100000, 0xfff00000 }, /* 172.16/12 private */
		{ 0xc0000000, 0xffffff00 }, /* 192.0.0/24 IETF protocol assignments */
		{ 0xc0000200, 0xffffff00 }, /* 192.0.2/24 documentation */
		{ 0xc0a80000, 0xffff0000 }, /* 192.168/16 private */
		{ 0xc6120000, 0xfffe0000 }, /* 198.18/15 benchmarking */
		{ 0xc6336400, 0xffffff00 }, /* 198.51.100/24 documentation */
		{ 0xcb007100, 0xffffff00 }, /* 203.0.113/24 documentation */
		{ 0xe0000000, 0xf0000000 }, /* 224/4 multicast */
		{ 0xf0000000, 0xf0000000 }, /* 240/4 reserved, broadcast */
	};

	for (size_t i = 0; i < sizeof blocked / sizeof blocked[0]; i++)
		if ((a & blocked[i].mask) == blocked[i].net)
			return 0;
	return 1;
}

static uint32_t v4_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int v6_public(const unsigned char *b)
{
	static const unsigned char zero[12];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0x00, 0x64, 0xff, 0x9b };

	/* ::/96 (unspecified, loopback, IPv4-compatible), ::ffff:0:0/96 and
	 * 64:ff9b::/96 carry an IPv4 address: judge that one. */
	if (memcmp(b, zero, 12) == 0 || memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
		return v4_public(v4_at(b + 12));
	if ((b[0] & 0xfe) == 0xfc)                 /* fc00::/7 unique local */
		return 0;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) /* fe80::/10 link-local */
		return 0;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) /* fec0::/10 old site-local */
		return 0;
	if (b[0] == 0xff)                          /* ff00::/8 multicast */
		return 0;
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) /* documentation */
		return 0;
	if (b[0] == 0x20 && b[1] == 0x02)          /* 6to4 could wrap any IPv4 */
		return 0;
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) /* Teredo */
		return 0;
	/* Only global unicast (2000::/3) is public. */
	return (b[0] & 0xe0) == 0x20;
}

int netpolicy_addr_public(const struct sockaddr *sa)
{
	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return v4_public(v4_at((const unsigned char *)&in->sin_addr));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		return v6_public(in6->sin6_addr.s6_addr);
	}
	return 0;
}

int netpolicy_url_ok(const char *url, int allow_private, const char **why)
{
	const char *host, *end;

	*why = NULL;
	if (!url) {
		*why = "no address";
		return 0;
	}
	if (strncasecmp(url, "https://", 8) == 0) {
		host = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		if (!allow_private) {
			*why = "not https";
			return 0;
		}
		host = url + 7;
	} else {
		*why = "not https";
		return 0;
	}
	/* user:password@ would send credentials the bridge never means to send. */
	end = host + strcspn(host, "/?#");
	if (memchr(host, '@', (size_t)(end - host))) {
		*why = "credentials in the address";
		return 0;
	}
	if (end == host) {
		*why = "no host";
		return 0;
	}
	return 1;
}
