/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every kernel-version difference xt_RTPGATE meets, in one place.
 *
 * The module is built and tested against Debian 12's 6.1 headers. The
 * shims below keep it building on older 5.x kernels and on newer ones
 * where an interface it uses was renamed; the core files never test
 * LINUX_VERSION_CODE themselves.
 */
#ifndef RTPG_COMPAT_H
#define RTPG_COMPAT_H

#include <linux/version.h>
#include <net/genetlink.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 10, 0)
#error "xt_RTPGATE needs Linux 5.10 or newer"
#endif

/* 6.0 added GENL_REQ_ATTR_CHECK, which names the missing attribute in the
 * extack; before it, a plain message does. */
#ifndef GENL_REQ_ATTR_CHECK
#define GENL_REQ_ATTR_CHECK(info, attr) ({				\
	bool missing_ = !(info)->attrs[(attr)];				\
	if (missing_)							\
		GENL_SET_ERR_MSG((info), "missing attribute");		\
	missing_;							\
})
#endif

/* The attributes of a dump request, parsed and validated by the genl core
 * with the family's policy: 6.6 moved them into a struct genl_info. */
static inline struct nlattr **rtpg_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif
