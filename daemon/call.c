/* call.c - the call registry and the call model's lifetimes, see call.h. */
#include "call.h"
#include "call_crypto.h"
#include "call_ice.h"

#include <errno.h>
#include <string.h>

struct rg_calls {
	GHashTable *live;	/* call-id -> struct rg_call * (owned) */
	GQueue retired;		/* struct rg_call *, by retire_at_us */
};

static void media_destroy(struct rg_media *m)
{
	rg_media_crypto_free(m);
	rg_media_ice_forget(m);
	g_free(m->mid);
	if (m->has_ports)
		rg_port_pool_put(m->ml->iface->ports, &m->ports);
	g_free(m->type);
	g_free(m->protocol);
	g_free(m);
}

static void monologue_destroy(struct rg_monologue *ml)
{
	guint i;

	for (i = 0; i < ml->medias->len; i++)
		if (ml->medias->pdata[i])
			media_destroy(ml->medias->pdata[i]);
	g_ptr_array_free(ml->medias, TRUE);
	g_free(ml->tag);
	g_free(ml->label);
	g_free(ml->via_branch);
	g_free(ml->last_sdp);
	g_free(ml);
}

static void call_destroy(struct rg_call *call)
{
	guint i;

	rg_call_pause(call);	/* the worker lets go of its sockets first */
	for (i = 0; i < call->monologues->len; i++)
		monologue_destroy(call->monologues->pdata[i]);
	g_ptr_array_free(call->monologues, TRUE);
	g_free(call->id);
	g_free(call);
}

static void call_destroy_cb(gpointer p)
{
	call_destroy(p);
}

struct rg_calls *rg_calls_create(void)
{
	struct rg_calls *calls = g_new0(struct rg_calls, 1);

	calls->live = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, call_destroy_cb);
	g_queue_init(&calls->retired);
	return calls;
}

void rg_calls_destroy(struct rg_calls *calls)
{
	struct rg_call *call;

	if (!calls)
		return;
	g_hash_table_destroy(calls->live);
	while ((call = g_queue_pop_head(&calls->retired)))
		call_destroy(call);
	g_free(calls);
}

struct rg_call *rg_call_lookup(struct rg_calls *calls, const char *id)
{
	return g_hash_table_lookup(calls->live, id);
}

struct rg_call *rg_call_create(struct rg_calls *calls, const char *id, int64_t now_us)
{
	struct rg_call *call = g_new0(struct rg_call, 1);

	call->id = g_strdup(id);
	call->created_us = now_us;
	call->last_signal_us = now_us;
	call->monologues = g_ptr_array_new();
	g_hash_table_insert(calls->live, call->id, call);
	return call;
}

static gint by_retire_time(gconstpointer a, gconstpointer b, gpointer unused)
{
	const struct rg_call *x = a, *y = b;

	return (x->retire_at_us > y->retire_at_us) - (x->retire_at_us < y->retire_at_us);
}

void rg_call_retire(struct rg_calls *calls, struct rg_call *call,
		    int64_t now_us, int64_t delay_us)
{
	g_hash_table_steal(calls->live, call->id);
	rg_call_pause(call);	/* no more forwarding, ports still reserved */
	if (delay_us <= 0) {
		call_destroy(call);
		return;
	}
	call->retire_at_us = now_us + delay_us;
	g_queue_insert_sorted(&calls->retired, call, by_retire_time, NULL);
}

void rg_calls_reap(struct rg_calls *calls, int64_t now_us)
{
	struct rg_call *call;

	while ((call = g_queue_peek_head(&calls->retired)) &&
	       call->retire_at_us <= now_us)
		call_destroy(g_queue_pop_head(&calls->retired));
}

unsigned rg_calls_count(const struct rg_calls *calls)
{
	return g_hash_table_size(calls->live);
}

void rg_calls_foreach(struct rg_calls *calls, unsigned max,
		      void (*fn)(struct rg_call *call, void *arg), void *arg)
{
	GHashTableIter it;
	gpointer value;
	unsigned n = 0;

	g_hash_table_iter_init(&it, calls->live);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		if (max && n++ >= max)
			break;
		fn(value, arg);
	}
}

struct rg_monologue *rg_call_monologue_find(struct rg_call *call, const char *tag)
{
	guint i;
	struct rg_monologue *ml;

	if (!tag)
		return NULL;
	for (i = 0; i < call->monologues->len; i++) {
		ml = call->monologues->pdata[i];
		if (ml->tag && strcmp(ml->tag, tag) == 0)
			return ml;
	}
	return NULL;
}

struct rg_monologue *rg_monologue_create(struct rg_call *call, const char *tag,
					 struct rg_interface *iface, int64_t now_us)
{
	struct rg_monologue *ml = g_new0(struct rg_monologue, 1);

	ml->call = call;
	ml->tag = g_strdup(tag);
	ml->iface = iface;
	ml->medias = g_ptr_array_new();
	ml->created_us = now_us;
	g_ptr_array_add(call->monologues, ml);
	return ml;
}

void rg_monologue_remove(struct rg_monologue *ml)
{
	struct rg_call *call = ml->call;
	struct rg_monologue *other;
	guint i;

	for (i = 0; i < call->monologues->len; i++) {
		other = call->monologues->pdata[i];
		if (other->peer == ml)
			other->peer = NULL;
	}
	g_ptr_array_remove(call->monologues, ml);
	monologue_destroy(ml);
}

struct rg_media *rg_media_find(const struct rg_monologue *ml, unsigned index)
{
	if (index < 1 || index > ml->medias->len)
		return NULL;
	return ml->medias->pdata[index - 1];
}

struct rg_media *rg_media_get(struct rg_monologue *ml, unsigned index)
{
	struct rg_media *m = rg_media_find(ml, index);

	if (m)
		return m;
	if (ml->medias->len < index)
		g_ptr_array_set_size(ml->medias, index);
	m = g_new0(struct rg_media, 1);
	m->ml = ml;
	m->index = index;
	m->ports.rtp_fd = m->ports.rtcp_fd = -1;
	m->rtp.fd = m->rtcp.fd = -1;
	m->rtp.media = m->rtcp.media = m;
	m->rtcp.is_rtcp = true;
	ml->medias->pdata[index - 1] = m;
	return m;
}

int rg_media_take_ports(struct rg_media *m)
{
	static uint64_t serial;	/* control thread only */
	int rc;

	if (m->has_ports)
		return 0;
	rc = rg_port_pool_take(m->ml->iface->ports, &m->ports);
	if (rc)
		return rc;
	m->has_ports = true;
	m->rtp.fd = m->ports.rtp_fd;
	m->rtp.local_port = m->ports.rtp_port;
	m->rtcp.fd = m->ports.rtcp_fd;
	m->rtcp.local_port = m->ports.rtp_port + 1;
	m->rtp.serial = ++serial;
	m->rtcp.serial = ++serial;
	return 0;
}

uint64_t rg_stream_packets(const struct rg_stream *st)
{
	return rg_counter_read(&st->c.packets) + st->k_done.packets + st->k_live.packets;
}

uint64_t rg_stream_bytes(const struct rg_stream *st)
{
	return rg_counter_read(&st->c.bytes) + st->k_done.bytes + st->k_live.bytes;
}

uint64_t rg_stream_errors(const struct rg_stream *st)
{
	return rg_counter_read(&st->c.errors) + rg_socket_drops(st->fd) +
	       st->k_done.errors + st->k_live.errors;
}

int64_t rg_stream_last_packet_us(const struct rg_stream *st)
{
	int64_t u = atomic_load_explicit(&st->c.last_packet_us, memory_order_relaxed);
	int64_t k = st->k_live.last_packet_us > st->k_done.last_packet_us ?
		st->k_live.last_packet_us : st->k_done.last_packet_us;

	return u > k ? u : k;
}

void rg_call_foreach_media(struct rg_call *call,
			   void (*fn)(struct rg_media *m, void *arg), void *arg)
{
	struct rg_monologue *ml;
	guint i, j;

	for (i = 0; i < call->monologues->len; i++) {
		ml = call->monologues->pdata[i];
		for (j = 0; j < ml->medias->len; j++)
			if (ml->medias->pdata[j])
				fn(ml->medias->pdata[j], arg);
	}
}

void rg_monologue_move_media(struct rg_monologue *from, struct rg_monologue *to)
{
	GPtrArray *tmp = to->medias;
	guint i;

	to->medias = from->medias;
	from->medias = tmp;
	for (i = 0; i < to->medias->len; i++)
		if (to->medias->pdata[i])
			((struct rg_media *)to->medias->pdata[i])->ml = to;
	for (i = 0; i < from->medias->len; i++)
		if (from->medias->pdata[i])
			((struct rg_media *)from->medias->pdata[i])->ml = from;
	/* the ports stay on the interface they were taken from */
	to->iface = from->iface;
}
