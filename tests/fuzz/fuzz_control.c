/* SPDX-License-Identifier: MIT */
/*
 * The control-socket protocol without a VM or a socket: the input is what
 * one client sends, fed to control_conn_input() in pieces as recv() would
 * return them, then control_conn_eof(); each line goes through
 * control_parse() and gets a reply (control_conn_reply()) the way the
 * control thread makes them, and the client reads some of its replies
 * between pieces.
 *
 * Input: byte 0 sets the piece size (0: all at once), byte 1 how much the
 * client reads after each piece (0: nothing, so replies pile up until it
 * is dropped); the rest is the byte stream.
 *
 * Properties: buffers stay within bounds; a line reaches the parser
 * NUL-terminated and shorter than CONTROL_LINE_MAX, never after the
 * connection ended; a parsed command is one the socket accepts; and no
 * byte that is not printable (tab aside) comes back in an error message.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "../../vmm/control.h"
#include "../../vmm/memtune.h"

#define READ_UNIT 64             /* byte 1 counts client reads in these */
#define STATS_REPLY_BYTES 1500   /* about what a `stats` line is */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_output();
	return 0;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if (!isprint((unsigned char)*s) && *s != '\t')
			return false;
	return true;
}

/* A guest's name as the parser takes it: printable, short, no space. */
static void check_name(const char *name)
{
	size_t n = strnlen(name, CFG_NAME_MAX);

	FUZZ_ASSERT(n < CFG_NAME_MAX && printable(name) && !strchr(name, ' ') && name[0] != '.');
}

static void check_command(const struct control_cmd *cmd)
{
	check_name(cmd->guest);
	check_name(cmd->pressure.guest);
	if (cmd->stats || cmd->memstat || cmd->guests) {
		FUZZ_ASSERT(cmd->stats + cmd->memstat + cmd->guests == 1);
		FUZZ_ASSERT(!cmd->guests || !cmd->guest[0]);
		return;
	}
	FUZZ_ASSERT(!cmd->guest[0]);
	switch (cmd->pressure.op) {
	case PRESSURE_POOL: case PRESSURE_RECLAIM:
		break;
	case PRESSURE_FRAGMENT: case PRESSURE_UNFRAGMENT:
		FUZZ_ASSERT(!cmd->pressure.guest[0]);
		break;
	case PRESSURE_QUOTA:
		FUZZ_ASSERT(cmd->pressure.vcpu < LAB_MAX_VCPUS);
		break;
	case PRESSURE_MIN_GUARANTEE: case PRESSURE_SOFT_LIMIT: case PRESSURE_HARD_LIMIT:
		FUZZ_ASSERT(cmd->pressure.guest[0]);
		break;
	case PRESSURE_WEIGHT:
		FUZZ_ASSERT(cmd->pressure.guest[0]);
		FUZZ_ASSERT(cmd->pressure.bytes >= 1 && cmd->pressure.bytes <= MEMTUNE_MAX_WEIGHT);
		return;
	default:
		FUZZ_ASSERT(!"a command the socket does not take");
	}
	FUZZ_ASSERT(cmd->pressure.bytes % 4096 == 0);
}

/* The control thread's handle_line(), with a stand-in for the VM's part. */
static void on_line(void *arg, struct control_conn *c, char *line, size_t len)
{
	char err[256], out[CONTROL_REPLY_MAX];
	struct control_cmd cmd;

	(void)arg;
	FUZZ_ASSERT(!c->drop && !c->eof);
	FUZZ_ASSERT(len < CONTROL_LINE_MAX && line[len] == '\0');
	if (control_parse(line, len, &cmd, err, sizeof(err))) {
		FUZZ_ASSERT(err[0] != '\0' && printable(err));
		snprintf(out, sizeof(out), "error: %s\n", err);
	} else if (cmd.stats || cmd.memstat || cmd.guests) {
		check_command(&cmd);
		memset(out, 'x', STATS_REPLY_BYTES);
		out[STATS_REPLY_BYTES] = '\n';
		out[STATS_REPLY_BYTES + 1] = '\0';
	} else {
		check_command(&cmd);
		FUZZ_ASSERT(printable(line));
		snprintf(out, sizeof(out), "ok\n");
	}
	control_conn_reply(c, out);
	FUZZ_ASSERT(c->out_len <= sizeof(c->out));
}

/* The client reads up to n bytes of its replies (conn_flush's part). */
static void client_reads(struct control_conn *c, size_t n)
{
	if (n > c->out_len)
		n = c->out_len;
	memmove(c->out, c->out + n, c->out_len - n);
	c->out_len -= n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct control_conn *c;
	size_t piece, reads;

	if (size < 2)
		return 0;
	piece = data[0] ? data[0] : size;
	reads = (size_t)data[1] * READ_UNIT;
	data += 2;
	size -= 2;
	c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->fd = -1;
	/* As the control thread: no more input once the client is done or dropped. */
	while (size && !c->eof && !c->drop) {
		size_t n = size < piece ? size : piece;

		control_conn_input(c, (const char *)data, n, on_line, NULL);
		FUZZ_ASSERT(c->in_len < sizeof(c->in) && c->out_len <= sizeof(c->out));
		client_reads(c, reads);
		data += n;
		size -= n;
	}
	control_conn_eof(c, on_line, NULL);
	FUZZ_ASSERT(c->eof && c->in_len == 0 && c->out_len <= sizeof(c->out));
	free(c);
	return 0;
}
