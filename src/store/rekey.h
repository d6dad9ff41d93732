/* The move to one key per purpose (crypto_subkey): vendor tokens sealed
 * under the previous single key ("v1:") are opened with AG_SECRET_KEY as
 * before and sealed again under the sealing subkey, bound to their row and
 * column; webhook-token hashes are computed again under the webhook key.
 * Part of `migrate` (and so of every command that migrates first). The rows
 * are read and written through their owner (installation_store.h). */
#ifndef AG_STORE_REKEY_H
#define AG_STORE_REKEY_H

#include "base/err.h"
#include "base/config.h"
#include "store/db.h"

/* One transaction; idempotent (only "v1:" values are touched). AG_EINVAL
 * when a value does not open under AG_SECRET_KEY (nothing is changed
 * then: the key given is not the one that sealed them). *rows: how many
 * installations were resealed. */
AG_MUST_USE int store_rekey(struct db *db, const struct config *cfg, int *rows);
/* The same inside the caller's transaction (the one that records migration
 * 014: the schema counts as current only once the values match it). */
AG_MUST_USE int store_rekey_in_tx(struct db *db, const struct config *cfg, int *rows);

#endif
