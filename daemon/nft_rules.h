/* nft_rules.h - the nftables rules that send relay-port UDP to the
 * xt_RTPGATE target (DESIGN.md, "Packet steering rules").
 *
 * rtpgated keeps them in a table of its own, so that it never touches an
 * operator's ruleset:
 *
 *   table inet rtpgate_N {			# flags owner
 *       chain input {
 *           type filter hook input priority 0; policy accept;
 *           meta l4proto udp udp dport MIN-MAX counter xt target RTPGATE
 *       }
 *   }
 *
 * where the target's info is struct xt_rtpgate_info { .table = N }. The
 * table is owned by the daemon's netlink socket (NFT_TABLE_F_OWNER): no
 * other process can change or delete it, and the kernel removes it when
 * the socket closes, so a crashed daemon leaves no rule behind. It also
 * makes the table a lock: a second daemon given the same N is refused.
 *
 * Since an inet table serves IPv4 and IPv6, nft_compat looks the target up
 * for NFPROTO_INET, which finds only targets registered for NFPROTO_UNSPEC;
 * the target must not name an xtables table either ("rtpgate_N" is none).
 */
#ifndef RG_NFT_RULES_H
#define RG_NFT_RULES_H

#include <stddef.h>
#include <stdint.h>

struct rg_nl;
struct rg_nft_rules;

#define RG_NFT_TABLE_PREFIX "rtpgate_"
#define RG_NFT_CHAIN "input"
#define RG_NFT_INFO_MAX 256	/* bytes of target info accepted */

struct rg_nft_spec {
	unsigned table;			/* N, 0..RTPG_TABLE_MAX */
	unsigned port_min, port_max;	/* UDP destination ports, 1..65535 */
	/* The xtables target; NULL: "RTPGATE" revision 0 with
	 * struct xt_rtpgate_info { table }. Tests on a kernel without the
	 * module name a built-in target here instead. */
	const char *target;
	uint32_t target_rev;
	const void *target_info;
	size_t target_info_len;
};

/* Creates the table, chain and rule of @spec on @nl (a NETLINK_NETFILTER
 * rg_nl) in one transaction, replacing a table of the same name that is
 * not owned by a live process (a crashed instance's, or one made by hand).
 * On success *@out owns @nl, which must stay open as long as the rules
 * should; on failure nothing was changed, the caller keeps @nl, and
 * rg_nl_error(@nl) may say why. -EINVAL: a bad @spec; -EPERM: another
 * process owns the table (or no CAP_NET_ADMIN); -ENOENT: the kernel has no
 * such target (module not loaded) or no nft_compat. */
int rg_nft_rules_create(struct rg_nl *nl, const struct rg_nft_spec *spec,
			struct rg_nft_rules **out);

/* Deletes the table with its rule, closes the socket and frees @r (NULL
 * is allowed). Returns what deleting gave (0 or a negative errno); the
 * table is gone either way once the socket is closed. */
int rg_nft_rules_destroy(struct rg_nft_rules *r);

/* "rtpgate_N" of @r, for logs. */
const char *rg_nft_rules_table(const struct rg_nft_rules *r);

#endif
