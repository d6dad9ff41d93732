#include "vendor/media.h"
#include "base/counters.h"
#include "base/err.h"
#include "base/log.h"
#include "vendor/netpolicy.h"

#include <stdlib.h>
#include <unistd.h>

int media_transfer(struct aircall *a, struct gorgias *g, const char *url, long long limit,
		   const char *name, const char *content_type, json_t **attachment,
		   enum media_result *result)
{
	char file[] = "/tmp/aircall-gorgias-media-XXXXXX", served[128];
	long long size = 0;
	const char *why;
	int fd, rc;

	*attachment = NULL;
	*result = MEDIA_UNAVAILABLE;
	if (!netpolicy_url_ok(url, a->cfg->media_allow_private, &why)) {
		log_warn("media not fetched: %s", why);
		*result = MEDIA_REFUSED;
		return AG_OK;
	}
	fd = mkstemp(file);
	if (fd < 0)
		return AG_ETEMP;
	/* Nameless from the start: nothing is left behind, however the
	 * process ends. */
	unlink(file);
	rc = aircall_download(a, url, fd, limit, served, sizeof served, &size);
	if (rc == AG_ETOOBIG) {
		*result = MEDIA_TOO_LARGE;
		rc = AG_OK;
	} else if (rc == AG_EPOLICY) {
		log_warn("media not fetched: %s", a->last_error);
		*result = MEDIA_REFUSED;
		rc = AG_OK;
	} else if (rc == AG_ENOTFOUND || rc == AG_EAUTH || rc == AG_EREJECT || rc == AG_EINVAL) {
		rc = AG_OK; /* MEDIA_UNAVAILABLE: retrying cannot revive the link */
	} else if (rc == AG_OK) {
		rc = gorgias_upload(g, fd, size, name,
				    content_type && *content_type ? content_type
				    : served[0] ? served : "application/octet-stream", attachment);
		if (rc == AG_ETOOBIG || (rc == AG_EREJECT && g->last_status == 413)) {
			*result = MEDIA_TOO_LARGE;
			rc = AG_OK;
		} else if (rc == AG_OK) {
			*result = MEDIA_UPLOADED;
			counter_add("ag_media_bytes_total", "", size);
		}
	} else if (a->final_attempt && (rc == AG_ETEMP || rc == AG_ENET)) {
		/* The host answered 429/5xx or stalled on every attempt. */
		if (a->last_status)
			snprintf(a->last_error, sizeof a->last_error,
				 "the file could not be downloaded (HTTP %ld)", a->last_status);
		else
			snprintf(a->last_error, sizeof a->last_error,
				 "the file could not be downloaded (too slow or unreachable)");
		*result = MEDIA_FAILED;
		rc = AG_OK;
	}
	close(fd);
	return rc;
}
