#include "cli/cli.h"
#include "base/err.h"
#include "store/budget_store.h"
#include "store/inbox.h"
#include "apply/install_setup.h"
#include "store/session_store.h"
#include "apply/worker.h"
#include "base/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *to)
{
	fputs("usage: aircall-gorgias.fcgi COMMAND [options]\n"
	      "  migrate [--check]          apply the SQL migrations (idempotent); --check\n"
	      "                             applies nothing, exits 1 when some are pending\n"
	      "  worker [--once [--max N] | --until-idle]\n"
	      "                             apply inbox events as they arrive (LISTEN/NOTIFY);\n"
	      "                             --once: those due now, then exit; --until-idle: exit\n"
	      "                             once nothing was due for AG_DRAIN_LINGER_S\n"
	      "  install --gorgias-account SUB --gorgias-email EMAIL --aircall-api-id ID\n"
	      "          [--numbers ID,ID|all] [--locale en|de] [--country ISO2] [--time-zone TZ]\n"
	      "          [--secrets-stdin]\n"
	      "                             connect a Gorgias account and an Aircall company;\n"
	      "                             secrets from AG_GORGIAS_API_KEY/AG_AIRCALL_API_TOKEN\n"
	      "                             or as NAME=value lines on stdin, never from argv\n"
	      "  status [--json]            installations, inbox and budget as JSON\n"
	      "  events --installation ID --state failed|pending [--limit N]\n"
	      "                             an installation's events, newest first (JSON)\n"
	      "  retry [--installation ID | --event ID]\n"
	      "                             put failed events (all, an installation's, one)\n"
	      "                             back in the queue\n"
	      "  enable --installation ID   re-enable a disabled installation; its kept\n"
	      "                             events are then applied in order\n"
	      "  settings-link --installation ID\n"
	      "                             print a one-time link (15 min) to the settings page\n"
	      "Configuration comes from the environment (see README.md).\n", to);
}

static int need_config(struct app *app)
{
	if (app->cfg->error[0]) {
		fprintf(stderr, "aircall-gorgias: %s\n", app->cfg->error);
		return 2;
	}
	return 0;
}

static long parse_long(const char *s, long fallback)
{
	char *end;
	long n;

	if (!s)
		return fallback;
	errno = 0;
	n = strtol(s, &end, 10);
	return errno || *end || n < 0 ? fallback : n;
}

static int cmd_worker(struct app *app, int argc, char **argv)
{
	int once = 0, until_idle = 0, slot = -1;
	long max = 1000;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0)
			once = 1;
		else if (strcmp(argv[i], "--until-idle") == 0)
			until_idle = 1;
		else if (strcmp(argv[i], "--slot") == 0 && i + 1 < argc)
			slot = (int)parse_long(argv[++i], -1);
		else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc)
			max = parse_long(argv[++i], max);
		else {
			usage(stderr);
			return 2;
		}
	}
	if (db_ensure(&app->db))
		return 1;
	if (once) {
		int n = process_drain(app, NULL, (int)max, time(NULL) + 3600);
		log_info("worker: %d event(s) handled", n);
		worker_housekeeping(app);
		return 0;
	}
	return worker_run(app, until_idle, slot);
}

/* migrate [--check]: --check changes nothing and exits 0 only when the
 * schema is exactly what this binary knows (1: migrations pending, 3: the
 * database is newer than this binary). */
static int cmd_migrate(struct app *app, int argc, char **argv)
{
	struct schema_fit fit;
	const char *state;
	int check = argc > 2 && strcmp(argv[2], "--check") == 0;

	if (argc > 2 + check) {
		usage(stderr);
		return 2;
	}
	if (!check && migrate_run(&app->db, app->cfg))
		return 1;
	if (migrate_fit(&app->db, &fit))
		return 1;
	state = fit.current > fit.known ? "newer" : fit.pending ? "pending" : "current";
	if (check)
		printf("{\"schema_version\": %d, \"binary_version\": %d, \"pending\": %d, "
		       "\"state\": \"%s\"}\n", fit.current, fit.known, fit.pending, state);
	if (fit.current > fit.known)
		log_warn("database schema version %d is newer than this binary (%d)", fit.current,
			 fit.known);
	return fit.current > fit.known ? 3 : fit.pending ? 1 : 0;
}

/* The status command's parts, each from the owner of its table. */
static int status_parts(struct db *db, json_t *out)
{
	static const struct {
		const char *key;
		int (*read)(struct db *db, json_t **part);
	} parts[] = {
		{ "installations", installation_status },
		{ "inbox", inbox_status_counts },
		{ "failed", inbox_status_failed },
		{ "budget", budget_store_status },
	};
	json_t *part;
	int rc = AG_OK;

	for (size_t i = 0; i < sizeof parts / sizeof parts[0] && rc == AG_OK; i++) {
		rc = parts[i].read(db, &part);
		if (rc == AG_OK && json_object_set_new(out, parts[i].key, part))
			rc = AG_ENOMEM;
	}
	return rc;
}

static int cmd_status(struct app *app, int argc, char **argv)
{
	json_t *out;
	char *text;

	/* JSON is the only format; --json says so in scripts. */
	if (argc > 3 || (argc == 3 && strcmp(argv[2], "--json") != 0)) {
		usage(stderr);
		return 2;
	}
	out = json_object();
	if (!out)
		return 1;
	if (status_parts(&app->db, out) != AG_OK) {
		json_decref(out);
		return 1;
	}
	text = json_dumps(out, JSON_INDENT(2));
	json_decref(out);
	if (!text)
		return 1;
	puts(text);
	free(text);
	return 0;
}

/* retry [--installation ID | --event ID]: failed events back in the queue
 * (all, an installation's, or one). */
static int cmd_retry(struct app *app, int argc, char **argv)
{
	long inst = 0, event = 0, n = 0;
	int rc;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--installation") == 0 && i + 1 < argc)
			inst = parse_long(argv[++i], -1);
		else if (strcmp(argv[i], "--event") == 0 && i + 1 < argc)
			event = parse_long(argv[++i], -1);
		else {
			usage(stderr);
			return 2;
		}
	}
	if (inst < 0 || event < 0 || (inst && event)) {
		usage(stderr);
		return 2;
	}
	if (event) {
		rc = inbox_admin_retry_one(&app->db, event);
		if (rc == AG_ENOTFOUND || rc == AG_ECONFLICT) {
			fprintf(stderr, "aircall-gorgias: event %ld %s\n", event,
				rc == AG_ENOTFOUND ? "does not exist" : "is not failed");
			return 1;
		}
		if (rc)
			return 1;
		printf("{\"requeued\": 1, \"event\": %ld}\n", event);
		return 0;
	}
	if (inbox_requeue(&app->db, inst, "failed", &n))
		return 1;
	printf("{\"requeued\": %ld}\n", n);
	return 0;
}

/* events --installation ID --state failed|pending [--limit N]: JSON. */
static int cmd_events(struct app *app, int argc, char **argv)
{
	long inst = 0, limit = 50;
	const char *state = NULL;
	json_t *events;
	char *text;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--installation") == 0 && i + 1 < argc)
			inst = parse_long(argv[++i], -1);
		else if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
			state = argv[++i];
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
			limit = parse_long(argv[++i], -1);
		else {
			usage(stderr);
			return 2;
		}
	}
	if (inst <= 0 || limit <= 0 || limit > 10000 || !state ||
	    (strcmp(state, "failed") != 0 && strcmp(state, "pending") != 0)) {
		usage(stderr);
		return 2;
	}
	if (inbox_admin_list(&app->db, inst, state, limit, &events))
		return 1;
	text = json_dumps(events, JSON_INDENT(2));
	json_decref(events);
	if (!text)
		return 1;
	puts(text);
	free(text);
	return 0;
}

static int installation_arg(int argc, char **argv)
{
	long inst = -1;

	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--installation") == 0 && i + 1 < argc)
			inst = parse_long(argv[++i], -1);
	return inst > 0 && inst <= 0x7fffffffL ? (int)inst : -1;
}

static int cmd_enable(struct app *app, int argc, char **argv)
{
	int inst = installation_arg(argc, argv), rc;

	if (inst <= 0) {
		usage(stderr);
		return 2;
	}
	rc = installation_enable(&app->db, inst, 0);
	if (rc == AG_ENOTFOUND)
		fprintf(stderr, "aircall-gorgias: no installation %d\n", inst);
	if (rc == AG_EREJECT)
		fprintf(stderr, "aircall-gorgias: installation %d was uninstalled; run install again "
			"(the old authorisation is void)\n", inst);
	if (rc)
		return 1;
	printf("{\"installation_id\": %d, \"state\": \"enabled\"}\n", inst);
	return 0;
}

/* A signed one-time link to an installation's settings page: the only
 * way into it besides the install flow. */
static int cmd_settings_link(struct app *app, int argc, char **argv)
{
	int inst = installation_arg(argc, argv), rc;
	char url[1024];

	if (inst <= 0) {
		usage(stderr);
		return 2;
	}
	if (migrate_run(&app->db, app->cfg))
		return 1;
	rc = settings_link_new(&app->db, app->cfg, inst, url, sizeof url);
	if (rc == AG_ENOTFOUND)
		fprintf(stderr, "aircall-gorgias: no installation %d\n", inst);
	if (rc)
		return 1;
	/* The link is a credential: printed for the operator, never logged. */
	puts(url);
	return 0;
}

int cli_main(struct app *app, int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	int rc;

	if (!cmd || strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0) {
		usage(cmd ? stdout : stderr);
		return cmd ? 0 : 2;
	}
	if ((rc = need_config(app)))
		return rc;
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(app, argc, argv);
	if (strcmp(cmd, "worker") == 0)
		return cmd_worker(app, argc, argv);
	if (strcmp(cmd, "install") == 0)
		return cli_install(app, argc, argv);
	if (strcmp(cmd, "status") == 0)
		return cmd_status(app, argc, argv);
	if (strcmp(cmd, "retry") == 0)
		return cmd_retry(app, argc, argv);
	if (strcmp(cmd, "events") == 0)
		return cmd_events(app, argc, argv);
	if (strcmp(cmd, "enable") == 0)
		return cmd_enable(app, argc, argv);
	if (strcmp(cmd, "settings-link") == 0)
		return cmd_settings_link(app, argc, argv);
	fprintf(stderr, "aircall-gorgias: unknown command %s\n", cmd);
	usage(stderr);
	return 2;
}
