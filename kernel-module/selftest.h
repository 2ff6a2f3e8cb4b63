/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selftest.h - checks run at module load in a debug build (make DEBUG=1).
 */
#ifndef RTPG_SELFTEST_H
#define RTPG_SELFTEST_H

#ifdef RTPG_SELFTEST
/* Runs every selftest; logs "rtpgate selftest: N passed" and returns 0, or
 * logs each failure and returns -EINVAL, which fails the module load. */
int rtpg_selftest_run(void);
#else
static inline int rtpg_selftest_run(void)
{
	return 0;
}
#endif

#endif
