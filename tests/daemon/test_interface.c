/* test_interface.c - interface specs "NAME/ADDR[!ADV]" and lookup.
 *
 * Port ranges stay within 42000-42999 (test_ports uses 41000-41999).
 */
/* needs: interface ports addr */
#include <arpa/inet.h>
#include <errno.h>

#include "interface.h"
#include "test.h"

#define PORT_MIN 42000
#define PORT_MAX 42019

static unsigned local_port(const struct rg_interface *iface)
{
	if (iface->family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&iface->local)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&iface->local)->sin6_port);
}

struct good_spec {
	const char *spec, *name;
	int family;
	const char *local, *adv;
};

static const struct good_spec v4_specs[] = {
	{ "lo/127.0.0.1", "lo", AF_INET, "127.0.0.1", "127.0.0.1" },
	{ "127.0.0.1", "default", AF_INET, "127.0.0.1", "127.0.0.1" },
	{ "ext/127.0.0.1!203.0.113.7", "ext", AF_INET, "127.0.0.1", "203.0.113.7" },
	{ "any/0.0.0.0!203.0.113.7", "any", AF_INET, "0.0.0.0", "203.0.113.7" },
};

static const struct good_spec v6_specs[] = {
	{ "v6/::1", "v6", AF_INET6, "::1", "::1" },
	{ "v6/[::1]", "v6", AF_INET6, "::1", "::1" },
	{ "v6/::1!2001:db8::5", "v6", AF_INET6, "::1", "2001:db8::5" },
	{ "v6/[0:0:0:0:0:0:0:1]![2001:DB8:0::5]", "v6", AF_INET6, "::1", "2001:db8::5" },
	{ "ext.1_a:b-c/::1", "ext.1_a:b-c", AF_INET6, "::1", "::1" },
};

/* Creates @g->spec and checks its name, family, port 0, both address
 * texts and its pool; says what is wrong and returns false if anything. */
static bool creates_as_expected(const struct good_spec *g)
{
	char *err = NULL;
	struct rg_interface *iface = rg_interface_create(g->spec, PORT_MIN, PORT_MAX, &err);
	bool ok = iface && !err && strcmp(iface->name, g->name) == 0 &&
		iface->family == g->family && local_port(iface) == 0 &&
		iface->local.ss_family == g->family &&
		strcmp(iface->local_str, g->local) == 0 &&
		strcmp(iface->advertised, g->adv) == 0 &&
		rg_port_pool_total(iface->ports) == 10;

	if (!ok)
		printf("    spec '%s': %s name=%s local=%s adv=%s\n", g->spec,
		       err ? err : "(no error)", iface ? iface->name : "-",
		       iface ? iface->local_str : "-",
		       iface ? iface->advertised : "-");
	rg_interface_destroy(iface);
	g_free(err);
	return ok;
}

static void ipv4_specs_parse_with_name_and_advertised_address(void)
{
	size_t i, bad = 0;

	for (i = 0; i < sizeof(v4_specs) / sizeof(v4_specs[0]); i++)
		bad += !creates_as_expected(&v4_specs[i]);
	CHECK_INT(bad, 0);
}

static void ipv6_specs_parse_with_or_without_brackets(void)
{
	size_t i, bad = 0;

	for (i = 0; i < sizeof(v6_specs) / sizeof(v6_specs[0]); i++)
		bad += !creates_as_expected(&v6_specs[i]);
	CHECK_INT(bad, 0);
}

struct bad_spec {
	const char *spec;
	const char *problem;	/* a part of the error message */
};

static const struct bad_spec bad_specs[] = {
	{ "ext/1.2.3", "interface 'ext/1.2.3': '1.2.3' is not an IPv4 or IPv6 address" },
	{ "ext/", "address is missing" },
	{ "/1.2.3.4", "name before '/' is empty" },
	{ "ext/127.0.0.1!::1", "'::1' is IPv6 but '127.0.0.1' is IPv4" },
	{ "v6/::1!127.0.0.1", "'127.0.0.1' is IPv4 but '::1' is IPv6" },
	{ "ext/127.0.0.1!", "after '!' is missing" },
	{ "", "specification is empty" },
	{ NULL, "specification is empty" },
	{ "ext/127.0.0.1!1.2.3.4!5.6.7.8", "'1.2.3.4!5.6.7.8' is not an IPv4" },
	{ "ext/[127.0.0.1]", "'[127.0.0.1]' is not an IPv4" },
	{ "ext/[::1", "'[::1' is not an IPv4" },
	{ "ext/::1%lo", "'::1%lo' is not an IPv4" },
	{ "ext/ 127.0.0.1", "' 127.0.0.1' is not an IPv4" },
	{ "ext/1.2.3.4/5", "'1.2.3.4/5' is not an IPv4" },
	{ "e x/127.0.0.1", "name 'e x' has a character other than" },
	{ "ext!/127.0.0.1", "name 'ext!' has a character other than" },
	{ "ext/224.0.0.1", "address '224.0.0.1' is a multicast address" },
	{ "ext/127.0.0.1!ff02::1", "advertised address 'ff02::1' is a multicast" },
	{ "ext/127.0.0.1!239.1.1.1", "advertised address '239.1.1.1' is a multicast" },
	{ "ext/::ffff:127.0.0.1", "IPv4-mapped" },
	{ "ext/0.0.0.0", "'0.0.0.0' cannot be advertised" },
	{ "ext/::", "'::' cannot be advertised" },
	{ "ext/127.0.0.1!0.0.0.0", "'0.0.0.0' cannot be advertised" },
	{ "ext/\x01\x7f", "interface 'ext/\?\?': '\?\?' is not" },
};

static void bad_specs_give_null_and_an_error_naming_the_problem(void)
{
	size_t i, bad = 0;

	for (i = 0; i < sizeof(bad_specs) / sizeof(bad_specs[0]); i++) {
		const struct bad_spec *b = &bad_specs[i];
		char *err = NULL;
		struct rg_interface *iface = rg_interface_create(b->spec, PORT_MIN, PORT_MAX, &err);

		if (iface || !err || !strstr(err, b->problem)) {
			printf("    spec '%s': %s (want \"%s\")\n",
			       b->spec ? b->spec : "(null)",
			       err ? err : "(no error)", b->problem);
			bad++;
		}
		rg_interface_destroy(iface);
		g_free(err);
	}
	CHECK_INT(bad, 0);
}

static void very_long_name_is_refused_with_a_short_message(void)
{
	char spec[4096 + 32], *err = NULL;
	struct rg_interface *iface;

	memset(spec, 'n', 4096);
	strcpy(spec + 4096, "/127.0.0.1");
	iface = rg_interface_create(spec, PORT_MIN, PORT_MAX, &err);
	rg_interface_destroy(iface);
	CHECK(iface == NULL);
	CHECK(err != NULL);
	CHECK(strstr(err, "is longer than 64 bytes") != NULL);
	CHECK(strlen(err) < 300);
	g_free(err);
}

static void name_of_exactly_64_bytes_is_accepted(void)
{
	char spec[64 + 16], *err = NULL;
	struct rg_interface *iface;
	size_t name_len;

	memset(spec, 'n', 64);
	strcpy(spec + 64, "/127.0.0.1");
	iface = rg_interface_create(spec, PORT_MIN, PORT_MAX, &err);
	name_len = iface ? strlen(iface->name) : 0;
	rg_interface_destroy(iface);
	g_free(err);
	CHECK_INT(name_len, 64);
}

static void port_range_errors_name_the_range(void)
{
	char *e1 = NULL, *e2 = NULL;
	struct rg_interface *a = rg_interface_create("lo/127.0.0.1", 42001, 42001, &e1);
	struct rg_interface *b = rg_interface_create("lo/127.0.0.1", 42010, 42000, &e2);
	bool ok = !a && !b && e1 && e2 &&
		strstr(e1, "port range 42001-42001 holds no RTP/RTCP port pair") &&
		strstr(e2, "port range 42010-42000 is not within 1-65535");

	if (!ok)
		printf("    got \"%s\" and \"%s\"\n", e1 ? e1 : "-", e2 ? e2 : "-");
	rg_interface_destroy(a);
	rg_interface_destroy(b);
	g_free(e1);
	g_free(e2);
	CHECK(ok);
}

static void interface_pool_binds_on_its_address(void)
{
	struct rg_interface *iface = rg_interface_create("lo/127.0.0.1!203.0.113.7",
							 42040, 42049, NULL);
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct rg_port_pair pair;
	int rc = -1, gs = -1;

	CHECK(iface);
	rc = rg_port_pool_take(iface->ports, &pair);
	if (!rc) {
		gs = getsockname(pair.rtp_fd, (struct sockaddr *)&sin, &len);
		rg_port_pool_put(iface->ports, &pair);
	}
	rg_interface_destroy(iface);
	CHECK_INT(rc, 0);
	CHECK_INT(gs, 0);
	CHECK_INT(ntohl(sin.sin_addr.s_addr), INADDR_LOOPBACK);
	CHECK_INT(ntohs(sin.sin_port), pair.rtp_port);
}

static void destroy_iface(gpointer p)
{
	rg_interface_destroy(p);
}

static void find_picks_by_name_and_family(void)
{
	GPtrArray *ifs = g_ptr_array_new_with_free_func(destroy_iface);
	GPtrArray *empty = g_ptr_array_new();
	const char *specs[] = { "lo/127.0.0.1", "ext/127.0.0.1!203.0.113.7",
				"ext/::1!2001:db8::1" };
	struct rg_interface *lo, *ext4, *ext6;
	size_t i;

	for (i = 0; i < 3; i++)
		g_ptr_array_add(ifs, rg_interface_create(specs[i], PORT_MIN, PORT_MAX, NULL));
	lo = ifs->pdata[0];
	ext4 = ifs->pdata[1];
	ext6 = ifs->pdata[2];
	CHECK(lo && ext4 && ext6);
	CHECK(rg_interface_find(ifs, "ext", AF_INET6) == ext6);
	CHECK(rg_interface_find(ifs, "ext", AF_INET) == ext4);
	CHECK(rg_interface_find(ifs, "ext", AF_UNSPEC) == ext4);
	CHECK(rg_interface_find(ifs, NULL, AF_INET6) == ext6);
	CHECK(rg_interface_find(ifs, NULL, AF_UNSPEC) == lo);
	CHECK(rg_interface_find(ifs, "lo", AF_UNSPEC) == lo);
	CHECK(rg_interface_find(ifs, "lo", AF_INET6) == NULL);
	CHECK(rg_interface_find(ifs, "nope", AF_UNSPEC) == NULL);
	CHECK(rg_interface_find(ifs, "ex", AF_UNSPEC) == NULL);
	CHECK(rg_interface_find(empty, NULL, AF_UNSPEC) == NULL);
	CHECK(rg_interface_find(NULL, "ext", AF_UNSPEC) == NULL);
	g_ptr_array_unref(ifs);
	g_ptr_array_unref(empty);
}

static const struct test_case cases[] = {
	{ "IPv4 specs give the name (or \"default\"), the address and the advertised address",
	  ipv4_specs_parse_with_name_and_advertised_address },
	{ "IPv6 specs parse with or without brackets and come out canonical",
	  ipv6_specs_parse_with_or_without_brackets },
	{ "each bad spec gives NULL and an error naming the problem",
	  bad_specs_give_null_and_an_error_naming_the_problem },
	{ "a very long name is refused with a short error message",
	  very_long_name_is_refused_with_a_short_message },
	{ "a name of exactly 64 bytes is accepted",
	  name_of_exactly_64_bytes_is_accepted },
	{ "a port range without a pair or reversed is refused and named",
	  port_range_errors_name_the_range },
	{ "an interface's port pool binds on its local address",
	  interface_pool_binds_on_its_address },
	{ "find picks an interface by name and family, any with NULL or AF_UNSPEC, NULL when missing",
	  find_picks_by_name_and_family },
};

TEST_MAIN(cases)
