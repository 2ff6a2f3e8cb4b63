/* bench_report.h - results of a benchmark: a latency histogram and named
 * fields printed as a table for people and as KEY=VALUE lines for scripts.
 *
 * Header-only because the Makefile builds every .c in tests/bench/ as a
 * program of its own.
 */
#ifndef RG_BENCH_REPORT_H
#define RG_BENCH_REPORT_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>

/* Values below 128 exactly, then 64 buckets per octave (within 1.6 %). */
#define BENCH_HIST_BUCKETS (128 + 40 * 64)

struct bench_hist {
	uint64_t count[BENCH_HIST_BUCKETS];
	uint64_t total, max;
};

static inline void bench_hist_add(struct bench_hist *h, uint64_t v)
{
	unsigned b = v < 128 ? 0 : 63u - (unsigned)__builtin_clzll(v);
	unsigned i;

	if (v < 128)
		i = (unsigned)v;
	else if (b > 46)
		i = BENCH_HIST_BUCKETS - 1;
	else
		i = 128 + (b - 7) * 64 + (unsigned)((v >> (b - 6)) & 63);
	h->count[i]++;
	h->total++;
	if (v > h->max)
		h->max = v;
}

/* The value below which a fraction @q of the samples lie (the lower bound
 * of its bucket); -1 without samples. */
static inline double bench_hist_percentile(const struct bench_hist *h, double q)
{
	uint64_t want = (uint64_t)ceil(q * (double)h->total), seen = 0;
	unsigned i;

	if (!h->total)
		return -1;
	for (i = 0; i < BENCH_HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= want && i < 128)
			return i;
		if (seen >= want)
			return (double)((uint64_t)(64 + (i - 128) % 64) <<
					((i - 128) / 64 + 1));
	}
	return (double)h->max;
}

struct bench_field {
	const char *key;	/* for scripts: [a-z0-9_]+ */
	const char *what;	/* for people */
	double v;		/* negative: not measured */
	int prec;		/* decimals */
};

/* One line per field, "n/a" for what was not measured. */
static inline void bench_fields_print(const struct bench_field *f, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		if (f[i].v < 0)
			printf("  %-44s n/a\n", f[i].what);
		else
			printf("  %-44s %.*f\n", f[i].what, f[i].prec, f[i].v);
	}
	fflush(stdout);
}

/* Writes "label=@label" and KEY=VALUE lines (negative: not measured) to
 * @path. 0 or -1 (with a message). */
static inline int bench_fields_write(const char *path, const char *label,
				     const struct bench_field *f, unsigned n)
{
	FILE *out = fopen(path, "w");
	unsigned i;

	if (!out) {
		perror(path);
		return -1;
	}
	fprintf(out, "label=%s\n", label);
	for (i = 0; i < n; i++)
		fprintf(out, "%s=%.*f\n", f[i].key, f[i].prec, f[i].v);
	return fclose(out) ? -1 : 0;
}

#endif
