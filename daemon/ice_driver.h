/* ice_driver.h - sends the checks of the full ICE agents (ice.h) from the
 * control thread.
 *
 * A media whose agent is full is registered here while it lives; a
 * 20 ms timer on the control thread's main loop asks each registered
 * agent for the checks that are due (rg_ice_next_check) and sends them
 * from the media's RTP or RTCP socket. The answers arrive on the worker
 * that owns those sockets (relay_webrtc.c), which hands them to the same
 * agent; the agent's mutex keeps the two threads apart. The timer runs
 * only while something is registered.
 *
 * Control thread only.
 */
#ifndef RG_ICE_DRIVER_H
#define RG_ICE_DRIVER_H

#include <stdint.h>

struct rg_media;
struct rg_stream;
struct rg_ice_driver;

struct rg_ice_driver *rg_ice_driver_create(void);

/* Every media must have been removed. NULL is ignored. */
void rg_ice_driver_destroy(struct rg_ice_driver *d);

/* Registers @m (its ice is full); again is a no-op. */
void rg_ice_driver_add(struct rg_ice_driver *d, struct rg_media *m);

/* Unregisters @m, if it was. */
void rg_ice_driver_remove(struct rg_ice_driver *d, struct rg_media *m);

/* Sends what is due at @now_us for every registered media; the timer's
 * work, callable directly. Returns the number of checks sent. */
unsigned rg_ice_driver_run(struct rg_ice_driver *d, int64_t now_us);

/* Sends up to @max of the checks @m's agent has due at @now_us, each from
 * the socket of its component; a send the kernel refuses goes to @refused
 * (with errno and @arg), so that each thread accounts for it as it may.
 * Returns how many were due. Used by the timer and by the worker, which
 * sends at once what a datagram made due (relay_webrtc.c). */
unsigned rg_ice_send_due(struct rg_media *m, int64_t now_us, unsigned max,
			 void (*refused)(struct rg_stream *st, int err, void *arg),
			 void *arg);

#endif
