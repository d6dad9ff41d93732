/* A field a request can do without (SPEC RB2), declared by the code that
 * builds the request: when Gorgias refuses it, degrade.c drops it or puts
 * the fallback instead, and remembers that for the installation. Pure. */
#ifndef AG_OPTIONAL_H
#define AG_OPTIONAL_H

#include <stddef.h>

struct optional_field {
	const char *path;       /* dotted; "*" stands for every element of an array */
	const char *fallback;   /* NULL: drop the field; else put this string instead */
	const char *when;       /* with a fallback: only where the value is this (NULL: any) */
};

#endif
