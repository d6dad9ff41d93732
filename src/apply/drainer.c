#include "apply/drainer.h"
#include "base/crypto.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The request's CGI variables are no business of the drainer; without
 * GATEWAY_INTERFACE it also starts as a command, not as CGI. */
static int cgi_variable(const char *kv)
{
	static const char *prefixes[] = {
		"GATEWAY_INTERFACE=", "HTTP_", "REQUEST_", "CONTENT_", "SCRIPT_", "SERVER_",
		"REMOTE_", "QUERY_STRING=", "PATH_INFO=", "PATH_TRANSLATED=", "DOCUMENT_",
		"AUTH_TYPE=", "HTTPS=", "REDIRECT_", "CONTEXT_", "UNIQUE_ID=", "FCGI_",
	};

	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (strncmp(kv, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

static char **child_environment(void)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + 1, sizeof *env);
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!cgi_variable(environ[i]))
			env[k++] = environ[i];
	return env;
}

/* A directory only this user can write (lock files in a shared /tmp). */
static int slot_dir(const struct config *cfg, char *dir, size_t len)
{
	struct stat sb;

	if (cfg->run_dir && *cfg->run_dir)
		snprintf(dir, len, "%s", cfg->run_dir);
	else
		snprintf(dir, len, "/tmp/aircall-gorgias-%ld", (long)geteuid());
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) || sb.st_uid != geteuid())
		return -1;
	return 0;
}

/* A locked slot file, or -1 when all are taken. The lock belongs to the
 * open file, which the drainer inherits: the slot is free again when the
 * drainer exits, however it exits. Slots are counted per database: two
 * bridges of one user on one host do not share them. */
static int take_slot(const struct config *cfg)
{
	char dir[512], path[700], db[65];

	if (slot_dir(cfg, dir, sizeof dir)) {
		log_warn("drainer: no usable lock directory %s", dir);
		return -1;
	}
	if (crypto_hmac_hex("drainer-slots", cfg->database_url, strlen(cfg->database_url), db))
		return -1;
	for (int i = 0; i < cfg->drainers; i++) {
		int fd;

		snprintf(path, sizeof path, "%s/drainer-%.16s.%d.lock", dir, db, i);
		fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			/* Above the standard descriptors: a CGI process has
			 * closed stdout, and a slot on fd 1 would be replaced by
			 * /dev/null in the drainer, freeing the lock at once.
			 * The duplicate shares the open file, so the lock. */
			int high = fcntl(fd, F_DUPFD, 10);

			close(fd);
			return high;
		}
		close(fd);
	}
	return -1;
}

/* In the grandchild: only async-signal-safe calls until execve. */
static void become_drainer(int slot, int quiet, char **env)
{
	static char *const argv[] = { "aircall-gorgias.fcgi", "worker", "--until-idle", "--slot", "3",
				      NULL };
	long max = sysconf(_SC_OPEN_MAX);
	int null;

	/* The slot first, to fd 3 (take_slot keeps it above 9), so that no
	 * later dup2 can land on it; then /dev/null cannot become fd 3. */
	if (dup2(slot, 3) != 3)
		_exit(127);
	close(slot);
	null = open("/dev/null", O_RDWR);
	if (null < 0)
		_exit(127);
	/* fd 0 was the FastCGI listening socket: the drainer must neither
	 * accept requests nor keep the web server's pipes open. */
	dup2(null, 0);
	dup2(null, 1);
	if (quiet)
		dup2(null, 2);
	for (long fd = 4; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
		close((int)fd);
	execve("/proc/self/exe", argv, env);
	_exit(127);
}

void drainer_spawn(const struct config *cfg, int quiet)
{
	char **env;
	pid_t pid;
	int slot;

	if (cfg->drainers <= 0)
		return;
	slot = take_slot(cfg);
	if (slot < 0) {
		log_debug("drainer: all %d slots of this host are busy", cfg->drainers);
		return;
	}
	env = child_environment();
	if (!env) {
		close(slot);
		return;
	}
	/* Fork twice: the drainer is nobody's child here (no zombie, no
	 * wait), in its own session (a signal to the web server's process
	 * group does not cut an event in half). It execs a fresh image: the
	 * PostgreSQL connection and curl handles of this process stay ours. */
	pid = fork();
	if (pid == 0) {
		setsid();
		if (fork() == 0)
			become_drainer(slot, quiet, env);
		_exit(0);
	}
	if (pid < 0)
		log_warn("drainer: fork failed: %s", strerror(errno));
	else
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	close(slot);
	free(env);
	log_debug("drainer started");
}
