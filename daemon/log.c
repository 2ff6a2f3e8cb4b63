/* log.c - see log.h. The level is process-wide: it is set at start and by
 * the operator at run time, and read with relaxed atomics. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static atomic_int log_level = LOG_INFO;
static bool log_stderr = true;

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

static void __attribute__((format(printf, 3, 0)))
vlog(int level, const char *call_id, const char *fmt, va_list ap)
{
	char msg[2048];
	struct timespec ts;
	struct tm tm;

	if (level > rg_log_get_level())
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
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
