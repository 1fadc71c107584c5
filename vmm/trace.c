/* SPDX-License-Identifier: MIT */
#include "trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "servicer.h"
#include "util.h"
#include "vm.h"

#define TRACE_INITIAL_CAP 4096u

void trace_add(struct trace_log *log, uint64_t gpa, uint64_t ns, uint8_t kind, uint8_t vcpu)
{
	if (log->nr == log->cap) {
		uint64_t cap = log->cap ? log->cap * 2 : TRACE_INITIAL_CAP;
		struct trace_event *ev = realloc(log->ev, cap * sizeof(*ev));

		if (!ev)
			return;
		log->ev = ev;
		log->cap = cap;
	}
	log->ev[log->nr++] = (struct trace_event){ .gpa = gpa, .ns = ns, .kind = kind,
						   .vcpu = vcpu };
}

void trace_free(struct trace_log *log)
{
	free(log->ev);
	memset(log, 0, sizeof(*log));
}

static void trace_dump(FILE *f, struct trace_log *log)
{
	for (uint64_t i = 0; i < log->nr; i++) {
		const struct trace_event *e = &log->ev[i];

		if (e->kind == TRACE_TOUCH)
			fprintf(f, "touch,%u,%#llx,%llu,\n", e->vcpu, (unsigned long long)e->gpa,
				(unsigned long long)e->ns);
		else
			fprintf(f, "fault,%u,%#llx,%llu,%s\n", e->vcpu, (unsigned long long)e->gpa,
				(unsigned long long)e->ns, fault_kind_names[e->kind]);
	}
	trace_free(log);
}

/* CSV: event,vcpu,gpa,ns,kind. */
int trace_write(struct vm *vm, const char *path)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f) {
		err = -errno;
		pr_err("--trace %s: cannot create: %s", path, strerror(errno));
		return err;
	}
	fprintf(f, "event,vcpu,gpa,ns,kind\n");
	for (unsigned i = 0; i < vm->nr_servicers; i++)
		trace_dump(f, &vm->servicers[i].trace);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		trace_dump(f, &vm->vcpus[i].trace);
	if (fclose(f)) {
		err = -errno;
		pr_err("--trace %s: write failed: %s", path, strerror(errno));
	}
	return err;
}
