/* SPDX-License-Identifier: MIT */
#include "control.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
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
#include "report.h"
#include "sampler.h"
#include "util.h"
#include "vm.h"

#define CONTROL_CLIENT_TIMEOUT_MS 10000  /* `labyrinth ctl` waits this long for a reply */

/* ---- the commands, as documentation ---- */

const struct control_command_doc control_commands[] = {
	{ "pool", "SIZE", "set the frame budget, from 1/16 of --pool to all of it", "pool 64M" },
	{ "quota", "VCPU SIZE|off", "at most SIZE of frames for vCPU VCPU (off: no quota)", "quota 0 16M" },
	{ "reclaim", "SIZE", "reclaim that much now", "reclaim 32M" },
	{ "fragment", "SIZE", "hold every other frame of twice SIZE of free frames",
	  "fragment 16M" },
	{ "unfragment", NULL, "give back the frames fragment holds", "unfragment" },
	{ "stats", NULL, "the live counters, as one line of JSON", "stats" },
	{ "dommemstat", NULL, "the memory statistics, as virsh dommemstat prints them",
	  "dommemstat" },
	{ "guests", NULL, "the guests, each with its frames, promises and faults, as one line "
	  "of JSON", "guests" },
	{ "guest", "NAME COMMAND [ARGS]", "a command about one guest: stats, dommemstat, pool "
	  "SIZE|off (its budget), quota, reclaim, min_guarantee, soft_limit and hard_limit "
	  "SIZE|off, weight N", "guest a hard_limit 64M" },
};
const size_t nr_control_commands = ARRAY_SIZE(control_commands);

void control_usage(FILE *out)
{
	fprintf(out, "usage: labyrinth ctl SOCKET COMMAND [ARGS]\n\n"
		"Sends one command to a guest run with --control SOCKET and prints its reply.\n\n");
	for (size_t i = 0; i < nr_control_commands; i++) {
		const struct control_command_doc *c = &control_commands[i];
		char head[48];

		snprintf(head, sizeof(head), "%s%s%s", c->name, c->args ? " " : "",
			 c->args ? c->args : "");
		fprintf(out, "  %-20s %s\n", head, c->help);
	}
	fprintf(out, "\nSizes take K, M, G, T (binary). Exit status: 0 done, 2 the guest refused\n"
		"the command, 3 no guest answered.\n");
}

/* ---- the protocol, without a VM ---- */

void control_conn_reply(struct control_conn *c, const char *text)
{
	size_t len = strlen(text);

	if (c->drop)
		return;
	if (len > sizeof(c->out) - c->out_len) {
		/* It does not read what it asks for: no reply may wait on it. */
		c->drop = true;
		return;
	}
	memcpy(c->out + c->out_len, text, len);
	c->out_len += len;
}

void control_conn_input(struct control_conn *c, const char *data, size_t n,
			control_line_fn *line, void *arg)
{
	while (n && !c->drop) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;

		if (take > sizeof(c->in) - 1 - c->in_len) {
			control_conn_reply(c, "error: line too long\n");
			c->eof = true;
			c->in_len = 0;
			return;
		}
		memcpy(c->in + c->in_len, data, take);
		c->in_len += take;
		data += take;
		n -= take;
		if (!nl)
			return;
		data++;
		n--;
		c->in[c->in_len] = '\0';
		line(arg, c, c->in, c->in_len);
		c->in_len = 0;
	}
}

void control_conn_eof(struct control_conn *c, control_line_fn *line, void *arg)
{
	/* The client is done sending: a last line needs no '\n'. */
	if (c->in_len && !c->eof && !c->drop) {
		c->in[c->in_len] = '\0';
		line(arg, c, c->in, c->in_len);
	}
	c->in_len = 0;
	c->eof = true;
}

/* stats or dommemstat, of the pool's host or of one guest: the rest of
 * the line must be empty. True when it was one of them. */
static bool parse_query(struct cursor *c, struct control_cmd *cmd, int *ret)
{
	char w[16];

	if (!cursor_word(c, w, sizeof(w)) || (strcmp(w, "stats") && strcmp(w, "dommemstat")))
		return false;
	c->p += strlen(w);
	if (!cursor_at_end(c)) {
		*ret = cursor_fail(c, "unexpected '%s' after '%s'", c->p, w);
		return true;
	}
	cmd->stats = !strcmp(w, "stats");
	cmd->memstat = !cmd->stats;
	*ret = 0;
	return true;
}

int control_parse(char *line, size_t len, struct control_cmd *cmd, char *err, size_t errlen)
{
	struct cursor c = { .line = line, .p = line, .err = err, .errlen = errlen };
	char w[16];
	int ret;

	err[0] = '\0';
	memset(cmd, 0, sizeof(*cmd));
	if (strlen(line) != len) {
		snprintf(err, errlen, "the command holds a NUL byte");
		return -EINVAL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	/* Commands are printable ASCII: anything else (escape sequences,
	 * bytes that are no UTF-8) would reach the terminal, the log and the
	 * JSON report as it came. It cannot parse as a command either. */
	for (char *p = line; *p; p++)
		if (!isprint((unsigned char)*p) && *p != '\t')
			*p = '?';
	if (parse_query(&c, cmd, &ret))
		return ret;
	if (cursor_word(&c, w, sizeof(w)) && !strcmp(w, "guests")) {
		c.p += strlen(w);
		if (!cursor_at_end(&c))
			return cursor_fail(&c, "unexpected '%s' after 'guests'", c.p);
		cmd->guests = true;
		return 0;
	}
	/* `guest NAME stats|dommemstat`, or a command about the guest. */
	if (pressure_parse(&c, &cmd->pressure, NULL)) {
		struct cursor q = { .line = line, .p = line, .err = err, .errlen = errlen };
		char name[CFG_NAME_MAX + 8];
		size_t n;

		if (!cursor_word(&q, w, sizeof(w)) || strcmp(w, "guest"))
			return -EINVAL;
		q.p += strlen(w);
		n = cursor_word(&q, name, sizeof(name));
		if (!config_name_valid(name, n))
			return -EINVAL;        /* pressure_parse's error names it */
		q.p += n;
		if (!parse_query(&q, cmd, &ret))
			return -EINVAL;        /* pressure_parse's error stands */
		if (!ret) {
			memcpy(cmd->guest, name, n + 1);
			err[0] = '\0';
		}
		return ret;
	}
	if (!cursor_at_end(&c))
		return cursor_fail(&c, "unexpected '%s' after the command", c.p);
	return 0;
}

/* ---- the control thread ---- */

static void handle_line(void *arg, struct control_conn *conn, char *line, size_t len)
{
	struct control *ctl = arg;
	char err[256], out[CONTROL_REPLY_MAX];
	struct control_cmd cmd;

	if (control_parse(line, len, &cmd, err, sizeof(err)))
		snprintf(out, sizeof(out), "error: %s\n", err);
	else
		ctl->answer(ctl->target, &cmd, line, out, sizeof(out));
	control_conn_reply(conn, out);
}

/* A VM run alone: its one guest answers to its name, or to none. */
static void answer_vm(void *target, struct control_cmd *cmd, const char *line, char *out,
		      size_t len)
{
	struct vm *vm = target;
	char err[256];

	if (cmd->guest[0] && strcmp(cmd->guest, vm->cfg.name)) {
		snprintf(out, len, "error: there is no guest '%s' (the guest is '%s')\n",
			 cmd->guest, vm->cfg.name);
	} else if (cmd->stats) {
		report_stats_line(vm, out, len);
	} else if (cmd->memstat) {
		report_memstat_line(vm, out, len);
	} else if (cmd->guests) {
		report_guests_line(&vm, 1, out, len);
	} else {
		if (pressure_apply(vm, &cmd->pressure, err, sizeof(err)))
			snprintf(out, len, "error: %s\n", err);
		else if (err[0])
			snprintf(out, len, "ok: %s\n", err);
		else
			snprintf(out, len, "ok\n");
		sampler_event(vm, "control: %.60s", line);
		pr_info("control: %s -> %s", line, out[0] == 'o' ? "ok" : out);
	}
}

/* Sends what the client will take now; false when it is gone. */
static bool conn_flush(struct control_conn *c)
{
	while (c->out_len) {
		ssize_t w = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (w <= 0)
			return false;
		c->out_len -= (size_t)w;
		memmove(c->out, c->out + w, c->out_len);
	}
	return true;
}

/* Reads what the client sent; false when the connection is to close. */
static bool conn_serve(struct control *ctl, struct control_conn *c, short revents)
{
	if (revents & POLLIN) {
		char buf[CONTROL_LINE_MAX];
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0)
			control_conn_input(c, buf, (size_t)n, handle_line, ctl);
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			control_conn_eof(c, handle_line, ctl);
	} else if (revents & (POLLHUP | POLLERR)) {
		control_conn_eof(c, handle_line, ctl);
	}
	if (c->drop || !conn_flush(c))
		return false;
	return !(c->eof && !c->out_len);
}

static void conn_close(struct control *ctl, unsigned i)
{
	close(ctl->conns[i]->fd);
	free(ctl->conns[i]);
	ctl->conns[i] = NULL;
}

static void accept_client(struct control *ctl)
{
	int fd = accept4(ctl->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	static const char full[] = "error: too many control clients at once\n";

	if (fd < 0)
		return;
	for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		if (ctl->conns[i])
			continue;
		ctl->conns[i] = calloc(1, sizeof(*ctl->conns[i]));
		if (!ctl->conns[i])
			break;
		ctl->conns[i]->fd = fd;
		return;
	}
	if (send(fd, full, sizeof(full) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		pr_warn("control: a client was turned away: %s", strerror(errno));
	close(fd);
}

static void *control_thread(void *arg)
{
	struct control *ctl = arg;

	for (;;) {
		struct pollfd pfd[2 + CONTROL_MAX_CLIENTS];
		unsigned slot[CONTROL_MAX_CLIENTS], n = 2;

		pfd[0] = (struct pollfd){ .fd = ctl->worker.stop_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = ctl->listen_fd, .events = POLLIN };
		for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++) {
			struct control_conn *c = ctl->conns[i];

			if (!c)
				continue;
			slot[n - 2] = i;
			pfd[n++] = (struct pollfd){
				.fd = c->fd,
				.events = (short)((c->eof ? 0 : POLLIN) | (c->out_len ? POLLOUT : 0)),
			};
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_warn("control: poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents)
			break;
		for (unsigned k = 2; k < n; k++)
			if (pfd[k].revents && !conn_serve(ctl, ctl->conns[slot[k - 2]], pfd[k].revents))
				conn_close(ctl, slot[k - 2]);
		if (pfd[1].revents & POLLIN)
			accept_client(ctl);
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

int control_open(const char *path, control_answer_fn *answer, void *target,
		 struct control **out)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct control *ctl = calloc(1, sizeof(*ctl));
	struct stat st;
	int err;

	*out = ctl;
	if (!ctl)
		return -ENOMEM;
	ctl->answer = answer;
	ctl->target = target;
	ctl->listen_fd = -1;
	worker_init(&ctl->worker);
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	/* Never remove something that is not a stale socket. */
	err = control_check_path(path);
	if (err)
		return err;
	if (!lstat(path, &st))
		unlink(path);
	/* Bound under a name of this process's and renamed once it listens:
	 * the socket appears ready, a client never finds it refusing. */
	if (snprintf(addr.sun_path, sizeof(addr.sun_path), "%s.%d", path, (int)getpid()) >=
	    (int)sizeof(addr.sun_path) || (!lstat(addr.sun_path, &st) && !S_ISSOCK(st.st_mode))) {
		pr_err("--control %s: no room for a temporary name beside it", path);
		return -ENAMETOOLONG;
	}
	unlink(addr.sun_path);
	ctl->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl->listen_fd < 0 ||
	    bind(ctl->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    chmod(addr.sun_path, 0600) || listen(ctl->listen_fd, 4) ||
	    rename(addr.sun_path, path)) {
		err = -errno;
		pr_err("--control %s: %s", path, strerror(errno));
		unlink(addr.sun_path);
		return err;
	}
	ctl->bound = true;
	return worker_start(&ctl->worker, control_thread, ctl);
}

void control_close(struct control *ctl)
{
	if (!ctl)
		return;
	worker_stop(&ctl->worker, "control");
	for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (ctl->conns[i])
			conn_close(ctl, i);
	if (ctl->listen_fd >= 0)
		close(ctl->listen_fd);
	if (ctl->bound)
		unlink(ctl->path);
	free(ctl);
}

int control_start(struct vm *vm, const char *path)
{
	return control_open(path, answer_vm, vm, &vm->control);
}

void control_stop(struct vm *vm)
{
	control_close(vm->control);
	vm->control = NULL;
}

/* dommemstat as virsh prints it: "name value" lines. */
static int print_memstat(const char *sock, const char *reply)
{
	const char *const *names;
	size_t n = report_memstat_names(&names);
	json_t *o = json_loads(reply, 0, NULL);

	if (!json_is_object(o)) {
		pr_err("ctl: %s answered dommemstat with no JSON object: %s", sock, reply);
		json_decref(o);
		return LAB_EXIT_HOST_ERROR;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(o, names[i]);

		if (json_is_integer(v))
			printf("%s %lld\n", names[i], (long long)json_integer_value(v));
	}
	json_decref(o);
	return LAB_EXIT_OK;
}

/* The client's blocking send (bounded by SO_SNDTIMEO); 0 or -1 (errno). */
static int send_all(int fd, const char *text)
{
	size_t len = strlen(text), done = 0;

	while (done < len) {
		ssize_t w = send(fd, text + done, len - done, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

int control_client(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char line[CONTROL_LINE_MAX] = "", buf[CONTROL_REPLY_MAX];
	size_t got = 0;
	int fd;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		control_usage(stdout);
		return LAB_EXIT_OK;
	}
	if (argc < 3) {
		char names[256] = "";

		for (size_t i = 0; i < nr_control_commands; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s%s%s",
				 i ? ", " : "", control_commands[i].name,
				 control_commands[i].args ? " " : "",
				 control_commands[i].args ? control_commands[i].args : "");
		pr_err("usage: labyrinth ctl SOCKET COMMAND [ARGS]  (%s)", names);
		return LAB_EXIT_BAD_INPUT;
	}
	if (strlen(argv[1]) >= sizeof(addr.sun_path)) {
		pr_err("ctl: socket path '%s' is too long", argv[1]);
		return LAB_EXIT_BAD_INPUT;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", argv[1]);
	for (int i = 2, used = 0; i < argc; i++) {
		int n = snprintf(line + used, sizeof(line) - (size_t)used, "%s%s", argv[i],
				 i + 1 < argc ? " " : "\n");

		if (n < 0 || (size_t)(used + n) >= sizeof(line)) {
			pr_err("ctl: command too long");
			return LAB_EXIT_BAD_INPUT;
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
		return LAB_EXIT_HOST_ERROR;
	}
	if (send_all(fd, line)) {
		pr_err("ctl: sending to %s: %s", argv[1], strerror(errno));
		close(fd);
		return LAB_EXIT_HOST_ERROR;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		ssize_t n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			pr_err("ctl: %s did not answer within %d s", argv[1],
			       CONTROL_CLIENT_TIMEOUT_MS / 1000);
			close(fd);
			return LAB_EXIT_HOST_ERROR;
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
		return LAB_EXIT_HOST_ERROR;
	}
	if (!strcmp(argv[argc - 1], "dommemstat") && buf[0] == '{')
		return print_memstat(argv[1], buf);
	fputs(buf, strncmp(buf, "error", 5) ? stdout : stderr);
	return strncmp(buf, "error", 5) ? LAB_EXIT_OK : LAB_EXIT_BAD_INPUT;
}
