/* SPDX-License-Identifier: GPL-2.0 */
/*
 * target.h - the xtables target RTPGATE (IPv4 and IPv6).
 */
#ifndef RTPG_TARGET_H
#define RTPG_TARGET_H

/* Registers and unregisters the target (module init and exit). */
int rtpg_xt_register(void);
void rtpg_xt_unregister(void);

#endif
