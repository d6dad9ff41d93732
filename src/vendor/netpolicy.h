/* Where the bridge may fetch media from (docs/security.md, SSRF). Media
 * URLs reach the bridge from webhook bodies or vendor answers, so a fetch
 * must never reach the bridge's own host, its network, or a cloud metadata
 * endpoint: https only, and every address curl is about to connect to must
 * be a public unicast one. The check runs on the address actually being
 * connected (curl's open-socket hook), so a name that resolves differently
 * a second time (DNS rebinding) gains nothing. */
#ifndef AG_NETPOLICY_H
#define AG_NETPOLICY_H

#include "base/err.h"

#include <sys/socket.h>

/* 1 when sa (AF_INET or AF_INET6) is a public unicast address; 0 for
 * loopback, private (RFC 1918, fc00::/7), link-local (169.254/16 with the
 * metadata endpoints, fe80::/10), multicast, unspecified, carrier-grade
 * NAT, benchmarking, documentation, reserved, broadcast, IPv4-mapped or
 * -compatible forms of those, NAT64 of those, and any other family. */
AG_MUST_USE int netpolicy_addr_public(const struct sockaddr *sa);

/* 1 when url may be fetched at all: "https://" (or "http://" when
 * allow_private), no user:password part. why gets a short reason else. */
AG_MUST_USE int netpolicy_url_ok(const char *url, int allow_private, const char **why);

#endif
