/* log.c - see log.h. The level and the rate limit are process-wide: set
 * at start and by the operator at run time, read with relaxed atomics. The
 * rate limiter's table of call sites is shared by every thread that logs,
 * under one mutex (taken only for lines below LOG_ERR that pass the level).
 */
#include "log.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SITES 256		/* more than the daemon has log calls */
#define WINDOW_NS 1000000000LL

static atomic_int log_level = LOG_INFO;
static atomic_int rate_limit;	/* lines per site and second; 0: off */
static bool log_stderr = true;

/* One call site, keyed by its format string's address. */
struct site {
	const char *fmt;
	int level;
	int64_t window_ns;	/* start of the current one-second window */
	unsigned lines;		/* written in it */
	uint64_t suppressed;	/* not written since the last summary */
};

static struct site sites[SITES];
static pthread_mutex_t sites_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {
	"EMERG", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO", "DEBUG",
};

void rg_log_init(bool to_stderr, int level)
{
	log_stderr = to_stderr;
	rg_log_set_level(level);
	if (!to_stderr)
		openlog("rtpgated", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void rg_log_set_level(int level)
{
	if (level < LOG_EMERG)
		level = LOG_EMERG;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	atomic_store_explicit(&log_level, level, memory_order_relaxed);
}

int rg_log_get_level(void)
{
	return atomic_load_explicit(&log_level, memory_order_relaxed);
}

void rg_log_set_rate_limit(int per_second)
{
	atomic_store_explicit(&rate_limit, per_second > 0 ? per_second : 0,
			      memory_order_relaxed);
}

int rg_log_get_rate_limit(void)
{
	return atomic_load_explicit(&rate_limit, memory_order_relaxed);
}

static void emit(int level, const char *call_id, const char *msg)
{
	struct timespec ts;
	struct tm tm;

	if (!log_stderr) {
		if (call_id)
			syslog(level, "[%s] %s", call_id, msg);
		else
			syslog(level, "%s", msg);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s: %s%s%s%s\n",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, level_names[level],
		call_id ? "[" : "", call_id ? call_id : "", call_id ? "] " : "",
		msg);
}

static void emit_summary(const struct site *s)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%" PRIu64 " similar messages suppressed: \"%s\"",
		 s->suppressed, s->fmt);
	emit(s->level, NULL, msg);
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The slot of @fmt, claimed if new; NULL when the table is full. */
static struct site *site_of(const char *fmt)
{
	unsigned i, h = (unsigned)(((uintptr_t)fmt >> 3) * 2654435761u) % SITES;

	for (i = 0; i < SITES; i++) {
		struct site *s = &sites[(h + i) % SITES];

		if (s->fmt == fmt)
			return s;
		if (!s->fmt) {
			s->fmt = fmt;
			return s;
		}
	}
	return NULL;
}

/* true if a line of @fmt may be written now. A site starting a new window
 * first writes the summary of what its last window suppressed. */
static bool admit(const char *fmt, int level)
{
	int limit = rg_log_get_rate_limit();
	int64_t now;
	struct site *s;
	bool ok;

	if (limit <= 0 || level <= LOG_ERR)
		return true;
	now = monotonic_ns();
	pthread_mutex_lock(&sites_lock);
	s = site_of(fmt);
	if (!s) {
		pthread_mutex_unlock(&sites_lock);
		return true;
	}
	if (now - s->window_ns >= WINDOW_NS) {
		if (s->suppressed)
			emit_summary(s);
		s->suppressed = 0;
		s->window_ns = now;
		s->lines = 0;
	}
	s->level = level;
	ok = s->lines < (unsigned)limit;
	if (ok)
		s->lines++;
	else
		s->suppressed++;
	pthread_mutex_unlock(&sites_lock);
	return ok;
}

void rg_log_flush_suppressed(void)
{
	int64_t now = monotonic_ns();
	unsigned i;

	pthread_mutex_lock(&sites_lock);
	for (i = 0; i < SITES; i++) {
		if (!sites[i].suppressed || now - sites[i].window_ns < WINDOW_NS)
			continue;
		emit_summary(&sites[i]);
		sites[i].suppressed = 0;
	}
	pthread_mutex_unlock(&sites_lock);
}

static void __attribute__((format(printf, 3, 0)))
vlog(int level, const char *call_id, const char *fmt, va_list ap)
{
	char msg[2048];

	if (level > rg_log_get_level() || !admit(fmt, level))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	emit(level, call_id, msg);
}

void rg_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, NULL, fmt, ap);
	va_end(ap);
}

void rg_log_call(int level, const char *call_id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, call_id, fmt, ap);
	va_end(ap);
}
