/* ice_driver.c - the full ICE agents' checks, see ice_driver.h. */
#include "ice_driver.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "call.h"
#include "ice.h"
#include "log.h"

#define TICK_MS		20
#define PER_TICK	8	/* checks per agent per tick, at most */

struct rg_ice_driver {
	GPtrArray *medias;	/* struct rg_media *, not owned */
	guint timer;		/* 0: not running */
};

struct rg_ice_driver *rg_ice_driver_create(void)
{
	struct rg_ice_driver *d = g_new0(struct rg_ice_driver, 1);

	d->medias = g_ptr_array_new();
	return d;
}

void rg_ice_driver_destroy(struct rg_ice_driver *d)
{
	if (!d)
		return;
	if (d->timer)
		g_source_remove(d->timer);
	g_ptr_array_free(d->medias, TRUE);
	g_free(d);
}

unsigned rg_ice_send_due(struct rg_media *m, int64_t now_us, unsigned max,
			 void (*refused)(struct rg_stream *st, int err, void *arg),
			 void *arg)
{
	uint8_t buf[RG_ICE_CHECK_MAX];
	struct sockaddr_storage to;
	unsigned component, sent = 0;
	struct rg_stream *st;
	int n;

	while (sent < max &&
	       (n = rg_ice_next_check(m->ice, now_us, buf, sizeof(buf), &component, &to)) > 0) {
		st = component == 2 ? &m->rtcp : &m->rtp;
		if (st->fd >= 0 && sendto(st->fd, buf, (size_t)n, MSG_DONTWAIT,
					  (const struct sockaddr *)&to, rg_addr_len(&to)) < 0)
			refused(st, errno, arg);
		sent++;
	}
	return sent;
}

/* The control thread may not touch the worker's counters: it logs. */
static void log_refused(struct rg_stream *st, int err, void *arg)
{
	rg_log_call(LOG_DEBUG, st->media->ml->call->id, "ICE check from port %u: %s",
		    st->local_port, strerror(err));
}

unsigned rg_ice_driver_run(struct rg_ice_driver *d, int64_t now_us)
{
	unsigned i, sent = 0;

	for (i = 0; i < d->medias->len; i++)
		sent += rg_ice_send_due(d->medias->pdata[i], now_us, PER_TICK, log_refused, NULL);
	return sent;
}

static gboolean tick(gpointer data)
{
	struct rg_ice_driver *d = data;

	rg_ice_driver_run(d, g_get_real_time());
	return G_SOURCE_CONTINUE;
}

void rg_ice_driver_add(struct rg_ice_driver *d, struct rg_media *m)
{
	guint i;

	if (g_ptr_array_find(d->medias, m, &i))
		return;
	g_ptr_array_add(d->medias, m);
	if (!d->timer)
		d->timer = g_timeout_add(TICK_MS, tick, d);
}

void rg_ice_driver_remove(struct rg_ice_driver *d, struct rg_media *m)
{
	g_ptr_array_remove_fast(d->medias, m);
	if (!d->medias->len && d->timer) {
		g_source_remove(d->timer);
		d->timer = 0;
	}
}
