/* SPDX-License-Identifier: MIT */
/*
 * Console output: a small printf into this vCPU's mailbox.console, handed
 * to the VMM with one LAB_HC_CONSOLE per line (or per full buffer).
 * Conversions: d i u x X p s c %, flags - 0 #, a width (or *), a precision
 * for %s (or .*), length modifiers hh h l ll z.
 */
#include "lab.h"
#include "cpu.h"

#define LAB_NUM_BUF 24          /* 2^64 in decimal is 20 digits */

static void lab_putc(struct lab_cpu *self, char c)
{
	self->mailbox->console[self->console_len++] = c;
	if (c == '\n' || self->console_len == LAB_CONSOLE_MAX)
		lab_console_flush();
}

static void lab_pad(struct lab_cpu *self, char c, int n)
{
	while (n-- > 0)
		lab_putc(self, c);
}

struct lab_fmt_spec {
	bool left, zero, alt;
	int width, precision;   /* precision < 0: none */
	char length;            /* 'H' hh, 'h', 'l', 'L' ll, 'z', or 0 */
};

static void lab_put_number(struct lab_cpu *self, const struct lab_fmt_spec *f, uint64_t v,
			   unsigned base, bool upper, bool negative)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[LAB_NUM_BUF];
	const char *prefix = "";
	int len = 0, prefix_len, pad;

	do {
		buf[len++] = digits[v % base];
		v /= base;
	} while (v);
	if (negative)
		prefix = "-";
	else if (f->alt && base == 16)
		prefix = upper ? "0X" : "0x";
	prefix_len = (int)strlen(prefix);
	pad = f->width - len - prefix_len;
	if (!f->left && !f->zero)
		lab_pad(self, ' ', pad);
	while (*prefix)
		lab_putc(self, *prefix++);
	if (!f->left && f->zero)
		lab_pad(self, '0', pad);
	while (len)
		lab_putc(self, buf[--len]);
	if (f->left)
		lab_pad(self, ' ', pad);
}

static void lab_put_string(struct lab_cpu *self, const struct lab_fmt_spec *f, const char *s)
{
	int len = 0;

	if (!s)
		s = "(null)";
	while (s[len] && (f->precision < 0 || len < f->precision))
		len++;
	if (!f->left)
		lab_pad(self, ' ', f->width - len);
	for (int i = 0; i < len; i++)
		lab_putc(self, s[i]);
	if (f->left)
		lab_pad(self, ' ', f->width - len);
}

static uint64_t lab_arg_unsigned(const struct lab_fmt_spec *f, va_list *ap)
{
	switch (f->length) {
	case 'H': return (unsigned char)va_arg(*ap, unsigned int);
	case 'h': return (unsigned short)va_arg(*ap, unsigned int);
	case 'l': return va_arg(*ap, unsigned long);
	case 'L': return va_arg(*ap, unsigned long long);
	case 'z': return va_arg(*ap, size_t);
	default:  return va_arg(*ap, unsigned int);
	}
}

static int64_t lab_arg_signed(const struct lab_fmt_spec *f, va_list *ap)
{
	switch (f->length) {
	case 'H': return (signed char)va_arg(*ap, int);
	case 'h': return (short)va_arg(*ap, int);
	case 'l': return va_arg(*ap, long);
	case 'L': return va_arg(*ap, long long);
	case 'z': return (int64_t)va_arg(*ap, size_t);
	default:  return va_arg(*ap, int);
	}
}

static void lab_vprintf_to(struct lab_cpu *self, const char *fmt, va_list *ap)
{
	for (; *fmt; fmt++) {
		struct lab_fmt_spec f = { .precision = -1 };

		if (*fmt != '%') {
			lab_putc(self, *fmt);
			continue;
		}
		for (;; fmt++) {
			if (fmt[1] == '-')
				f.left = true;
			else if (fmt[1] == '0')
				f.zero = true;
			else if (fmt[1] == '#')
				f.alt = true;
			else
				break;
		}
		fmt++;
		if (*fmt == '*') {
			f.width = va_arg(*ap, int);
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				f.width = f.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			f.precision = 0;
			if (*fmt == '*') {
				f.precision = va_arg(*ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					f.precision = f.precision * 10 + (*fmt++ - '0');
			}
		}
		if (*fmt == 'h' || *fmt == 'l') {
			f.length = *fmt++;
			if (*fmt == f.length) {
				f.length = f.length == 'h' ? 'H' : 'L';
				fmt++;
			}
		} else if (*fmt == 'z') {
			f.length = *fmt++;
		}

		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = lab_arg_signed(&f, ap);

			lab_put_number(self, &f, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, 10, false, v < 0);
			break;
		}
		case 'u':
			lab_put_number(self, &f, lab_arg_unsigned(&f, ap), 10, false, false);
			break;
		case 'x':
		case 'X':
			lab_put_number(self, &f, lab_arg_unsigned(&f, ap), 16, *fmt == 'X', false);
			break;
		case 'p':
			f.alt = true;
			lab_put_number(self, &f, (uintptr_t)va_arg(*ap, const void *), 16, false, false);
			break;
		case 's':
			lab_put_string(self, &f, va_arg(*ap, const char *));
			break;
		case 'c':
			lab_putc(self, (char)va_arg(*ap, int));
			break;
		case '%':
			lab_putc(self, '%');
			break;
		case '\0':
			return;
		default:        /* unknown conversion: show it as it was */
			lab_putc(self, '%');
			lab_putc(self, *fmt);
			break;
		}
	}
}

void lab_vprintf(const char *fmt, va_list ap)
{
	va_list copy;

	va_copy(copy, ap);
	lab_vprintf_to(lab_self(), fmt, &copy);
	va_end(copy);
}

void lab_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lab_vprintf_to(lab_self(), fmt, &ap);
	va_end(ap);
}

void lab_console_flush(void)
{
	struct lab_cpu *self = lab_self();

	if (self->console_len) {
		lab_hypercall(LAB_HC_CONSOLE, self->console_len);
		self->console_len = 0;
	}
}

int lab_usage_error(const char *fmt, ...)
{
	va_list ap;

	if (lab_vcpu_id() == 0) {
		lab_printf("%s: ", workload_name);
		va_start(ap, fmt);
		lab_vprintf_to(lab_self(), fmt, &ap);
		va_end(ap);
		lab_printf("\n");
	}
	return LAB_EXIT_USAGE;
}

_Noreturn void lab_panic_at(const char *file, int line, const char *fmt, ...)
{
	struct lab_cpu *self = lab_self();
	va_list ap;

	if (self->console_len)          /* end a half-written line first */
		lab_putc(self, '\n');
	lab_printf("%s: vCPU %u: PANIC at %s:%d: ", workload_name, self->id, file, line);
	va_start(ap, fmt);
	lab_vprintf_to(self, fmt, &ap);
	va_end(ap);
	lab_printf("\n");
	lab_hypercall_forever(LAB_HC_PANIC, (uint32_t)line);
}
