/* Phone numbers: the one choke point that turns whatever a caller ID or an
 * agent's typing looks like into E.164 ("+<cc><nsn>"), so that the caller of
 * an Aircall call and the phone channel of a Gorgias customer compare equal.
 *
 * Self-contained (no libphonenumber): a small table of ~70 countries gives
 * the calling code, trunk prefix, international prefix and a plausible range
 * of national-number lengths. That is enough to resolve national forms with
 * the installation's default country and to tell "4930600000000" (a German
 * number without "+") from a national one; it does not validate number ranges.
 *
 * Every function accepts hostile input (NULL, very long, non-UTF-8) and never
 * reads past a string's NUL nor writes past out[PHONE_MAX]. */
#ifndef AG_PHONE_H
#define AG_PHONE_H

#include "base/err.h"

#include <stddef.h>

#define PHONE_MAX 24 /* "+" + up to 15 digits + NUL, with margin */

enum phone_result { PHONE_OK = 0, PHONE_ANONYMOUS = 1, PHONE_INVALID = -1 };

/* Normalise a number as typed by a human or delivered by Aircall (raw_digits
 * like "+1 800-123-4567", "anonymous", national forms) into E.164 in out.
 * default_country: ISO 3166 alpha-2 of the installation ("DE", "fr"; "UK" is
 * taken as GB); NULL or unknown means national forms cannot be resolved.
 * out is always NUL-terminated (empty unless PHONE_OK). */
AG_MUST_USE enum phone_result phone_normalize(const char *raw, const char *default_country,
					      char out[PHONE_MAX]);

/* The forms a human or an integration may have stored in Gorgias for this
 * number, most likely first, E.164 first; at most max distinct strings (6 is
 * enough for all forms produced). e164 may be any input phone_normalize
 * accepts. Every variant normalises back to the same E.164 with the same
 * default country, so a customer found by a variant is the same number by
 * phone_equal. Returns how many were written (0 if the number is invalid). */
AG_MUST_USE size_t phone_variants(const char *e164, const char *default_country,
				  char out[][PHONE_MAX], size_t max);

/* The national significant number of an E.164 number ("+34611000005" →
 * "611000005"): the digits every stored form of it contains in one piece
 * (E.164, 00 and digits-only forms, national forms with a trunk prefix).
 * 1 when written, 0 for an invalid number or an unknown calling code. */
AG_MUST_USE int phone_nsn(const char *e164, char out[PHONE_MAX]);

/* Calling code for an ISO2 country ("DE" -> 49), 0 if unknown. */
AG_MUST_USE int phone_country_code(const char *iso2);

/* 1 if both raw numbers normalise (same default country) to the same E.164;
 * 0 otherwise, including when either is anonymous or invalid. */
AG_MUST_USE int phone_equal(const char *a, const char *b, const char *default_country);

/* 1 if s is already canonical E.164: "+", first digit 1-9, 7 to 15 digits. */
AG_MUST_USE int phone_is_e164(const char *s);

#endif
