/* The settings page's two-way SMS section: on, or off with the reason and
 * how to turn it on (an installation made before the feature: reinstall). */
#ifndef AG_SETTINGS_TWO_WAY_H
#define AG_SETTINGS_TWO_WAY_H

#include "apply/process.h"
#include "base/buf.h"
#include "store/installation_store.h"
#include "web/page.h"

/* AG_OK or AG_EDB. */
int settings_render_two_way(struct buf *b, enum lang l, struct app *app,
			    const struct installation *in);

#endif
