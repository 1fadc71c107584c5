/* SPDX-License-Identifier: MIT */
/* libvirt domain XML (see domain.h). */
#include "domain.h"

#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "labyrinth/exit_status.h"
#include "loader.h"
#include "util.h"

#define DOMAIN_MAX_BYTES (1u << 20)
#define EMPTY_NODE "<node/>"          /* a test-driver host with nothing defined */
#define KIB_SHIFT 10

/* A domain file being read: where from, for every message. */
struct reading {
	const char *path;
	char dir[PATH_MAX];           /* relative paths in the file are relative to this */
	char context[PATH_MAX + 64];
};

static void libvirt_quiet(void *arg, virErrorPtr err)
{
	(void)arg;
	(void)err;
}

/* libvirt's last error, with its message and code, in our words; a
 * message of several lines (a schema's, a parser's) is indented. */
static void libvirt_error(const struct reading *rd, const char *doing)
{
	virErrorPtr e = virGetLastError();
	const char *msg = e && e->message ? e->message : "no reason given";
	char text[2048];
	size_t n = 0;

	for (const char *p = msg; *p && n + 4 < sizeof(text); p++) {
		text[n++] = *p;
		if (*p == '\n' && p[1]) {
			text[n++] = ' ';
			text[n++] = ' ';
		}
	}
	while (n && text[n - 1] == '\n')
		n--;
	text[n] = '\0';
	pr_err("domain %s: %s (libvirt error code %d): %s", rd->path, doing, e ? e->code : -1,
	       text);
}

static int read_text(const struct reading *rd, char **out)
{
	struct stat st;
	const char *why;
	char *text;
	ssize_t n;
	int fd = open_input_file(rd->path, &st, &why);

	if (fd < 0) {
		pr_err("domain %s: cannot open: %s", rd->path, why);
		return fd;
	}
	if ((uint64_t)st.st_size > DOMAIN_MAX_BYTES) {
		pr_err("domain %s: %lld bytes, larger than %u", rd->path, (long long)st.st_size,
		       DOMAIN_MAX_BYTES);
		close(fd);
		return -EFBIG;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, text, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size || memchr(text, '\0', (size_t)n)) {
		pr_err("domain %s: %s", rd->path, n < 0 ? strerror(errno)
			: n != st.st_size ? "short read" : "not a text file (a NUL byte)");
		free(text);
		return -EINVAL;
	}
	text[n] = '\0';
	*out = text;
	return 0;
}

/*
 * libvirt takes only absolute <kernel> paths; a domain file may give one
 * relative to itself, and this makes it absolute before libvirt sees it.
 * A file that does not parse is given to libvirt as it is, for libvirt's
 * own message. Returns the text to define (text itself, or a new one).
 */
static char *absolute_kernel(const struct reading *rd, char *text)
{
	xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), rd->path, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlXPathContextPtr ctx = doc ? xmlXPathNewContext(doc) : NULL;
	xmlXPathObjectPtr r = ctx ? xmlXPathEvalExpression((const xmlChar *)"/domain/os/kernel",
							   ctx) : NULL;
	char *kernel, *out = text;

	if (r && r->nodesetval && r->nodesetval->nodeNr == 1) {
		xmlNodePtr node = r->nodesetval->nodeTab[0];

		kernel = (char *)xmlNodeGetContent(node);
		if (kernel && kernel[0] && kernel[0] != '/') {
			char joined[PATH_MAX * 2];
			xmlChar *dump = NULL;
			int len = 0;

			snprintf(joined, sizeof(joined), "%s/%s", rd->dir, kernel);
			xmlNodeSetContent(node, (const xmlChar *)joined);
			xmlDocDumpMemory(doc, &dump, &len);
			if (dump && (out = strdup((const char *)dump)))
				free(text);
			else
				out = text;
			xmlFree(dump);
		}
		xmlFree(kernel);
	}
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return out;
}

/* A private test-driver connection on an empty host: nothing of another
 * domain (the default test host has one named "test") and nothing kept. */
static virConnectPtr open_private(const struct reading *rd, int *node_fd)
{
	char uri[64];
	virConnectPtr conn;

	*node_fd = memfd_create("labyrinth-node", MFD_CLOEXEC);
	if (*node_fd < 0 || write(*node_fd, EMPTY_NODE, strlen(EMPTY_NODE)) < 0) {
		pr_err("domain %s: a private libvirt host: %s", rd->path, strerror(errno));
		return NULL;
	}
	snprintf(uri, sizeof(uri), "test:///proc/self/fd/%d", *node_fd);
	conn = virConnectOpen(uri);
	if (!conn)
		libvirt_error(rd, "opening libvirt's test driver");
	return conn;
}

/* The text of the node at xpath, or NULL (to be xmlFree()d). */
static char *xpath_text(xmlXPathContextPtr ctx, const char *xpath)
{
	xmlXPathObjectPtr r = xmlXPathEvalExpression((const xmlChar *)xpath, ctx);
	char *text = NULL;

	if (r && r->nodesetval && r->nodesetval->nodeNr > 0)
		text = (char *)xmlNodeGetContent(r->nodesetval->nodeTab[0]);
	xmlXPathFreeObject(r);
	return text;
}

/* A number of KiB at xpath (libvirt gives memory back in KiB). */
static int xpath_kib(const struct reading *rd, xmlXPathContextPtr ctx, const char *xpath,
		     const char *what, uint64_t *bytes)
{
	char *text = xpath_text(ctx, xpath);
	uint64_t kib;
	int err = 0;

	if (!text || parse_uint(text, 0, UINT64_MAX >> KIB_SHIFT, &kib)) {
		pr_err("domain %s: %s %s", rd->path, what, text ? "is no number of KiB" : "is missing");
		err = -EINVAL;
	} else {
		*bytes = kib << KIB_SHIFT;
	}
	xmlFree(text);
	return err;
}

/* path as given in the file, relative to the file's directory; the
 * canonical path when there is a file there. */
static const char *resolve(const struct reading *rd, struct vm_config *cfg, const char *path)
{
	char joined[PATH_MAX * 2], canonical[PATH_MAX];

	snprintf(joined, sizeof(joined), "%s%s%s", path[0] == '/' ? "" : rd->dir,
		 path[0] == '/' ? "" : "/", path);
	return config_keep(cfg, realpath(joined, canonical) ? canonical : joined);
}

static int map_name(const struct reading *rd, xmlXPathContextPtr ctx, struct vm_config *cfg)
{
	char *name = xpath_text(ctx, "/domain/name");
	int err = 0;

	if (!name || !*name || strlen(name) >= sizeof(cfg->name)) {
		pr_err("domain %s: <name> %s", rd->path, !name || !*name ? "is missing"
		       : "is longer than labyrinth keeps (63 bytes)");
		err = -EINVAL;
	} else {
		for (char *p = name; *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				*p = '?';
		snprintf(cfg->name, sizeof(cfg->name), "%s", name);
		config_note_from_domain(cfg, "name");
	}
	xmlFree(name);
	return err;
}

static int map_memory(const struct reading *rd, xmlXPathContextPtr ctx, struct vm_config *cfg)
{
	uint64_t mem, current;
	char a[32], b[32];

	if (xpath_kib(rd, ctx, "/domain/memory", "<memory>", &mem) ||
	    xpath_kib(rd, ctx, "/domain/currentMemory", "<currentMemory>", &current))
		return -EINVAL;
	if (mem < CFG_MIN_MEM || mem > CFG_MAX_MEM || mem % CFG_MEM_ALIGN) {
		pr_err("domain %s: <memory> %s: labyrinth runs guests of a multiple of 2 MiB from "
		       "2 MiB to 256 GiB", rd->path, format_size(mem, a, sizeof(a)));
		return -EINVAL;
	}
	if (current > mem || current % PAGE_SIZE) {
		pr_err("domain %s: <currentMemory> %s: the frame pool must be whole pages, at most "
		       "<memory> %s", rd->path, format_size(current, a, sizeof(a)),
		       format_size(mem, b, sizeof(b)));
		return -EINVAL;
	}
	cfg->mem_bytes = mem;
	config_note_from_domain(cfg, "mem");
	/* A pool smaller than RAM is a setting; one as large follows --mem. */
	if (current < mem) {
		cfg->pool_bytes = current;
		cfg->pool_given = true;
		config_note_from_domain(cfg, "pool");
	}
	return 0;
}

/* One <memtune> element, when given: bytes, whole pages. */
static int memtune_value(const struct reading *rd, xmlXPathContextPtr ctx, const char *element,
			 uint64_t *bytes)
{
	char xpath[64], what[48], *text;
	char a[32];

	snprintf(xpath, sizeof(xpath), "/domain/memtune/%s", element);
	text = xpath_text(ctx, xpath);
	*bytes = 0;
	if (!text)
		return 0;
	xmlFree(text);
	snprintf(what, sizeof(what), "<memtune><%s>", element);
	if (xpath_kib(rd, ctx, xpath, what, bytes))
		return -EINVAL;
	if (*bytes % PAGE_SIZE) {
		pr_err("domain %s: %s %s: labyrinth counts frames of 4 KiB: a multiple of 4 KiB",
		       rd->path, what, format_size(*bytes, a, sizeof(a)));
		return -EINVAL;
	}
	return 0;
}

/* <memtune>: what a host promises the guest (memtune.h). libvirt keeps a
 * limit it was not given as "unlimited", which it writes back as the
 * largest number of KiB: that is no limit. */
static int map_memtune(const struct reading *rd, xmlXPathContextPtr ctx, struct vm_config *cfg)
{
	static const uint64_t unlimited = ((uint64_t)1 << 53) - 1;   /* KiB, libvirt's */
	uint64_t min, soft, hard, swap;
	char a[32], b[32];

	if (memtune_value(rd, ctx, "min_guarantee", &min) ||
	    memtune_value(rd, ctx, "soft_limit", &soft) ||
	    memtune_value(rd, ctx, "hard_limit", &hard) ||
	    memtune_value(rd, ctx, "swap_hard_limit", &swap))
		return -EINVAL;
	if (soft >= unlimited << KIB_SHIFT)
		soft = 0;
	if (hard >= unlimited << KIB_SHIFT)
		hard = 0;
	if (swap && swap < unlimited << KIB_SHIFT)
		pr_warn("domain %s: <memtune><swap_hard_limit> is left out: labyrinth does not "
			"limit what a guest may have in swap", rd->path);
	if (min > cfg->mem_bytes) {
		pr_err("domain %s: <memtune><min_guarantee> %s is more than the guest's <memory> %s",
		       rd->path, format_size(min, a, sizeof(a)),
		       format_size(cfg->mem_bytes, b, sizeof(b)));
		return -EINVAL;
	}
	if (soft && min > soft) {
		pr_err("domain %s: <memtune><min_guarantee> %s is above its <soft_limit> %s: reclaim "
		       "takes from above the soft limit first, never from below the guarantee",
		       rd->path, format_size(min, a, sizeof(a)), format_size(soft, b, sizeof(b)));
		return -EINVAL;
	}
	if (hard && (min > hard || soft > hard)) {
		pr_err("domain %s: <memtune><hard_limit> %s is below its <%s> %s", rd->path,
		       format_size(hard, a, sizeof(a)), min > hard ? "min_guarantee" : "soft_limit",
		       format_size(min > hard ? min : soft, b, sizeof(b)));
		return -EINVAL;
	}
	if (hard && hard < 16 * PAGE_SIZE) {
		pr_err("domain %s: <memtune><hard_limit> %s: at least 64K", rd->path,
		       format_size(hard, a, sizeof(a)));
		return -EINVAL;
	}
	cfg->min_guarantee_bytes = min;
	cfg->soft_limit_bytes = soft;
	cfg->hard_limit_bytes = hard;
	return 0;
}

static int map_vcpus(const struct reading *rd, xmlXPathContextPtr ctx, struct vm_config *cfg)
{
	char *text = xpath_text(ctx, "/domain/vcpu");
	uint64_t n;
	int err = 0;

	if (!text || parse_uint(text, 1, LAB_MAX_VCPUS, &n)) {
		pr_err("domain %s: <vcpu> '%s': labyrinth runs 1 to %u vCPUs", rd->path,
		       text ? text : "", LAB_MAX_VCPUS);
		err = -EINVAL;
	} else {
		cfg->nr_vcpus = (unsigned)n;
		config_note_from_domain(cfg, "vcpus");
	}
	xmlFree(text);
	return err;
}

static int map_os(struct reading *rd, xmlXPathContextPtr ctx, struct vm_config *cfg)
{
	char *kernel = xpath_text(ctx, "/domain/os/kernel");
	char *cmdline = xpath_text(ctx, "/domain/os/cmdline");
	char *save = NULL;
	int err = 0;

	if (!kernel || !*kernel) {
		pr_err("domain %s: <os><kernel> is missing: it names the guest image", rd->path);
		err = -EINVAL;
	} else if (!(cfg->image = resolve(rd, cfg, kernel))) {
		err = -ENOMEM;
	}
	cfg->guest_args[0] = '\0';
	snprintf(rd->context, sizeof(rd->context), "domain %s, <cmdline>",
		 rd->path);
	for (char *w = cmdline ? strtok_r(cmdline, " \t\n", &save) : NULL; w && !err;
	     w = strtok_r(NULL, " \t\n", &save))
		err = config_add_guest_arg(cfg, w, rd->context);
	xmlFree(kernel);
	xmlFree(cmdline);
	return err;
}

/* labyrinth cannot give a guest devices: say which are left out. */
static void warn_devices(const struct reading *rd, xmlXPathContextPtr ctx)
{
	xmlXPathObjectPtr r = xmlXPathEvalExpression((const xmlChar *)"/domain/devices/*", ctx);
	char list[256] = "";

	for (int i = 0; r && r->nodesetval && i < r->nodesetval->nodeNr; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s<%s>", i ? ", " : "",
			 (const char *)r->nodesetval->nodeTab[i]->name);
	if (list[0])
		pr_warn("domain %s: labyrinth gives the guest no devices: %s left out", rd->path,
			list);
	xmlXPathFreeObject(r);
}

/* Our <metadata>: one element per setting, as the run option of its name
 * takes it. */
static int map_settings(struct reading *rd, const char *xml, struct vm_config *cfg)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "metadata", NULL, XML_PARSE_NONET);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	int err = 0;

	if (!root) {
		pr_err("domain %s: labyrinth's <metadata> does not parse", rd->path);
		err = -EINVAL;
	}
	for (xmlNodePtr n = root ? root->children : NULL; n && !err; n = n->next) {
		const char *name = (const char *)n->name;
		char *text;
		const char *value = NULL;
		bool empty;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		text = (char *)xmlNodeGetContent(n);
		empty = !n->children;
		snprintf(rd->context, sizeof(rd->context), "domain %s, <%s:%s>: ", rd->path,
			 DOMAIN_NS_PREFIX, name);
		if (!empty && (!strcmp(name, "scenario") || !strcmp(name, "swap-dir")))
			value = resolve(rd, cfg, text);
		else if (!empty)
			value = text;
		switch (config_setting_takes_value(name)) {
		case -1:
			pr_err("domain %s: <%s:%s> is no labyrinth setting (these are: %s)",
			       rd->path, DOMAIN_NS_PREFIX, name, config_domain_setting_names());
			err = -EINVAL;
			break;
		case 0:
			if (!empty) {
				pr_err("domain %s: <%s:%s> is a flag: an empty element, without "
				       "the value '%s'", rd->path, DOMAIN_NS_PREFIX, name, text);
				err = -EINVAL;
			}
			break;
		default:
			if (empty) {
				pr_err("domain %s: <%s:%s> takes a value, as --%s does", rd->path,
				       DOMAIN_NS_PREFIX, name, name);
				err = -EINVAL;
			}
		}
		if (!err) {
			util_error_context = rd->context;
			err = config_set_option(cfg, name, value);
			util_error_context = NULL;
		}
		xmlFree(text);
	}
	xmlFreeDoc(doc);
	return err ? -EINVAL : 0;
}

/* What libvirt gives back, mapped. */
static int map_domain(struct reading *rd, virDomainPtr dom, struct vm_config *cfg)
{
	char *desc = virDomainGetXMLDesc(dom, 0), *meta;
	xmlDocPtr doc = desc ? xmlReadMemory(desc, (int)strlen(desc), rd->path, NULL,
					     XML_PARSE_NONET) : NULL;
	xmlXPathContextPtr ctx = doc ? xmlXPathNewContext(doc) : NULL;
	int err;

	if (!ctx) {
		if (!desc)
			libvirt_error(rd, "reading the domain back");
		else
			pr_err("domain %s: libvirt's description of it does not parse", rd->path);
		err = -EINVAL;
		goto out;
	}
	err = map_name(rd, ctx, cfg);
	if (!err)
		err = map_memory(rd, ctx, cfg);
	if (!err)
		err = map_memtune(rd, ctx, cfg);
	if (!err)
		err = map_vcpus(rd, ctx, cfg);
	if (!err)
		err = map_os(rd, ctx, cfg);
	if (err)
		goto out;
	warn_devices(rd, ctx);
	meta = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, DOMAIN_NS, 0);
	if (meta)
		err = map_settings(rd, meta, cfg);
	free(meta);
out:
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	free(desc);
	return err;
}

int domain_load(const char *path, struct vm_config *cfg)
{
	struct reading rd = { .path = path };
	char copy[PATH_MAX], *text = NULL;
	virConnectPtr conn = NULL;
	virDomainPtr dom = NULL;
	int node_fd = -1, err;

	snprintf(copy, sizeof(copy), "%s", path);
	if (!realpath(dirname(copy), rd.dir))
		snprintf(rd.dir, sizeof(rd.dir), "%s", dirname(copy));
	cfg->domain_path = path;
	/* libvirt prints every error on stderr unless told otherwise. */
	virSetErrorFunc(NULL, libvirt_quiet);
	err = read_text(&rd, &text);
	if (err)
		return -EINVAL;
	text = absolute_kernel(&rd, text);
	conn = open_private(&rd, &node_fd);
	err = -EINVAL;
	if (!conn)
		goto out;
	dom = virDomainDefineXMLFlags(conn, text, VIR_DOMAIN_DEFINE_VALIDATE);
	if (!dom) {
		libvirt_error(&rd, "libvirt refuses it");
		goto out;
	}
	err = map_domain(&rd, dom, cfg);
out:
	if (dom) {
		virDomainUndefine(dom);
		virDomainFree(dom);
	}
	if (conn)
		virConnectClose(conn);
	if (node_fd >= 0)
		close(node_fd);
	free(text);
	return err ? -EINVAL : 0;
}

/* ---- writing ---- */

static void xml_escaped(FILE *out, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '\'': fputs("&apos;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
}

/* A path the domain can be read back with from anywhere: absolute. */
static void xml_path(FILE *out, const char *path)
{
	char abs[PATH_MAX];

	xml_escaped(out, realpath(path, abs) ? abs : path);
}

static void emit_setting(void *arg, const char *name, const char *value)
{
	FILE *out = arg;

	fprintf(out, "      <%s:%s", DOMAIN_NS_PREFIX, name);
	if (!value) {
		fputs("/>\n", out);
		return;
	}
	fputc('>', out);
	if (!strcmp(name, "scenario") || !strcmp(name, "swap-dir"))
		xml_path(out, value);
	else
		xml_escaped(out, value);
	fprintf(out, "</%s:%s>\n", DOMAIN_NS_PREFIX, name);
}

int domain_print(const struct vm_config *cfg, FILE *out)
{
	fprintf(out, "<domain type='kvm'>\n  <name>");
	xml_escaped(out, cfg->name);
	fprintf(out, "</name>\n  <memory unit='KiB'>%" PRIu64 "</memory>\n"
		"  <currentMemory unit='KiB'>%" PRIu64 "</currentMemory>\n"
		"  <vcpu>%u</vcpu>\n", cfg->mem_bytes >> KIB_SHIFT, cfg->pool_bytes >> KIB_SHIFT,
		cfg->nr_vcpus);
	if (cfg->min_guarantee_bytes || cfg->soft_limit_bytes || cfg->hard_limit_bytes) {
		fprintf(out, "  <memtune>\n");
		if (cfg->hard_limit_bytes)
			fprintf(out, "    <hard_limit unit='KiB'>%" PRIu64 "</hard_limit>\n",
				cfg->hard_limit_bytes >> KIB_SHIFT);
		if (cfg->soft_limit_bytes)
			fprintf(out, "    <soft_limit unit='KiB'>%" PRIu64 "</soft_limit>\n",
				cfg->soft_limit_bytes >> KIB_SHIFT);
		if (cfg->min_guarantee_bytes)
			fprintf(out, "    <min_guarantee unit='KiB'>%" PRIu64 "</min_guarantee>\n",
				cfg->min_guarantee_bytes >> KIB_SHIFT);
		fprintf(out, "  </memtune>\n");
	}
	fprintf(out, "  <os>\n    <type arch='x86_64'>hvm</type>\n    <kernel>");
	xml_path(out, cfg->image);
	fprintf(out, "</kernel>\n");
	if (cfg->guest_args[0]) {
		fprintf(out, "    <cmdline>");
		xml_escaped(out, cfg->guest_args);
		fprintf(out, "</cmdline>\n");
	}
	fprintf(out, "  </os>\n  <metadata>\n    <%s:labyrinth xmlns:%s='%s'>\n", DOMAIN_NS_PREFIX,
		DOMAIN_NS_PREFIX, DOMAIN_NS);
	config_each_domain_setting(cfg, emit_setting, out);
	fprintf(out, "    </%s:labyrinth>\n  </metadata>\n</domain>\n", DOMAIN_NS_PREFIX);
	return ferror(out) ? -EIO : 0;
}

/* ---- labyrinth domain ---- */

static void print_setting(void *arg, const char *name, const char *value)
{
	fprintf(arg, "  %s%s%s\n", name, value ? " " : "", value ? value : "");
}

int domain_main(int argc, char **argv)
{
	struct vm_config cfg;
	char mem[32], pool[32], hard[32];
	int err;

	if (argc != 3 || strcmp(argv[1], "validate")) {
		pr_err("usage: labyrinth domain validate FILE.xml");
		return LAB_EXIT_BAD_INPUT;
	}
	config_defaults(&cfg);
	err = domain_load(argv[2], &cfg);
	if (!err)
		err = config_check(&cfg);
	if (!err) {
		char context[PATH_MAX + 32];

		snprintf(context, sizeof(context), "domain %s, <kernel>: ", argv[2]);
		util_error_context = context;
		err = loader_check_file(cfg.image);
		util_error_context = NULL;
	}
	if (err) {
		config_release(&cfg);
		return LAB_EXIT_BAD_INPUT;
	}
	printf("%s: domain '%s' is valid for labyrinth: %u vCPU%s, memory %s, pool %s\n"
	       "  kernel %s\n  guest arguments: %s\nsettings:\n", argv[2], cfg.name, cfg.nr_vcpus,
	       cfg.nr_vcpus == 1 ? "" : "s", format_size(cfg.mem_bytes, mem, sizeof(mem)),
	       format_size(cfg.pool_bytes, pool, sizeof(pool)), cfg.image,
	       cfg.guest_args[0] ? cfg.guest_args : "(none)");
	config_each_domain_setting(&cfg, print_setting, stdout);
	if (cfg.min_guarantee_bytes || cfg.soft_limit_bytes || cfg.hard_limit_bytes)
		printf("memtune (what a host promises it):\n  min_guarantee %s\n  soft_limit %s\n"
		       "  hard_limit %s\n",
		       cfg.min_guarantee_bytes ? format_size(cfg.min_guarantee_bytes, mem, sizeof(mem))
					       : "none",
		       cfg.soft_limit_bytes ? format_size(cfg.soft_limit_bytes, pool, sizeof(pool))
					    : "none",
		       cfg.hard_limit_bytes ? format_size(cfg.hard_limit_bytes, hard, sizeof(hard))
					    : "none");
	config_release(&cfg);
	return LAB_EXIT_OK;
}
