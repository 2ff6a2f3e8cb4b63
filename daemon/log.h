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

void rg_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like rg_log, prefixed with "[call_id] " when @call_id is not NULL. */
void rg_log_call(int level, const char *call_id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define rg_err(...) rg_log(LOG_ERR, __VA_ARGS__)
#define rg_warn(...) rg_log(LOG_WARNING, __VA_ARGS__)
#define rg_info(...) rg_log(LOG_INFO, __VA_ARGS__)
#define rg_debug(...) rg_log(LOG_DEBUG, __VA_ARGS__)

#endif
