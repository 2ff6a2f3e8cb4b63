// SPDX-License-Identifier: GPL-2.0
/*
 * libxt_RTPGATE.c - the iptables/ip6tables extension for the xt_RTPGATE
 * target: "-j RTPGATE --table-id N" hands the rule's packets to forwarding
 * table N of the kernel module (the one rtpgated runs with --table=N).
 * The option cannot be called --table: iptables' own --table (-t) would
 * take it.
 *
 * rtpgated installs its own nftables rules and never needs this; it is for
 * operators who steer packets with iptables themselves, and it lets
 * iptables -L/-S and iptables-save show such rules. Built as
 * libxt_RTPGATE.so into xtables' extension directory
 * (`pkg-config --variable=xtlibdir xtables`).
 */
#include <stdio.h>
#include <xtables.h>

#include "../kernel-module/rtpgate_abi.h"

enum { O_TABLE };

static const struct xt_option_entry rtpgate_opts[] = {
	{
		.name = "table-id",
		.id = O_TABLE,
		.type = XTTYPE_UINT32,
		.flags = XTOPT_MAND | XTOPT_PUT,
		XTOPT_POINTER(struct xt_rtpgate_info, table),
		.min = 0,
		.max = RTPG_TABLE_MAX,
	},
	XTOPT_TABLEEND,
};

static void rtpgate_help(void)
{
	printf("RTPGATE target options:\n"
	       "  --table-id N   forwarding table of xt_RTPGATE (0-%u): the\n"
	       "                 --table=N of the rtpgated that owns the ports\n",
	       RTPG_TABLE_MAX);
}

static void rtpgate_print(const void *ip, const struct xt_entry_target *target,
			  int numeric)
{
	const struct xt_rtpgate_info *info = (const void *)target->data;

	printf(" table-id %u", info->table);
}

static void rtpgate_save(const void *ip, const struct xt_entry_target *target)
{
	const struct xt_rtpgate_info *info = (const void *)target->data;

	printf(" --table-id %u", info->table);
}

/* One registration for both families: the kernel target is NFPROTO_UNSPEC
 * and its checkentry refuses anything but IPv4 and IPv6. */
static struct xtables_target rtpgate_target = {
	.version = XTABLES_VERSION,
	.name = "RTPGATE",
	.revision = 0,
	.family = NFPROTO_UNSPEC,
	.size = XT_ALIGN(sizeof(struct xt_rtpgate_info)),
	.userspacesize = XT_ALIGN(sizeof(struct xt_rtpgate_info)),
	.help = rtpgate_help,
	.print = rtpgate_print,
	.save = rtpgate_save,
	.x6_parse = xtables_option_parse,
	.x6_options = rtpgate_opts,
};

/* xtables dlopen()s the library; registering from a constructor is how an
 * extension built outside iptables' tree announces itself. */
static void __attribute__((constructor)) rtpgate_register(void)
{
	xtables_register_target(&rtpgate_target);
}
