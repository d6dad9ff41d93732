/* Conversions of vendor numbers that may hold anything JSON allows: a
 * double outside int64_t's range converted with a cast is undefined
 * behaviour, so every such conversion goes through here. */
#ifndef AG_NUM_H
#define AG_NUM_H

#include <stdint.h>

/* 1 with *out = trunc(v) when v is finite and within int64_t; else 0. */
static inline int num_double_to_i64(double v, int64_t *out)
{
	/* 2^63 is exact as a double; every double below it converts. */
	if (!(v > -9223372036854775808.0 && v < 9223372036854775808.0))
		return 0;
	*out = (int64_t)v;
	return 1;
}

#endif
