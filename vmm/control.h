/* SPDX-License-Identifier: MIT */
/*
 * Live control over a Unix socket (--control SOCKET): one command a line,
 * the scenario commands (pool, quota, reclaim, fragment, unfragment, and
 * `guest NAME` with a command about one guest) plus `stats`, `dommemstat`
 * (each also of one guest) and `guests`; each gets one reply line: "ok",
 * "error: ..." or, for stats, dommemstat and guests, JSON. `labyrinth ctl SOCKET
 * COMMAND...` is the client (it prints dommemstat as virsh does).
 *
 * The control thread serves up to CONTROL_MAX_CLIENTS connections at once
 * from one poll loop that also watches the run's stop event, so no client
 * can delay the end of a run: sockets are non-blocking, replies a client
 * does not read pile up to CONTROL_OUT_MAX bytes and then the client is
 * dropped, an idle client is simply left open until the run ends.
 */
#ifndef LABYRINTH_VMM_CONTROL_H
#define LABYRINTH_VMM_CONTROL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "pressure.h"
#include "util.h"

#define CONTROL_LINE_MAX    512u          /* a command line, with its '\n' */
#define CONTROL_REPLY_MAX   8192u         /* one reply */
#define CONTROL_OUT_MAX     (4 * CONTROL_REPLY_MAX)  /* unread replies a client may have */
#define CONTROL_MAX_CLIENTS 8u

struct vm;

/* One client connection: its partial input line and its unsent replies. */
struct control_conn {
	int fd;
	size_t in_len;
	size_t out_len;
	bool eof;                     /* the client is done sending: flush, then close */
	bool drop;                    /* close now: it broke the protocol or reads nothing */
	char in[CONTROL_LINE_MAX];
	char out[CONTROL_OUT_MAX];
};

struct control_cmd;

/* The reply to a parsed command line (one line, '\n' included, into out):
 * the part of the protocol that needs what the socket controls, a VM run
 * alone or a host. Context: the control thread. */
typedef void control_answer_fn(void *target, struct control_cmd *cmd, const char *line,
			       char *out, size_t len);

struct control {
	control_answer_fn *answer;
	void *target;
	int listen_fd;
	bool bound;                   /* the socket at path is ours to remove */
	char path[108];
	struct worker worker;
	struct control_conn *conns[CONTROL_MAX_CLIENTS];
};

/* A parsed command line. */
struct control_cmd {
	bool stats;                   /* `[guest NAME] stats` */
	bool memstat;                 /* `[guest NAME] dommemstat` */
	bool guests;                  /* `guests`; none of the three: `pressure` */
	char guest[CFG_NAME_MAX];     /* the guest of stats or dommemstat, or "" */
	struct pressure_cmd pressure; /* with its own guest */
};

/*
 * The protocol without a VM, for the thread and the fuzz target alike.
 *
 * control_conn_input() appends n received bytes to the connection and
 * calls line(arg, conn, text, len) for each complete line (NUL-terminated
 * in place; len counts the bytes received, so a NUL inside shows as
 * strlen(text) != len). A line longer than CONTROL_LINE_MAX gets an error
 * reply and ends the connection. At EOF, control_conn_eof() hands over a
 * last line that lacks its '\n'.
 */
typedef void control_line_fn(void *arg, struct control_conn *c, char *line, size_t len);
void control_conn_input(struct control_conn *c, const char *data, size_t n,
			control_line_fn *line, void *arg);
void control_conn_eof(struct control_conn *c, control_line_fn *line, void *arg);
/* Queues a reply; a client with more than CONTROL_OUT_MAX unread bytes is
 * marked to be dropped. */
void control_conn_reply(struct control_conn *c, const char *text);
/*
 * Parses one command line (non-printable bytes are replaced by '?' in
 * place first, so that they never reach a terminal or a report). 0, or
 * -EINVAL with the reason in err.
 */
int control_parse(char *line, size_t len, struct control_cmd *cmd, char *err, size_t errlen);

/* -EEXIST (and a message) when path exists and is no socket. */
int control_check_path(const char *path);
/* Makes the socket at path and starts its thread, which answers each
 * command with answer(target, ...); control_close() stops it and takes
 * the socket away. Context: the main thread. */
int control_open(const char *path, control_answer_fn *answer, void *target,
		 struct control **out);
void control_close(struct control *ctl);
/* A VM run alone: at the start of the run, and after it. */
int control_start(struct vm *vm, const char *path);
void control_stop(struct vm *vm);
/* The client: returns the process exit status. */
int control_client(int argc, char **argv);

/*
 * The commands, as documentation: the usage of `labyrinth ctl`, its
 * manual page and the shell completion read this table. Each example is
 * a line control_parse() takes (a test parses every one), so the table
 * names no command the socket does not know.
 */
struct control_command_doc {
	const char *name;
	const char *args;             /* NULL: none */
	const char *help;
	const char *example;
};
extern const struct control_command_doc control_commands[];
extern const size_t nr_control_commands;
/* `labyrinth ctl --help`. */
void control_usage(FILE *out);

#endif
