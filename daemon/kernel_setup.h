/* kernel_setup.h - start-up and shutdown of kernel forwarding.
 *
 * --table=N (0..255, default 0) asks for the xt_RTPGATE module's table N;
 * --table=-1 never touches the kernel. When the module is missing, or
 * rtpgated lacks CAP_NET_ADMIN, or the rules cannot be installed, media is
 * relayed in userspace, unless --no-fallback, which then stops the daemon.
 * A module of another ABI version always stops it (rtpgate_abi.h).
 */
#ifndef RG_KERNEL_SETUP_H
#define RG_KERNEL_SETUP_H

struct rg_ctx;
struct rg_config;

/* Opens the module, installs the nftables rules for the port range and
 * creates kernel table N (replacing one a crashed instance left), setting
 * ctx->kernel and ctx->nft_rules; or leaves both NULL and logs why the
 * kernel is not used. Returns 0 (kernel or userspace forwarding), or a
 * negative errno when the daemon must not start (logged). Call once, after
 * the interfaces exist, from the control thread. */
int rg_kernel_setup(struct rg_ctx *ctx, const struct rg_config *cfg);

/* Removes the rules, then the kernel table with all its targets, and
 * closes both connections. Nothing to do when the kernel was not used. */
void rg_kernel_teardown(struct rg_ctx *ctx);

#endif
