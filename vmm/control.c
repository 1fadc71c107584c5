/* SPDX-License-Identifier: MIT */
#include "control.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "pressure.h"
#include "util.h"
#include "vm.h"

#define CONTROL_LINE_MAX 512u
#define CONTROL_REPLY_MAX 8192u
#define CONTROL_CLIENT_TIMEOUT_MS 10000

static void reply(int fd, const char *text)
{
	size_t len = strlen(text), done = 0;

	while (done < len) {
		ssize_t w = send(fd, text + done, len - done, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		done += (size_t)w;
	}
}

static void handle_line(struct vm *vm, int fd, char *line)
{
	char err[256], out[CONTROL_REPLY_MAX];
	struct pressure_cmd cmd;
	struct cursor c = { .line = line, .p = line, .err = err, .errlen = sizeof(err) };
	char w[16];

	line[strcspn(line, "\r\n")] = '\0';
	/* Commands are printable ASCII: anything else (escape sequences,
	 * bytes that are no UTF-8) would reach the terminal, the log and the
	 * JSON report as it came. It cannot parse as a command either. */
	for (char *p = line; *p; p++)
		if (!isprint((unsigned char)*p) && *p != '\t')
			*p = '?';
	if (cursor_word(&c, w, sizeof(w)) && !strcmp(w, "stats")) {
		c.p += strlen(w);
		if (!cursor_at_end(&c)) {
			cursor_fail(&c, "unexpected '%s' after 'stats'", c.p);
			snprintf(out, sizeof(out), "error: %s\n", err);
		} else {
			report_stats_line(vm, out, sizeof(out));
		}
		reply(fd, out);
		return;
	}
	if (pressure_parse(&c, &cmd, NULL) ||
	    (!cursor_at_end(&c) && cursor_fail(&c, "unexpected '%s' after the command", c.p))) {
		snprintf(out, sizeof(out), "error: %s\n", err);
		reply(fd, out);
		return;
	}
	if (pressure_apply(vm, &cmd, err, sizeof(err))) {
		snprintf(out, sizeof(out), "error: %s\n", err);
	} else if (err[0]) {
		snprintf(out, sizeof(out), "ok: %s\n", err);
	} else {
		snprintf(out, sizeof(out), "ok\n");
	}
	sampler_event(&vm->sampler, "control: %.60s", line);
	pr_info("control: %s -> %s", line, out[0] == 'o' ? "ok" : out);
	reply(fd, out);
}

/* One connection: lines until EOF; a line longer than the buffer is an
 * error for that client, not for the VM. */
/* One line of len bytes as received (NUL-terminated after them). */
static void serve_line(struct vm *vm, int fd, char *line, size_t len)
{
	if (strlen(line) != len) {
		reply(fd, "error: the command holds a NUL byte\n");
		return;
	}
	handle_line(vm, fd, line);
}

static void serve_client(struct vm *vm, int fd)
{
	char buf[CONTROL_LINE_MAX];
	size_t used = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	for (;;) {
		if (poll(&pfd, 1, CONTROL_CLIENT_TIMEOUT_MS) <= 0)
			return;
		ssize_t n = recv(fd, buf + used, sizeof(buf) - 1 - used, 0);
		char *nl;

		if (n <= 0) {
			/* The client is done sending: a last line needs no '\n'. */
			if (n == 0 && used) {
				buf[used] = '\0';
				serve_line(vm, fd, buf, used);
			}
			return;
		}
		used += (size_t)n;
		buf[used] = '\0';
		while ((nl = memchr(buf, '\n', used))) {
			*nl = '\0';
			serve_line(vm, fd, buf, (size_t)(nl - buf));
			used -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, used + 1);
		}
		if (used == sizeof(buf) - 1) {
			reply(fd, "error: line too long\n");
			return;
		}
	}
}

static void *control_thread(void *arg)
{
	struct control *ctl = arg;
	struct pollfd pfd[2] = {
		{ .fd = ctl->listen_fd, .events = POLLIN },
		{ .fd = ctl->worker.stop_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		int fd = accept4(ctl->listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			continue;
		serve_client(ctl->vm, fd);
		close(fd);
	}
	return NULL;
}

int control_check_path(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, err;

	if (lstat(path, &st)) {
		if (errno != ENOENT) {
			err = -errno;
			pr_err("--control %s: %s", path, strerror(errno));
			return err;
		}
		return check_output_path("--control", path);
	}
	if (!S_ISSOCK(st.st_mode)) {
		pr_err("--control %s: exists and is not a socket", path);
		return -EEXIST;
	}
	/* A socket someone answers on belongs to a running guest: taking it
	 * over would cut that guest off from its controller. */
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	err = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	close(fd);
	if (!err) {
		pr_err("--control %s: in use (another labyrinth answers on it)", path);
		return -EADDRINUSE;
	}
	return 0;
}

int control_start(struct vm *vm, struct control *ctl, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int err;

	ctl->vm = vm;
	ctl->listen_fd = -1;
	worker_init(&ctl->worker);
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	/* Never remove something that is not a stale socket. */
	err = control_check_path(path);
	if (err)
		return err;
	if (!lstat(path, &st))
		unlink(path);
	ctl->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl->listen_fd < 0 ||
	    bind(ctl->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(ctl->listen_fd, 4)) {
		err = -errno;
		pr_err("--control %s: %s", path, strerror(errno));
		return err;
	}
	chmod(path, 0600);
	return worker_start(&ctl->worker, control_thread, ctl);
}

void control_stop(struct control *ctl)
{
	worker_stop(&ctl->worker, "control");
	if (ctl->listen_fd >= 0) {
		close(ctl->listen_fd);
		unlink(ctl->path);
	}
	ctl->listen_fd = -1;
}

int control_client(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char line[CONTROL_LINE_MAX] = "", buf[CONTROL_REPLY_MAX];
	size_t got = 0;
	int fd;

	if (argc < 3) {
		pr_err("usage: labyrinth ctl SOCKET COMMAND [ARGS]  (pool SIZE, quota VCPU SIZE|off, "
		       "reclaim SIZE, fragment SIZE, unfragment, stats)");
		return EXIT_BAD_INPUT;
	}
	if (strlen(argv[1]) >= sizeof(addr.sun_path)) {
		pr_err("ctl: socket path '%s' is too long", argv[1]);
		return EXIT_BAD_INPUT;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", argv[1]);
	for (int i = 2, used = 0; i < argc; i++) {
		int n = snprintf(line + used, sizeof(line) - (size_t)used, "%s%s", argv[i],
				 i + 1 < argc ? " " : "\n");

		if (n < 0 || (size_t)(used + n) >= sizeof(line)) {
			pr_err("ctl: command too long");
			return EXIT_BAD_INPUT;
		}
		used += n;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* A guest that accepts and never answers must not hang the client. */
	struct timeval timeout = { .tv_sec = CONTROL_CLIENT_TIMEOUT_MS / 1000 };

	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		pr_err("ctl: cannot connect to %s: %s (is a guest running with --control %s?)",
		       argv[1], strerror(errno), argv[1]);
		if (fd >= 0)
			close(fd);
		return EXIT_HOST_ERROR;
	}
	reply(fd, line);
	shutdown(fd, SHUT_WR);
	for (;;) {
		ssize_t n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			pr_err("ctl: %s did not answer within %d s", argv[1],
			       CONTROL_CLIENT_TIMEOUT_MS / 1000);
			close(fd);
			return EXIT_HOST_ERROR;
		}
		if (n <= 0 || got + (size_t)n >= sizeof(buf) - 1) {
			if (n > 0)
				got += (size_t)n;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	if (!got) {
		pr_err("ctl: %s closed the connection without a reply", argv[1]);
		return EXIT_HOST_ERROR;
	}
	fputs(buf, strncmp(buf, "error", 5) ? stdout : stderr);
	return strncmp(buf, "error", 5) ? EXIT_OK : EXIT_BAD_INPUT;
}
