/* SPDX-License-Identifier: MIT */
/*
 * The guest's hypercalls: `out %eax, %dx` to a LAB_HC_* port, with the bulk
 * of the data in the vCPU's mailbox (guest_abi.h). A guest that breaks the
 * protocol (a length past its buffer, a record outside RAM) is stopped with
 * a message that says what it sent.
 */
#include "hypercall.h"

#include <stdio.h>
#include <string.h>

#include "cpu.h"
#include "crash.h"
#include "fault_policy.h"
#include "memory.h"
#include "sampler.h"
#include "trace.h"
#include "util.h"
#include "vm.h"

static struct lab_mailbox *mailbox(struct vcpu *vcpu)
{
	return gpa_to_sys(vcpu->vm, LAB_GPA_MAILBOXES + (uint64_t)vcpu->id * LAB_MAILBOX_SIZE);
}

/* A guest may print without end: past --console-limit bytes per vCPU its
 * lines are counted, not printed (the last one is still kept). */
static void emit_line(struct vcpu *vcpu, const char *line, size_t len)
{
	uint64_t limit = vcpu->vm->cfg.console_limit;
	/* In a host, whose console it is. */
	const char *who = vcpu->vm->host ? vcpu->vm->cfg.name : "guest";

	memcpy(vcpu->last_line, line, len);
	vcpu->last_line[len] = '\0';
	if (vcpu->vm->cfg.quiet)
		return;
	if (limit && vcpu->console_printed + len + 1 > limit) {
		if (!vcpu->console_dropped)
			stderr_line("%s[%u]: ... (console output past --console-limit %llu "
				    "bytes is dropped from here on)\n", who, vcpu->id,
				    (unsigned long long)limit);
		vcpu->console_dropped += len + 1;
		return;
	}
	vcpu->console_printed += len + 1;
	stderr_line("%s[%u]: %.*s\n", who, vcpu->id, (int)len, line);
}

/* Console bytes arrive in pieces; lines are printed whole. */
static void console_write(struct vcpu *vcpu, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (c == '\n' || vcpu->console_len == LAB_CONSOLE_MAX) {
			emit_line(vcpu, vcpu->console, vcpu->console_len);
			vcpu->console_len = 0;
			if (c == '\n')
				continue;
		}
		/* Keep the output printable whatever the guest sends. */
		vcpu->console[vcpu->console_len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? c : '?';
	}
}

void hypercall_flush_console(struct vcpu *vcpu)
{
	if (vcpu->console_len) {
		emit_line(vcpu, vcpu->console, vcpu->console_len);
		vcpu->console_len = 0;
	}
}

static bool protocol_error(struct vcpu *vcpu, const char *what, uint32_t value)
{
	char why[200];

	snprintf(why, sizeof(why), "hypercall protocol error: %s (argument %u)", what, value);
	crash_dump(vcpu, why);
	return false;
}

static bool take_records(struct vcpu *vcpu, uint32_t n)
{
	struct vm *vm = vcpu->vm;
	const struct lab_touch_record *rec = mailbox(vcpu)->records;

	if (n > LAB_RECORDS_MAX)
		return protocol_error(vcpu, "LAB_HC_RECORDS: more records than the mailbox holds", n);
	for (uint32_t i = 0; i < n; i++) {
		if (rec[i].gpa < LAB_GPA_RAM_BASE || rec[i].gpa - LAB_GPA_RAM_BASE >= vm->ram_size)
			return protocol_error(vcpu, "LAB_HC_RECORDS: a record for a page outside "
					      "guest RAM", i);
		uint64_t ns = ticks_to_ns(rec[i].ticks, vm->tsc_khz);

		hist_record(vcpu->stats.guest, ns);
		fault_costs_note_guest_fault(vm->fault_costs, ns);
		if (vm->cfg.trace_path)
			trace_add(&vcpu->trace, rec[i].gpa, ns, TRACE_TOUCH, (uint8_t)vcpu->id);
	}
	atomic_fetch_add(&vcpu->stats.guest_records, n);
	return true;
}

/* A name or unit the guest wrote: NUL-terminated within its buffer, and
 * of the characters allowed. */
static bool text_ok(const char *s, size_t max, const char *allowed)
{
	size_t n = strnlen(s, max);

	if (!n || n == max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (allowed ? !strchr(allowed, s[i]) : s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

#define METRIC_NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_.-"

static bool take_metric(struct vcpu *vcpu)
{
	struct lab_metric m;
	unsigned i;

	memcpy(&m, &mailbox(vcpu)->metric, sizeof(m));
	if (!text_ok(m.name, sizeof(m.name), METRIC_NAME_CHARS))
		return protocol_error(vcpu, "LAB_HC_METRIC: a name of lowercase letters, digits, "
				      "'_', '.' or '-' expected", 0);
	if (!text_ok(m.unit, sizeof(m.unit), NULL))
		return protocol_error(vcpu, "LAB_HC_METRIC: a unit of printable characters "
				      "expected", 0);
	if (m.scale_pow10 > LAB_METRIC_SCALE_MAX)
		return protocol_error(vcpu, "LAB_HC_METRIC: scale_pow10 above its maximum",
				      m.scale_pow10);
	pthread_mutex_lock(&vcpu->result_lock);
	for (i = 0; i < vcpu->nr_metrics && strcmp(vcpu->metrics[i].name, m.name); i++)
		;
	if (i < VCPU_METRICS_MAX) {
		vcpu->metrics[i] = m;
		if (i == vcpu->nr_metrics)
			vcpu->nr_metrics++;
	}
	pthread_mutex_unlock(&vcpu->result_lock);
	if (i == VCPU_METRICS_MAX)
		return protocol_error(vcpu, "LAB_HC_METRIC: more figures than a vCPU may report",
				      VCPU_METRICS_MAX);
	return true;
}

bool hypercall_handle(struct vcpu *vcpu, uint16_t port, uint32_t value)
{
	struct vm *vm = vcpu->vm;

	switch (port) {
	case LAB_HC_CONSOLE:
		if (value > LAB_CONSOLE_MAX)
			return protocol_error(vcpu, "LAB_HC_CONSOLE: longer than the console buffer",
					      value);
		console_write(vcpu, mailbox(vcpu)->console, value);
		return true;
	case LAB_HC_RECORDS:
		return take_records(vcpu, value);
	case LAB_HC_RESULT:
		pthread_mutex_lock(&vcpu->result_lock);
		memcpy(&vcpu->result, &mailbox(vcpu)->result, sizeof(vcpu->result));
		vcpu->result_valid = true;
		pthread_mutex_unlock(&vcpu->result_lock);
		return true;
	case LAB_HC_METRIC:
		return take_metric(vcpu);
	case LAB_HC_EXIT:
		hypercall_flush_console(vcpu);
		vm_stop(vm, STOP_GUEST_EXIT, (int)value, "guest exited with status %u", value);
		return false;
	case LAB_HC_VCPU_DONE:
		hypercall_flush_console(vcpu);
		if (atomic_fetch_add(&vm->vcpus_done, 1) + 1 == vm->nr_vcpus)
			vm_stop(vm, STOP_GUEST_EXIT, 0, "every vCPU is done");
		return false;
	case LAB_HC_PHASE: {
		static const char *const names[] = {
			[LAB_PHASE_TOUCH] = "touch", [LAB_PHASE_VERIFY] = "verify",
			[LAB_PHASE_GROW] = "grow", [LAB_PHASE_HOLD] = "hold",
			[LAB_PHASE_SHRINK] = "shrink", [LAB_PHASE_RETOUCH] = "retouch",
			[LAB_PHASE_BUILD] = "build", [LAB_PHASE_RUN] = "run",
		};

		if (value < sizeof(names) / sizeof(names[0]) && names[value])
			sampler_event(vm, "phase %s", names[value]);
		else
			sampler_event(vm, "phase %u", value);
		return true;
	}
	case LAB_HC_PANIC: {
		char why[64];

		hypercall_flush_console(vcpu);
		snprintf(why, sizeof(why), "guest panic (assertion at line %u)", value);
		crash_dump(vcpu, why);
		return false;
	}
	default: {
		char why[96];

		snprintf(why, sizeof(why), "out to port %#x, which is not a labyrinth hypercall", port);
		crash_dump(vcpu, why);
		return false;
	}
	}
}
