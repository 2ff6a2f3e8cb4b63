// SPDX-License-Identifier: GPL-2.0
/*
 * rtp_shared.c - lib/rtp.c, the RTP/RTCP wire code rtpgated uses too,
 * compiled into the module from the one source (never copied).
 */
#include "../lib/rtp.c"
