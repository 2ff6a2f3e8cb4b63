/* call_stats.h - a call's statistics tree for query and delete replies, in
 * the shape Kamailio's and OpenSIPS's rtpengine modules read: totals.RTP /
 * totals.RTCP with packets, bytes, errors; tags -> medias -> streams. */
#ifndef RG_CALL_STATS_H
#define RG_CALL_STATS_H

#include "arena.h"
#include "bencode.h"
#include "call.h"

/* Adds created, last signal, tags and totals of @call to @dict. 0 or -ENOMEM. */
int rg_call_stats_add(struct rg_arena *arena, struct bencode_item *dict,
		      const struct rg_call *call);

#endif
