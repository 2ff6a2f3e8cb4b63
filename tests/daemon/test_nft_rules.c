/* test_nft_rules.c - the daemon's nftables rules, made for real in a
 * network namespace of the test's own, and read back with nft(8).
 *
 * This kernel has no xt_RTPGATE, so most cases steer to the built-in
 * xtables target NFQUEUE revision 0 instead, one of the few still
 * registered for NFPROTO_UNSPEC as RTPGATE must be (an inet table finds
 * no other; MARK, for one, is per family since Linux 6.12): everything
 * else about the table, chain and rule is what the daemon makes. With no
 * queue reader the packets it takes are dropped, after the counter. Needs root (a namespace) and nft; without them the cases are
 * reported as skipped.
 */
/* needs: netlink nft_rules */
#include <errno.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netlink.h"
#include "nft_rules.h"
#include "test.h"

#define TABLE 9
#define LIST "nft list table inet rtpgate_9 2>&1"

static const struct xt_NFQ_info queue = { .queuenum = 7 };

static const struct rg_nft_spec stand_in = {
	.table = TABLE, .port_min = 41000, .port_max = 41999,
	.target = "NFQUEUE", .target_rev = 0,
	.target_info = &queue, .target_info_len = sizeof(queue),
};

/* Runs @cmd; its output in @out, its exit status returned. */
static int run(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	int status;

	out[0] = '\0';
	if (!p)
		return -1;
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static struct rg_nft_rules *create(const struct rg_nft_spec *spec, int *rc)
{
	struct rg_nft_rules *r = NULL;
	struct rg_nl *nl;

	*rc = rg_nl_open(NETLINK_NETFILTER, &nl);
	if (*rc)
		return NULL;
	*rc = rg_nft_rules_create(nl, spec, &r);
	if (*rc)
		rg_nl_close(nl);
	return r;
}

static void send_udp(unsigned port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
	close(fd);
}

static void rules_steer_the_port_range_from_an_input_chain(void)
{
	char out[4096];
	int rc;
	struct rg_nft_rules *r = create(&stand_in, &rc);

	CHECK_INT(rc, 0);
	CHECK_STR(rg_nft_rules_table(r), "rtpgate_9");
	CHECK_INT(run(LIST, out, sizeof(out)), 0);
	CHECK(strstr(out, "table inet rtpgate_9"));
	CHECK(strstr(out, "flags owner"));
	CHECK(strstr(out, "chain input"));
	CHECK(strstr(out, "type filter hook input priority filter; policy accept;"));
	CHECK(strstr(out, "udp dport 41000-41999 counter packets 0 bytes 0"));
	CHECK_INT(rg_nft_rules_destroy(r), 0);
}

static void udp_to_the_range_passes_the_rule_and_other_ports_do_not(void)
{
	char out[4096];
	int rc;
	struct rg_nft_rules *r = create(&stand_in, &rc);

	CHECK_INT(rc, 0);
	send_udp(41000);
	send_udp(41999);
	send_udp(42000);
	send_udp(40999);
	CHECK_INT(run(LIST, out, sizeof(out)), 0);
	CHECK(strstr(out, "udp dport 41000-41999 counter packets 2 bytes 58"));
	CHECK_INT(rg_nft_rules_destroy(r), 0);
}

static void a_stale_table_of_the_same_name_is_replaced(void)
{
	char out[4096];
	int rc;
	struct rg_nft_rules *r;

	CHECK_INT(run("nft add table inet rtpgate_9 && "
		      "nft add chain inet rtpgate_9 leftover", out, sizeof(out)), 0);
	r = create(&stand_in, &rc);
	CHECK_INT(rc, 0);
	CHECK_INT(run(LIST, out, sizeof(out)), 0);
	CHECK(!strstr(out, "leftover"));
	CHECK(strstr(out, "udp dport 41000-41999 counter"));
	CHECK_INT(rg_nft_rules_destroy(r), 0);
}

static void a_live_owners_table_is_not_taken(void)
{
	char out[4096];
	int rc;
	struct rg_nft_rules *first = create(&stand_in, &rc), *second = NULL;
	struct rg_nl *nl;

	CHECK_INT(rc, 0);
	CHECK_INT(rg_nl_open(NETLINK_NETFILTER, &nl), 0);
	CHECK_INT(rg_nft_rules_create(nl, &stand_in, &second), -EPERM);
	CHECK(strstr(rg_nl_error(nl), "another running process"));
	rg_nl_close(nl);
	CHECK_INT(run("nft delete table inet rtpgate_9 2>&1", out, sizeof(out)) != 0, 1);
	CHECK_INT(run(LIST, out, sizeof(out)), 0);
	CHECK(strstr(out, "udp dport 41000-41999 counter"));
	CHECK_INT(rg_nft_rules_destroy(first), 0);
}

static void a_crashed_daemons_table_goes_with_its_socket(void)
{
	char out[4096];
	int status, rc;
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		create(&stand_in, &rc);
		_exit(rc ? 1 : 0);	/* without destroying: the socket closes */
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(run(LIST, out, sizeof(out)) != 0);
}

static void destroying_removes_the_table(void)
{
	char out[4096];
	int rc;
	struct rg_nft_rules *r = create(&stand_in, &rc);

	CHECK_INT(rc, 0);
	CHECK_INT(rg_nft_rules_destroy(r), 0);
	CHECK(run(LIST, out, sizeof(out)) != 0);
	CHECK_INT(rg_nft_rules_destroy(NULL), 0);
}

static void without_the_rtpgate_target_nothing_is_left_behind(void)
{
	struct rg_nft_spec spec = { .table = TABLE, .port_min = 30000, .port_max = 39999 };
	struct rg_nft_rules *r = NULL;
	struct rg_nl *nl;
	char out[4096];

	CHECK_INT(run("nft add table inet rtpgate_9", out, sizeof(out)), 0);
	CHECK_INT(rg_nl_open(NETLINK_NETFILTER, &nl), 0);
	CHECK_INT(rg_nft_rules_create(nl, &spec, &r), -ENOENT);
	CHECK(strstr(rg_nl_error(nl), "RTPGATE"));
	rg_nl_close(nl);
	/* one transaction: the hand-made table was not even deleted */
	CHECK_INT(run(LIST, out, sizeof(out)), 0);
	CHECK(!strstr(out, "chain"));
	CHECK_INT(run("nft delete table inet rtpgate_9 2>&1", out, sizeof(out)), 0);
}

static void bad_specs_are_refused(void)
{
	struct rg_nft_spec spec = stand_in;
	struct rg_nft_rules *r = NULL;
	struct rg_nl *nl;

	CHECK_INT(rg_nl_open(NETLINK_NETFILTER, &nl), 0);
	spec.port_min = 0;
	CHECK_INT(rg_nft_rules_create(nl, &spec, &r), -EINVAL);
	spec = stand_in;
	spec.port_min = 42000;
	CHECK_INT(rg_nft_rules_create(nl, &spec, &r), -EINVAL);
	spec = stand_in;
	spec.port_max = 65536;
	CHECK_INT(rg_nft_rules_create(nl, &spec, &r), -EINVAL);
	spec = stand_in;
	spec.table = 256;
	CHECK_INT(rg_nft_rules_create(nl, &spec, &r), -EINVAL);
	spec = stand_in;
	spec.target = "A_TARGET_NAME_OF_29_CHARACTERS";
	CHECK_INT(rg_nft_rules_create(nl, &spec, &r), -EINVAL);
	spec = stand_in;
	spec.target_info_len = RG_NFT_INFO_MAX + 1;
	CHECK_INT(rg_nft_rules_create(nl, &spec, &r), -EINVAL);
	CHECK(r == NULL);
	rg_nl_close(nl);
}

static const struct test_case cases[] = {
	{ "the rules make table inet rtpgate_N, owned, with an input chain steering the port range",
	  rules_steer_the_port_range_from_an_input_chain },
	{ "UDP to a port in the range passes the rule's counter, other ports do not",
	  udp_to_the_range_passes_the_rule_and_other_ports_do_not },
	{ "a stale table of the same name is replaced",
	  a_stale_table_of_the_same_name_is_replaced },
	{ "a table a live process owns is neither taken (-EPERM) nor deletable by others",
	  a_live_owners_table_is_not_taken },
	{ "a crashed daemon's table goes when its socket closes",
	  a_crashed_daemons_table_goes_with_its_socket },
	{ "destroying the rules removes the table",
	  destroying_removes_the_table },
	{ "without the RTPGATE target creating fails with -ENOENT and changes nothing",
	  without_the_rtpgate_target_nothing_is_left_behind },
	{ "bad port ranges, table numbers and target names are refused",
	  bad_specs_are_refused },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static int skip_all(const char *why)
{
	printf("# %s\n# skipped: %s\n0 passed, 0 failed, %zu skipped\n", __FILE__, why, NCASES);
	return 0;
}

/* Loopback up in the new namespace, so the test's packets meet the rule. */
static bool loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	bool ok;

	ok = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP;
	ok = ok && ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

int main(void)
{
	char out[256];

	if (unshare(CLONE_NEWNET) < 0)
		return skip_all("cannot make a network namespace (needs root)");
	if (run("nft --version", out, sizeof(out)) != 0)
		return skip_all("nft(8) is not installed (Debian package nftables)");
	if (!loopback_up())
		return skip_all("cannot bring up loopback in the namespace");
	return test_run(__FILE__, cases, NCASES);
}
