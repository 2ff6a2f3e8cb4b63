/* kernel_setup.c - see kernel_setup.h.
 *
 * Order: handshake with the module, then the nftables rules, then the
 * kernel table. The rules' table is owned by this process's socket, so
 * once it exists no second daemon given the same N can get that far, and
 * only then is a kernel table N left by a crashed instance replaced.
 * Packets that reach the target before its table exists are left to
 * userspace. Shutdown removes the rules first, so no packet is steered to
 * a table being deleted.
 */
#include "kernel_setup.h"

#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ctx.h"
#include "kernel.h"
#include "log.h"
#include "netlink.h"
#include "nft_rules.h"

#define WHY_SIZE 384

/* Says why the kernel is not used; 0 when userspace may take over. */
static int unavailable(const struct rg_config *cfg, int rc, const char *why)
{
	if (rc == -EPROTO) {
		rg_err("%s", why);
		return rc;
	}
	if (cfg->no_fallback) {
		rg_err("%s: not starting (--no-fallback)", why);
		return rc;
	}
	rg_warn("%s: forwarding in userspace", why);
	return 0;
}

static void describe(char *why, const char *what, int rc, const char *said)
{
	snprintf(why, WHY_SIZE, "%s: %s", what, said[0] ? said : strerror(-rc));
}

static int open_module(unsigned table, struct rg_kernel **out, char *why)
{
	struct rg_nl *nl;
	int rc = rg_nl_open(NETLINK_GENERIC, &nl);

	if (rc) {
		describe(why, "kernel module: generic netlink", rc, "");
		return rc;
	}
	rc = rg_kernel_open(nl, table, out);
	if (rc == -ENOENT)
		snprintf(why, WHY_SIZE, "kernel module not loaded");
	else if (rc == -EPERM)
		snprintf(why, WHY_SIZE, "kernel forwarding needs CAP_NET_ADMIN (permission denied)");
	else if (rc == -EPROTO)
		snprintf(why, WHY_SIZE, "%s", rg_nl_error(nl));
	else if (rc)
		describe(why, "kernel module", rc, rg_nl_error(nl));
	if (rc)
		rg_nl_close(nl);
	return rc;
}

static int install_rules(const struct rg_config *cfg, struct rg_nft_rules **out, char *why)
{
	struct rg_nft_spec spec = {
		.table = (unsigned)cfg->table,
		.port_min = (unsigned)cfg->port_min,
		.port_max = (unsigned)cfg->port_max,
	};
	struct rg_nl *nl;
	int rc = rg_nl_open(NETLINK_NETFILTER, &nl);

	if (rc) {
		describe(why, "nftables rules: netlink", rc, "");
		return rc;
	}
	rc = rg_nft_rules_create(nl, &spec, out);
	if (rc) {
		describe(why, "nftables rules", rc, rg_nl_error(nl));
		rg_nl_close(nl);
	}
	return rc;
}

static int create_table(struct rg_kernel *k, char *why)
{
	int rc = rg_kernel_table_create(k);

	if (rc == -EEXIST) {
		rg_info("kernel table %u was left by an earlier rtpgated: replacing it",
			rg_kernel_table(k));
		rc = rg_kernel_table_delete(k);
		rc = rc ?: rg_kernel_table_create(k);
	}
	if (rc)
		describe(why, "kernel table", rc, rg_nl_error(rg_kernel_nl(k)));
	return rc;
}

int rg_kernel_setup(struct rg_ctx *ctx, const struct rg_config *cfg)
{
	struct rg_nft_rules *rules = NULL;
	struct rg_kernel *k = NULL;
	char why[WHY_SIZE];
	int rc;

	ctx->kernel = NULL;
	ctx->nft_rules = NULL;
	if (cfg->table < 0) {
		if (cfg->no_fallback) {
			rg_err("option --no-fallback: --table=-1 never uses the kernel");
			return -EINVAL;
		}
		rg_info("kernel forwarding off (--table=-1): media is relayed in userspace");
		return 0;
	}
	rc = open_module((unsigned)cfg->table, &k, why);
	if (rc)
		return unavailable(cfg, rc, why);
	rc = install_rules(cfg, &rules, why);
	rc = rc ?: create_table(k, why);
	if (rc) {
		rg_nft_rules_destroy(rules);
		rg_kernel_close(k);
		return unavailable(cfg, rc, why);
	}
	ctx->kernel = k;
	ctx->nft_rules = rules;
	rg_info("kernel forwarding: table %d; nftables table inet %s steers UDP ports %d-%d to it",
		cfg->table, rg_nft_rules_table(rules), cfg->port_min, cfg->port_max);
	return 0;
}

void rg_kernel_teardown(struct rg_ctx *ctx)
{
	unsigned table;
	int rc;

	if (!ctx->kernel)
		return;
	table = rg_kernel_table(ctx->kernel);
	rc = rg_nft_rules_destroy(ctx->nft_rules);
	if (rc)
		rg_warn("nftables table inet " RG_NFT_TABLE_PREFIX "%u: deleting it: %s "
			"(closing its socket removes it anyway)", table, strerror(-rc));
	rc = rg_kernel_table_delete(ctx->kernel);
	if (rc)
		rg_warn("kernel table %u: deleting it: %s", table, strerror(-rc));
	else
		rg_info("kernel forwarding: table %u and its rules removed", table);
	rg_kernel_close(ctx->kernel);
	ctx->kernel = NULL;
	ctx->nft_rules = NULL;
}
