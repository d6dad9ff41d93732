/* One error idiom for the whole bridge: functions return 0 (AG_OK) or a
 * negative enum ag_err, and clean up on a single path labelled `out:`.
 * Functions whose failure must not pass unnoticed (every store and vendor
 * call) are declared AG_MUST_USE, so -Werror turns an ignored result into a
 * build error; a result deliberately ignored is passed to AG_IGNORE (GCC's
 * stand-in for a (void) cast, below) with a comment saying why. */
#ifndef AG_ERR_H
#define AG_ERR_H

enum ag_err {
	AG_OK = 0,
	AG_ENOMEM = -1,     /* allocation failed */
	AG_EINVAL = -2,     /* bad input (caller's or a peer's) */
	AG_EDB = -3,        /* PostgreSQL unreachable or a statement failed */
	AG_ENET = -4,       /* connection error or timeout talking to a vendor */
	AG_ENOTFOUND = -5,  /* the thing asked for does not exist */
	AG_ECONFLICT = -6,  /* it exists already / concurrent change */
	AG_ERATE = -7,      /* rate limited: wait, then try again */
	AG_EAUTH = -8,      /* credentials rejected (401/403) */
	AG_ETEMP = -9,      /* temporary vendor failure (5xx): retry later */
	AG_EREJECT = -10,   /* vendor refused the request for good (4xx) */
	AG_ETOOBIG = -11,   /* size limit exceeded */
	AG_EBUDGET = -12,   /* our own shared budget is spent for now */
	AG_EDISABLED = -13, /* installation disabled */
	AG_EBUSY = -14,     /* another process holds the lock */
	AG_EPOLICY = -15    /* the bridge's own fetch policy refused the address */
};

#define AG_MUST_USE __attribute__((warn_unused_result))

/* A result deliberately ignored, with a comment saying why at the call.
 * GCC (unlike clang) does not accept a bare (void) cast as a use of an
 * AG_MUST_USE result, so the value is taken, then dropped. */
#define AG_IGNORE(expr) do { __typeof__(expr) ag_ignored_ = (expr); (void)ag_ignored_; } while (0)

const char *ag_strerror(int err);

/* Errors after which the same work should be tried again later. */
static inline int ag_err_retryable(int err)
{
	return err == AG_EDB || err == AG_ENET || err == AG_ERATE ||
	       err == AG_ETEMP || err == AG_EBUDGET || err == AG_EBUSY ||
	       err == AG_ENOMEM;
}

#endif
