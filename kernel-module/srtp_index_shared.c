// SPDX-License-Identifier: GPL-2.0
/*
 * srtp_index_shared.c - lib/srtp_index.c, the SRTP packet index and
 * replay window rtpgated's tests check against libsrtp2, compiled into
 * the module from the one source (never copied).
 */
#include "../lib/srtp_index.c"
