/* The SQL migrations of sql/, embedded by the build (scripts/embed-sql.sh). */
#ifndef AG_MIGRATIONS_H
#define AG_MIGRATIONS_H

#include <stddef.h>

struct migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migration migrations[];
extern const size_t migrations_count;

#endif
