// SPDX-License-Identifier: GPL-2.0
/*
 * kimgcore: save a booted kjump helper kernel and put it back later, so
 * that the next jump resumes it instead of booting it.
 * The work is in lib/jump/helper_save.c; see docs/kimgcore.md.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jump/jump.h"
#include "util.h"

static void usage(FILE *out)
{
	fputs("Usage:\n"
	      " kimgcore save FILE\n"
	      " kimgcore load FILE\n"
	      "\n"
	      "Save the loaded kjump helper kernel, booted, to FILE; or put a\n"
	      "saved one back into a helper loaded the same way, so that the\n"
	      "next kjump -e resumes it without booting it.\n"
	      "\n"
	      "Options:\n"
	      " -h, --help     display this help\n"
	      " -V, --version  display version\n"
	      "\n"
	      "See kimgcore(8).\n", out);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	kj_set_progname(argv[0]);
	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h': usage(stdout); return 0;
		case 'V': printf("kimgcore %s\n", KJUMP_VERSION); return 0;
		default: return 2;
		}
	}
	if (argc - optind != 2 ||
	    (strcmp(argv[optind], "save") && strcmp(argv[optind], "load"))) {
		kj_error("expected save FILE or load FILE; see kimgcore --help");
		return 2;
	}
	if (!strcmp(argv[optind], "save") ?
		    kimg_save(argv[optind + 1], true) :
		    kimg_load(argv[optind + 1])) {
		kj_error("%s", kj_errmsg());
		return 1;
	}
	return 0;
}
