#include "base/log.h"
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level current = LOG_INFO;
static FILE *logfile;

void log_init(const char *level, const char *file)
{
	if (level) {
		if (strcmp(level, "error") == 0)
			current = LOG_ERROR;
		else if (strcmp(level, "warn") == 0)
			current = LOG_WARN;
		else if (strcmp(level, "debug") == 0)
			current = LOG_DEBUG;
		else
			current = LOG_INFO;
	}
	if (file && *file && !logfile) {
		logfile = fopen(file, "a");
		if (logfile)
			setvbuf(logfile, NULL, _IOLBF, 0);
	}
}

void log_close(void)
{
	if (logfile)
		fclose(logfile);
	logfile = NULL;
}

int log_enabled(enum log_level level)
{
	return level <= current;
}

static const char *level_name(enum log_level l)
{
	switch (l) {
	case LOG_ERROR: return "error";
	case LOG_WARN: return "warn";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[2048];
	char stamp[32];
	struct tm tm;
	time_t now;
	va_list ap;
	int n;

	if (level > current)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof line, "%s aircall-gorgias[%ld] %s: ", stamp,
		     (long)getpid(), level_name(level));
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	/* One line per event even when a peer's text carries newlines. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, "%s\n", line);
	if (logfile)
		fprintf(logfile, "%s\n", line);
}

const char *ag_strerror(int err)
{
	switch (err) {
	case AG_OK: return "ok";
	case AG_ENOMEM: return "out of memory";
	case AG_EINVAL: return "invalid input";
	case AG_EDB: return "database error";
	case AG_ENET: return "network error";
	case AG_ENOTFOUND: return "not found";
	case AG_ECONFLICT: return "conflict";
	case AG_ERATE: return "rate limited";
	case AG_EAUTH: return "authorization rejected";
	case AG_ETEMP: return "temporary vendor failure";
	case AG_EREJECT: return "request rejected";
	case AG_ETOOBIG: return "too large";
	case AG_EBUDGET: return "API budget spent";
	case AG_EDISABLED: return "installation disabled";
	case AG_EBUSY: return "busy";
	case AG_EPOLICY: return "address refused by policy";
	default: return "unknown error";
	}
}
