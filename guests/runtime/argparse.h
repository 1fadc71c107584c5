/* SPDX-License-Identifier: MIT */
/*
 * Guest arguments: "key=value key=value", whitespace separated, checked
 * against tables of accepted keys. Everything is validated up front (unknown
 * key, duplicate, malformed number, value not among the choices), so a
 * workload that starts has only good arguments. On an error the parser says
 * what and where (column, key, value); the runtime prints it. Pure C, no
 * runtime dependencies: the host unit tests include it.
 *
 * Numbers: decimal, or hexadecimal with 0x; an optional suffix K, M or G
 * (either case) multiplies by 2^10, 2^20, 2^30. Overflow is malformed.
 */
#ifndef LAB_GUEST_ARGPARSE_H
#define LAB_GUEST_ARGPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <labyrinth/guest_abi.h>

enum lab_arg_kind {
	LAB_ARG_NONE,           /* ends a table */
	LAB_ARG_U64,
	LAB_ARG_STR,
};

struct lab_arg_spec {
	const char *key;            /* NULL ends a table */
	enum lab_arg_kind kind;
	const char *choices;        /* LAB_ARG_STR: "seq|random"; NULL: any value */
};

#define LAB_ARG_END { NULL, LAB_ARG_NONE, NULL }

enum lab_arg_error {
	LAB_ARGERR_NONE,
	LAB_ARGERR_UNTERMINATED,    /* no NUL within LAB_ARGS_MAX */
	LAB_ARGERR_SYNTAX,          /* no '=', empty key or empty value */
	LAB_ARGERR_UNKNOWN_KEY,
	LAB_ARGERR_DUPLICATE_KEY,
	LAB_ARGERR_BAD_NUMBER,
	LAB_ARGERR_BAD_CHOICE,
};

/* "k=v" plus a separator: at most this many items fit in LAB_ARGS_MAX. */
#define LAB_ARG_ITEMS_MAX (LAB_ARGS_MAX / 4u)

struct lab_arg_item {
	const char *key, *value;        /* NUL-terminated, in lab_args.text */
	const struct lab_arg_spec *spec;
	uint32_t column;                /* 1-based column of the key */
};

struct lab_args {
	char text[LAB_ARGS_MAX];        /* the arguments, split by NULs */
	struct lab_arg_item items[LAB_ARG_ITEMS_MAX];
	uint32_t count;
	/* Set when lab_args_parse fails; key and value point into text. */
	enum lab_arg_error error;
	uint32_t error_column;          /* 1-based, of the offending text */
	const char *error_key, *error_value;
};

static inline bool lab_argp_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static inline bool lab_argp_streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* Parses a whole string as a number (see above); false if malformed. */
static inline bool lab_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0, base = 10;
	unsigned digits = 0, shift = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++, digits++) {
		uint64_t d;

		if (*s >= '0' && *s <= '9')
			d = (uint64_t)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (uint64_t)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (uint64_t)(*s - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (digits == 0)
		return false;
	switch (*s) {
	case 'k': case 'K': shift = 10; s++; break;
	case 'm': case 'M': shift = 20; s++; break;
	case 'g': case 'G': shift = 30; s++; break;
	default: break;
	}
	if (*s != '\0' || (shift && v > (UINT64_MAX >> shift)))
		return false;
	*out = v << shift;
	return true;
}

/* Whether value is one of the '|'-separated choices. */
static inline bool lab_arg_choice_ok(const char *choices, const char *value)
{
	const char *c = choices;

	for (;;) {
		const char *v = value;

		while (*v && *v == *c)
			v++, c++;
		if (*v == '\0' && (*c == '|' || *c == '\0'))
			return true;
		while (*c && *c != '|')
			c++;
		if (*c == '\0')
			return false;
		c++;
	}
}

/* The spec for key in a NULL-terminated list of tables, or NULL. */
static inline const struct lab_arg_spec *
lab_arg_spec_find(const struct lab_arg_spec *const *tables, const char *key)
{
	for (; *tables; tables++)
		for (const struct lab_arg_spec *s = *tables; s->key; s++)
			if (lab_argp_streq(s->key, key))
				return s;
	return NULL;
}

static inline const struct lab_arg_item *lab_args_find(const struct lab_args *a, const char *key)
{
	for (uint32_t i = 0; i < a->count; i++)
		if (lab_argp_streq(a->items[i].key, key))
			return &a->items[i];
	return NULL;
}

static inline enum lab_arg_error lab_argp_fail(struct lab_args *a, enum lab_arg_error e,
					       uint32_t column, const char *key, const char *value)
{
	a->error = e;
	a->error_column = column;
	a->error_key = key;
	a->error_value = value;
	a->count = 0;           /* a failed parse offers no arguments */
	return e;
}

/*
 * Parses args (at most args_max bytes, NUL-terminated within them) into a,
 * accepting the keys of the NULL-terminated list of spec tables.
 */
static inline enum lab_arg_error lab_args_parse(struct lab_args *a, const char *args, size_t args_max,
						const struct lab_arg_spec *const *tables)
{
	size_t len = 0, i = 0;

	a->count = 0;
	a->error = LAB_ARGERR_NONE;
	a->error_column = 0;
	a->error_key = a->error_value = NULL;
	if (args_max > sizeof(a->text))
		args_max = sizeof(a->text);
	while (len < args_max && args[len] != '\0')
		len++;
	if (len == args_max)
		return lab_argp_fail(a, LAB_ARGERR_UNTERMINATED, (uint32_t)len, NULL, NULL);
	for (size_t j = 0; j <= len; j++)
		a->text[j] = args[j];

	for (;;) {
		size_t key_at, eq = SIZE_MAX, value_at, end;
		struct lab_arg_item *item;
		const struct lab_arg_spec *spec;
		uint64_t number;

		while (i < len && lab_argp_space(a->text[i]))
			i++;
		if (i == len)
			return LAB_ARGERR_NONE;
		key_at = i;
		while (i < len && !lab_argp_space(a->text[i])) {
			if (a->text[i] == '=' && eq == SIZE_MAX)
				eq = i;
			i++;
		}
		end = i;
		a->text[end] = '\0';    /* ends the token (a separator or the NUL) */
		if (eq == SIZE_MAX || eq == key_at || eq + 1 == end)
			return lab_argp_fail(a, LAB_ARGERR_SYNTAX, (uint32_t)key_at + 1,
					     &a->text[key_at], NULL);
		a->text[eq] = '\0';
		value_at = eq + 1;
		i = end + (end < len);

		spec = lab_arg_spec_find(tables, &a->text[key_at]);
		if (!spec)
			return lab_argp_fail(a, LAB_ARGERR_UNKNOWN_KEY, (uint32_t)key_at + 1,
					     &a->text[key_at], &a->text[value_at]);
		if (lab_args_find(a, spec->key))
			return lab_argp_fail(a, LAB_ARGERR_DUPLICATE_KEY, (uint32_t)key_at + 1,
					     &a->text[key_at], &a->text[value_at]);
		if (spec->kind == LAB_ARG_U64 && !lab_parse_u64(&a->text[value_at], &number))
			return lab_argp_fail(a, LAB_ARGERR_BAD_NUMBER, (uint32_t)value_at + 1,
					     &a->text[key_at], &a->text[value_at]);
		if (spec->kind == LAB_ARG_STR && spec->choices &&
		    !lab_arg_choice_ok(spec->choices, &a->text[value_at]))
			return lab_argp_fail(a, LAB_ARGERR_BAD_CHOICE, (uint32_t)value_at + 1,
					     &a->text[key_at], &a->text[value_at]);
		/* Cannot overflow: an item takes at least 4 bytes of text ("k=v"
		 * and a separator or the final NUL). */
		item = &a->items[a->count++];
		item->key = &a->text[key_at];
		item->value = &a->text[value_at];
		item->spec = spec;
		item->column = (uint32_t)key_at + 1;
	}
}

#endif
