/* log.h - logging to stderr or syslog, with syslog levels 0-7.
 *
 * Lines about a call carry the call-id in brackets ("[abc@host] offer ...")
 * so an operator can grep one call out of a busy log.
 */
#ifndef RG_LOG_H
#define RG_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* Chooses stderr (true) or syslog, and the highest level written. */
void rg_log_init(bool to_stderr, int level);
void rg_log_set_level(int level);
int rg_log_get_level(void);

/* Rate limit: lines below LOG_ERR (warning, notice, info, debug) are
 * limited to @per_second from one call site (one format string) in each
 * one-second window; the rest are counted, not written. The first line of
 * a window is always written, so a site's first occurrence never is lost;
 * the count comes out as "N similar messages suppressed: FORMAT" when the
 * site writes again or, for a site gone quiet, at the next
 * rg_log_flush_suppressed(). Errors and worse are never limited. 0 turns
 * the limit off. Any thread. */
void rg_log_set_rate_limit(int per_second);
int rg_log_get_rate_limit(void);

/* Writes the summaries of sites whose window has ended with lines
 * suppressed. Called about once a second (rg_ratelimit_tick). */
void rg_log_flush_suppressed(void);

void rg_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like rg_log, prefixed with "[call_id] " when @call_id is not NULL. */
void rg_log_call(int level, const char *call_id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define rg_err(...) rg_log(LOG_ERR, __VA_ARGS__)
#define rg_warn(...) rg_log(LOG_WARNING, __VA_ARGS__)
#define rg_info(...) rg_log(LOG_INFO, __VA_ARGS__)
#define rg_debug(...) rg_log(LOG_DEBUG, __VA_ARGS__)

#endif
