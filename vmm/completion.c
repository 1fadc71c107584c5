/* SPDX-License-Identifier: MIT */
#include "completion.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "control.h"
#include "host.h"
#include "plot.h"
#include "util.h"
#include "version.h"

/* Words for a bash variable in single quotes: the tables' names are
 * plain words (letters, digits, '-', '.', '*'), which the tests of the
 * option table keep so. */
static void word(FILE *out, bool *first, const char *w)
{
	fprintf(out, "%s%s", *first ? "" : " ", w);
	*first = false;
}

static void option_word(FILE *out, bool *first, const char *name)
{
	fprintf(out, "%s--%s", *first ? "" : " ", name);
	*first = false;
}

/* The data: one variable per list, from the tables. */
static void emit_lists(FILE *out)
{
	struct option_doc d;
	bool first = true;

	fputs("_labyrinth_commands='", out);
	for (size_t i = 0; i < nr_cli_commands; i++)
		word(out, &first, cli_commands[i].name);
	fputs("'\n_labyrinth_run_options='", out);
	first = true;
	for (size_t i = 0; i < config_option_count(); i++) {
		config_option_doc(i, &d);
		option_word(out, &first, d.name);
	}
	word(out, &first, "--help");
	/* Between spaces, for [[ $list == *" $word "* ]]. */
	fputs("'\n_labyrinth_run_valued=' ", out);
	for (size_t i = 0; i < config_option_count(); i++) {
		config_option_doc(i, &d);
		if (d.arg)
			fprintf(out, "--%s ", d.name);
	}
	fputs("'\n_labyrinth_run_repeatable=' ", out);
	for (size_t i = 0; i < config_option_count(); i++) {
		config_option_doc(i, &d);
		if (d.repeatable)
			fprintf(out, "--%s ", d.name);
	}
	fputs("'\n_labyrinth_ctl_commands='", out);
	first = true;
	for (size_t i = 0; i < nr_control_commands; i++)
		word(out, &first, control_commands[i].name);
	fputs("'\n_labyrinth_plot_options='", out);
	first = true;
	for (size_t i = 0; i < nr_plot_options; i++)
		word(out, &first, plot_options[i].name);
	fputs("'\n_labyrinth_host_options='", out);
	first = true;
	for (size_t i = 0; i < nr_host_options; i++)
		option_word(out, &first, host_options[i].name);
	word(out, &first, "--help");
	fputs("'\n_labyrinth_host_valued=' ", out);
	for (size_t i = 0; i < nr_host_options; i++)
		if (host_options[i].arg)
			fprintf(out, "--%s ", host_options[i].name);
	fputs("'\n\n", out);
}

/* The value of each host option that takes one, by its argument's name
 * (FILE.ext, SOCKET: as for run's options). */
static void emit_host_values(FILE *out)
{
	fputs("# The value of option $1 of labyrinth host, from $2.\n"
	      "_labyrinth_host_value()\n{\n\tcase $1 in\n", out);
	for (size_t i = 0; i < nr_host_options; i++) {
		const struct host_option_doc *o = &host_options[i];

		if (!o->arg)
			continue;
		if (!strncmp(o->arg, "FILE.", 5))
			fprintf(out, "\t--%s) _labyrinth_files \"$2\" '*%s' ;;\n", o->name, o->arg + 4);
		else if (!strcmp(o->arg, "SOCKET"))
			fprintf(out, "\t--%s) _labyrinth_sockets \"$2\" ;;\n", o->name);
	}
	fputs("\tesac\n}\n\n", out);
}

/* The value of each run option that takes one, by what completes it. */
static void emit_run_values(FILE *out)
{
	struct option_doc d;
	bool any_text = false;

	fputs("# The value of option $1 of labyrinth run, from $2; status 1 when $1\n"
	      "# takes none.\n"
	      "_labyrinth_run_value()\n{\n\tcase $1 in\n", out);
	for (size_t i = 0; i < config_option_count(); i++) {
		config_option_doc(i, &d);
		switch (d.value) {
		case OPTION_CHOICE:
			fprintf(out, "\t--%s) COMPREPLY+=($(compgen -W '", d.name);
			for (unsigned k = 0; k < d.nr_choices; k++)
				fprintf(out, "%s%s", k ? " " : "", d.choices[k]);
			fputs("' -- \"$2\")) ;;\n", out);
			break;
		case OPTION_FILE:
			fprintf(out, "\t--%s) _labyrinth_files \"$2\" '%s' ;;\n", d.name, d.files);
			break;
		case OPTION_DIR:
			fprintf(out, "\t--%s) _labyrinth_dirs \"$2\" ;;\n", d.name);
			break;
		case OPTION_SOCKET:
			fprintf(out, "\t--%s) _labyrinth_sockets \"$2\" ;;\n", d.name);
			break;
		case OPTION_TEXT:
			any_text = true;
			break;
		case OPTION_FLAG:
			break;
		}
	}
	/* Sizes, numbers, durations: nothing to offer, but they take a value. */
	if (any_text) {
		bool first = true;

		fputs("\t", out);
		for (size_t i = 0; i < config_option_count(); i++) {
			config_option_doc(i, &d);
			if (d.value == OPTION_TEXT) {
				fprintf(out, "%s--%s", first ? "" : " | ", d.name);
				first = false;
			}
		}
		fputs(") ;;\n", out);
	}
	fputs("\t*) return 1 ;;\n\tesac\n}\n\n", out);
}

/* Literal words a ctl command takes after its name, by position: "quota
 * VCPU SIZE|off" takes `off` as its second. */
static void emit_ctl_literals(FILE *out)
{
	fputs("# Literal words of ctl command $1 at its argument $2.\n"
	      "_labyrinth_ctl_literals()\n{\n\tcase $1:$2 in\n", out);
	for (size_t i = 0; i < nr_control_commands; i++) {
		const char *p = control_commands[i].args;

		for (unsigned pos = 1; p && *p; pos++) {
			size_t n = strcspn(p, " ");
			char literals[64] = "";

			for (const char *alt = p; alt < p + n;) {
				size_t m = strcspn(alt, "| ");

				if (m && islower((unsigned char)alt[0]))
					snprintf(literals + strlen(literals),
						 sizeof(literals) - strlen(literals), "%s%.*s",
						 literals[0] ? " " : "", (int)m, alt);
				alt += m + (alt[m] == '|');
			}
			if (literals[0])
				fprintf(out, "\t%s:%u) echo '%s' ;;\n", control_commands[i].name, pos,
					literals);
			p += n + (p[n] == ' ');
		}
	}
	fputs("\tesac\n}\n\n", out);
}

static const char script_functions[] =
"# Files matching $2 ('' for any) and directories, from $1.\n"
"_labyrinth_files()\n"
"{\n"
"\tlocal IFS=$'\\n'\n"
"\tcompopt -o filenames 2>/dev/null\n"
"\tif [[ -n $2 ]]; then\n"
"\t\tCOMPREPLY+=($(compgen -d -- \"$1\") $(compgen -f -X \"!$2\" -- \"$1\"))\n"
"\telse\n"
"\t\tCOMPREPLY+=($(compgen -f -- \"$1\"))\n"
"\tfi\n"
"}\n"
"\n"
"_labyrinth_dirs()\n"
"{\n"
"\tlocal IFS=$'\\n'\n"
"\tcompopt -o filenames 2>/dev/null\n"
"\tCOMPREPLY+=($(compgen -d -- \"$1\"))\n"
"}\n"
"\n"
"# Unix sockets, and directories to find them in, from $1.\n"
"_labyrinth_sockets()\n"
"{\n"
"\tlocal IFS=$'\\n' f\n"
"\tcompopt -o filenames 2>/dev/null\n"
"\tfor f in $(compgen -f -- \"$1\"); do\n"
"\t\t[[ -S $f || -d $f ]] && COMPREPLY+=(\"$f\")\n"
"\tdone\n"
"}\n"
"\n"
"# labyrinth run: w[1..c], c the word completed.\n"
"_labyrinth_run()\n"
"{\n"
"\tlocal i word given=' ' cur=${w[c]} o opts=()\n"
"\tfor ((i = 2; i < c; i++)); do\n"
"\t\tword=${w[i]}\n"
"\t\t[[ $word == -- ]] && return   # the guest's key=value arguments\n"
"\t\tif [[ $word == --*=* ]]; then\n"
"\t\t\tgiven+=\"${word%%=*} \"\n"
"\t\telif [[ $word == -* ]]; then\n"
"\t\t\tgiven+=\"$word \"\n"
"\t\t\t[[ $_labyrinth_run_valued == *\" $word \"* ]] && ((i++))\n"
"\t\tfi\n"
"\tdone\n"
"\tif [[ $cur == --*=* ]]; then\n"
"\t\t_labyrinth_run_value \"${cur%%=*}\" \"${cur#*=}\"\n"
"\t\treturn\n"
"\tfi\n"
"\tif [[ ${w[c-1]} == --* && $_labyrinth_run_valued == *\" ${w[c-1]} \"* ]]; then\n"
"\t\t_labyrinth_run_value \"${w[c-1]}\" \"$cur\"\n"
"\t\treturn\n"
"\tfi\n"
"\tif [[ $cur == -* ]]; then\n"
"\t\t# Options are given once, but for the repeatable ones.\n"
"\t\tfor o in $_labyrinth_run_options; do\n"
"\t\t\t[[ $given == *\" $o \"* && $_labyrinth_run_repeatable != *\" $o \"* ]] || opts+=(\"$o\")\n"
"\t\tdone\n"
"\t\tCOMPREPLY+=($(compgen -W \"${opts[*]}\" -- \"$cur\"))\n"
"\telse\n"
"\t\t_labyrinth_files \"$cur\" '" CONFIG_IMAGE_GLOB "'\n"
"\tfi\n"
"}\n"
"\n"
"# labyrinth host [options] DOMAIN.xml...: w[1..c], c the word completed.\n"
"_labyrinth_host()\n"
"{\n"
"\tlocal i word given=' ' cur=${w[c]} o opts=()\n"
"\tfor ((i = 2; i < c; i++)); do\n"
"\t\tword=${w[i]}\n"
"\t\tif [[ $word == --*=* ]]; then\n"
"\t\t\tgiven+=\"${word%%=*} \"\n"
"\t\telif [[ $word == -* ]]; then\n"
"\t\t\tgiven+=\"$word \"\n"
"\t\t\t[[ $_labyrinth_host_valued == *\" $word \"* ]] && ((i++))\n"
"\t\tfi\n"
"\tdone\n"
"\tif [[ $cur == --*=* ]]; then\n"
"\t\t_labyrinth_host_value \"${cur%%=*}\" \"${cur#*=}\"\n"
"\telif [[ ${w[c-1]} == --* && $_labyrinth_host_valued == *\" ${w[c-1]} \"* ]]; then\n"
"\t\t_labyrinth_host_value \"${w[c-1]}\" \"$cur\"\n"
"\telif [[ $cur == -* ]]; then\n"
"\t\tfor o in $_labyrinth_host_options; do\n"
"\t\t\t[[ $given == *\" $o \"* ]] || opts+=(\"$o\")\n"
"\t\tdone\n"
"\t\tCOMPREPLY+=($(compgen -W \"${opts[*]}\" -- \"$cur\"))\n"
"\telse\n"
"\t\t_labyrinth_files \"$cur\" '*.xml'\n"
"\tfi\n"
"}\n"
"\n"
"# labyrinth plot REPORT.json -o DIR, or --bench RESULTS.jsonl -o DIR.\n"
"_labyrinth_plot()\n"
"{\n"
"\tlocal cur=${w[c]} glob='*.json'\n"
"\tif [[ ${w[c-1]} == -o ]]; then\n"
"\t\t_labyrinth_dirs \"$cur\"\n"
"\telif [[ $cur == -* ]]; then\n"
"\t\tCOMPREPLY+=($(compgen -W \"$_labyrinth_plot_options\" -- \"$cur\"))\n"
"\telse\n"
"\t\t[[ \" ${w[*]} \" == *' --bench '* ]] && glob='*.jsonl'\n"
"\t\t_labyrinth_files \"$cur\" \"$glob\"\n"
"\tfi\n"
"}\n"
"\n"
"_labyrinth()\n"
"{\n"
"\tlocal -a w=()\n"
"\tlocal i c=0 word cur\n"
"\tCOMPREPLY=()\n"
"\t# Bash splits --option=value at '=' (COMP_WORDBREAKS): joined again.\n"
"\tfor ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do\n"
"\t\tword=${COMP_WORDS[i]}\n"
"\t\tif ((${#w[@]})) && [[ ($word == = && ${w[-1]} == --* && ${w[-1]} != *=*) ||\n"
"\t\t\t($word != = && ${w[-1]} == --*= && ${COMP_WORDS[i-1]} == =) ]]; then\n"
"\t\t\tw[-1]+=$word\n"
"\t\telse\n"
"\t\t\tw+=(\"$word\")\n"
"\t\tfi\n"
"\t\t((i == COMP_CWORD)) && c=$((${#w[@]} - 1))\n"
"\tdone\n"
"\tcur=${w[c]}\n"
"\tif ((c == 1)); then\n"
"\t\tCOMPREPLY=($(compgen -W \"$_labyrinth_commands --version --help\" -- \"$cur\"))\n"
"\t\treturn\n"
"\tfi\n"
"\tcase ${w[1]} in\n"
"\trun) _labyrinth_run ;;\n"
"\thost) _labyrinth_host ;;\n"
"\tdomain)\n"
"\t\tif ((c == 2)); then\n"
"\t\t\tCOMPREPLY=($(compgen -W validate -- \"$cur\"))\n"
"\t\telif ((c == 3)); then\n"
"\t\t\t_labyrinth_files \"$cur\" '*.xml'\n"
"\t\tfi ;;\n"
"\tctl)\n"
"\t\tif ((c == 2)) && [[ $cur == -* ]]; then\n"
"\t\t\tCOMPREPLY=($(compgen -W --help -- \"$cur\"))\n"
"\t\telif ((c == 2)); then\n"
"\t\t\t_labyrinth_sockets \"$cur\"\n"
"\t\telif ((c == 3)); then\n"
"\t\t\tCOMPREPLY=($(compgen -W \"$_labyrinth_ctl_commands\" -- \"$cur\"))\n"
"\t\telse\n"
"\t\t\tCOMPREPLY=($(compgen -W \"$(_labyrinth_ctl_literals \"${w[3]}\" $((c - 3)))\" -- \"$cur\"))\n"
"\t\tfi ;;\n"
"\tplot) _labyrinth_plot ;;\n"
"\thelp) ((c == 2)) && COMPREPLY=($(compgen -W \"$_labyrinth_commands\" -- \"$cur\")) ;;\n"
"\tesac\n"
"\t# Without '=' in COMP_WORDBREAKS bash replaces all of --option=value.\n"
"\tif [[ $cur == --*=* && ${COMP_WORDS[COMP_CWORD]} == --*=* ]]; then\n"
"\t\tCOMPREPLY=(\"${COMPREPLY[@]/#/${cur%%=*}=}\")\n"
"\tfi\n"
"}\n"
"\n"
"complete -F _labyrinth labyrinth\n";

int completion_script(const char *shell, FILE *out)
{
	if (strcmp(shell, "bash")) {
		pr_err("help --completion '%s': expected bash", shell);
		return -EINVAL;
	}
	fprintf(out, "# bash completion for labyrinth %s: commands, options, their values and\n"
		"# files. Generated by `labyrinth help --completion bash` from the tables\n"
		"# labyrinth itself reads (its commands, the options of labyrinth run and\n"
		"# labyrinth host, the commands of labyrinth ctl, the options of labyrinth\n"
		"# plot): do not edit.\n\n",
		lab_version());
	emit_lists(out);
	emit_run_values(out);
	emit_host_values(out);
	emit_ctl_literals(out);
	fputs(script_functions, out);
	return fflush(out) || ferror(out) ? -EIO : 0;
}
