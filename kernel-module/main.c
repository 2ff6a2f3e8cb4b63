// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - xt_RTPGATE's module init and exit.
 *
 * Order: the work queue SRTP contexts are freed on, the selftests,
 * per-namespace state (the target and the netlink family both use it),
 * then the xtables target, then the netlink family (the daemon's way
 * in). Exit undoes it in reverse and waits for the RCU callbacks that
 * free targets and tables, and for the work that frees SRTP contexts,
 * before the code goes away.
 */
#include <linux/module.h>

#include "netlink.h"
#include "netns.h"
#include "rtpgate_abi.h"
#include "selftest.h"
#include "srtp.h"
#include "target.h"

static int __init rtpg_init(void)
{
	int err;

	err = rtpg_srtp_init();
	if (err)
		return err;
	err = rtpg_selftest_run();
	if (err)
		goto err_net;
	err = rtpg_net_register();
	if (err)
		goto err_net;
	err = rtpg_xt_register();
	if (err)
		goto err_xt;
	err = rtpg_genl_register();
	if (err)
		goto err_genl;
	pr_info("rtpgate: xt_RTPGATE loaded, ABI version %u\n",
		RTPG_ABI_VERSION);
	return 0;

err_genl:
	rtpg_xt_unregister();
err_xt:
	rtpg_net_unregister();
err_net:
	rtpg_table_barrier();
	rtpg_srtp_exit();
	return err;
}

static void __exit rtpg_exit(void)
{
	rtpg_genl_unregister();
	rtpg_xt_unregister();
	rtpg_net_unregister();
	rtpg_table_barrier();
	rtpg_srtp_exit();	/* after the last fwd freed its contexts */
}

module_init(rtpg_init);
module_exit(rtpg_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rtpgate: forward relayed RTP/RTCP streams in the kernel");
MODULE_ALIAS("ipt_RTPGATE");
MODULE_ALIAS("ip6t_RTPGATE");
MODULE_ALIAS_GENL_FAMILY(RTPG_GENL_NAME);
/* SRTP's transforms (srtp.c): ctr(aes) and gcm(aes) are modules in
 * Debian's kernels (hmac, sha1, aes are built in; elsewhere the crypto
 * API loads them) */
MODULE_SOFTDEP("pre: ctr gcm ghash-generic");
