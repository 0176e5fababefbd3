// SPDX-License-Identifier: GPL-2.0
#include "progress.h"
#include "util.h"

void progress_start(struct progress *p, FILE *out, const char *what,
		    uint64_t total)
{
	*p = (struct progress){ .out = out, .what = what, .total = total,
				.start = kj_monotonic() };
}

void progress_show(struct progress *p, uint64_t done)
{
	double now = kj_monotonic(), took;

	if (!p->out || (now - p->last < 0.25 && done < p->total))
		return;
	p->last = now;
	took = now - p->start > 0 ? now - p->start : 1;
	fprintf(p->out, "\r%s: %llu of %llu pages, %.0f MiB/s ", p->what,
		(ull)done, (ull)p->total, done * 4096.0 / (1 << 20) / took);
	fflush(p->out);
}

void progress_end(struct progress *p)
{
	if (p->out && p->last)
		fputc('\n', p->out);
}
