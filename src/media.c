#include "media.h"
#include "counters.h"
#include "err.h"
#include "log.h"
#include "netpolicy.h"

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
	close(fd);
	rc = aircall_download(a, url, file, limit, served, sizeof served, &size);
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
		rc = gorgias_upload(g, file, name,
				    content_type && *content_type ? content_type
				    : served[0] ? served : "application/octet-stream", attachment);
		if (rc == AG_ETOOBIG || (rc == AG_EREJECT && g->last_status == 413)) {
			*result = MEDIA_TOO_LARGE;
			rc = AG_OK;
		} else if (rc == AG_OK) {
			*result = MEDIA_UPLOADED;
			counter_add("ag_media_bytes_total", "", size);
		}
	}
	unlink(file);
	return rc;
}
