/* SPDX-License-Identifier: MIT */
/*
 * The guest's arguments (boot->args), parsed once by vCPU 0 before any
 * workload code runs and read-only afterwards. The accepted keys are the
 * common ones below plus the workload's workload_args; anything else, or a
 * malformed value, is reported with its column and ends the run with
 * LAB_EXIT_USAGE.
 */
#include "lab.h"

static const struct lab_arg_spec lab_common_args[] = {
	{ "seed",   LAB_ARG_U64, NULL },
	{ "mib",    LAB_ARG_U64, NULL },
	{ "offset", LAB_ARG_U64, NULL },
	LAB_ARG_END
};

static const struct lab_arg_spec *const lab_arg_tables[] = {
	lab_common_args, workload_args, NULL
};

static struct lab_args lab_args;

static void lab_print_accepted(void)
{
	lab_printf("%s: accepted keys:", workload_name);
	for (const struct lab_arg_spec *const *t = lab_arg_tables; *t; t++)
		for (const struct lab_arg_spec *s = *t; s->key; s++) {
			if (s->kind == LAB_ARG_U64)
				lab_printf(" %s=N", s->key);
			else
				lab_printf(" %s=%s", s->key, s->choices ? s->choices : "STRING");
		}
	lab_printf(" (N: decimal or 0x-hex, optional K/M/G suffix)\n");
}

int lab_args_load(void)
{
	const struct lab_boot_info *boot = lab_boot();
	struct lab_args *a = &lab_args;
	const char *what;

	switch (lab_args_parse(a, boot->args, sizeof(boot->args), lab_arg_tables)) {
	case LAB_ARGERR_NONE:
		return 0;
	case LAB_ARGERR_UNTERMINATED:
		lab_printf("%s: args: not NUL-terminated within %u bytes\n",
			   workload_name, LAB_ARGS_MAX);
		return LAB_EXIT_USAGE;
	case LAB_ARGERR_SYNTAX:
		what = "expected key=value";
		break;
	case LAB_ARGERR_UNKNOWN_KEY:
		what = "unknown key";
		break;
	case LAB_ARGERR_DUPLICATE_KEY:
		what = "key given twice";
		break;
	case LAB_ARGERR_BAD_NUMBER:
		what = "malformed number";
		break;
	case LAB_ARGERR_BAD_CHOICE:
		what = "value not among the choices";
		break;
	default:
		what = "cannot parse";
		break;
	}
	lab_printf("%s: args: %s at column %u: ", workload_name, what, a->error_column);
	if (a->error_value)
		lab_printf("key \"%s\", value \"%s\"\n", a->error_key, a->error_value);
	else
		lab_printf("\"%s\"\n", a->error_key);
	lab_printf("%s: args were: \"%s\"\n", workload_name, boot->args);
	lab_print_accepted();
	return LAB_EXIT_USAGE;
}

/* The spec of a key the workload reads: reading an undeclared key, or as
 * the wrong kind, is a bug in the workload. */
static const struct lab_arg_spec *lab_arg_declared(const char *key, enum lab_arg_kind kind)
{
	const struct lab_arg_spec *spec = lab_arg_spec_find(lab_arg_tables, key);

	if (!spec || spec->kind != kind)
		lab_panic("argument \"%s\" read but not declared as that kind", key);
	return spec;
}

uint64_t lab_arg_u64(const char *key, uint64_t default_value)
{
	const struct lab_arg_item *item;
	uint64_t value;

	lab_arg_declared(key, LAB_ARG_U64);
	item = lab_args_find(&lab_args, key);
	if (!item)
		return default_value;
	LAB_ASSERT(lab_parse_u64(item->value, &value));   /* validated when parsed */
	return value;
}

const char *lab_arg_str(const char *key, const char *default_value)
{
	const struct lab_arg_item *item;

	lab_arg_declared(key, LAB_ARG_STR);
	item = lab_args_find(&lab_args, key);
	return item ? item->value : default_value;
}

bool lab_arg_given(const char *key)
{
	if (!lab_arg_spec_find(lab_arg_tables, key))
		lab_panic("argument \"%s\" read but not declared", key);
	return lab_args_find(&lab_args, key) != NULL;
}
