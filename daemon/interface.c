/* interface.c - parsing "NAME/ADDR[!ADV]" into a network interface. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "interface.h"

#define QUOTE_MAX 72	/* how much of a hostile string an error repeats */

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[INET6_ADDRSTRLEN];
};

/* @s (at most @len bytes) made safe to print: non-printable bytes become
 * '?', and a long string is cut short with "...". */
static const char *quote(const char *s, size_t len, char buf[QUOTE_MAX])
{
	size_t i, n = strnlen(s, len);

	for (i = 0; i < n && i < QUOTE_MAX - 4; i++)
		buf[i] = g_ascii_isprint(s[i]) ? s[i] : '?';
	if (i < n) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static void fail(char **err, const char *spec, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(char **err, const char *spec, const char *fmt, ...)
{
	char q[QUOTE_MAX], *why;
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	why = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	*err = g_strdup_printf("interface '%s': %s", quote(spec, SIZE_MAX, q), why);
	g_free(why);
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* Parses the @len bytes at @s as an IPv4 or IPv6 literal ("[v6]" too). */
static bool parse_addr(const char *s, size_t len, struct addr *a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
	bool bracketed = len >= 2 && s[0] == '[' && s[len - 1] == ']';
	char buf[INET6_ADDRSTRLEN];

	if (bracketed) {
		s++;
		len -= 2;
	}
	if (len >= sizeof(buf) || memchr(s, '\0', len))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(a, 0, sizeof(*a));
	if (!bracketed && inet_pton(AF_INET, buf, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		a->len = sizeof(*sin);
		inet_ntop(AF_INET, &sin->sin_addr, a->text, sizeof(a->text));
		return true;
	}
	if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		a->len = sizeof(*sin6);
		inet_ntop(AF_INET6, &sin6->sin6_addr, a->text, sizeof(a->text));
		return true;
	}
	return false;
}

/* Why @a cannot serve as an interface address, or NULL if it can. */
static const char *addr_problem(const struct addr *a)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;

	if (a->ss.ss_family == AF_INET)
		return IN_MULTICAST(ntohl(sin->sin_addr.s_addr)) ?
			"is a multicast address" : NULL;
	if (IN6_IS_ADDR_MULTICAST(&sin6->sin6_addr))
		return "is a multicast address";
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return "is IPv4-mapped; write it as IPv4";
	return NULL;
}

static bool addr_unspecified(const struct addr *a)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;

	if (a->ss.ss_family == AF_INET)
		return sin->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
}

/* Checks the @len bytes of a name at @s; on error fills *err. */
static bool check_name(const char *s, size_t len, const char *spec, char **err)
{
	char q[QUOTE_MAX];
	size_t i;

	if (len == 0) {
		fail(err, spec, "the name before '/' is empty");
		return false;
	}
	if (len > RG_INTERFACE_NAME_MAX) {
		fail(err, spec, "name '%s' is longer than %d bytes",
		     quote(s, len, q), RG_INTERFACE_NAME_MAX);
		return false;
	}
	for (i = 0; i < len; i++) {
		if (!g_ascii_isalnum(s[i]) && !strchr("._:-", s[i])) {
			fail(err, spec, "name '%s' has a character other than "
			     "A-Z a-z 0-9 . _ : -", quote(s, len, q));
			return false;
		}
	}
	return true;
}

/* Parses one address part of @spec, named by @what; @missing says what is
 * wrong when the part is empty. */
static bool parse_part(const char *s, size_t len, const char *what,
		       const char *missing, struct addr *a, const char *spec,
		       char **err)
{
	char q[QUOTE_MAX];
	const char *why;

	if (len == 0) {
		fail(err, spec, "%s", missing);
		return false;
	}
	if (!parse_addr(s, len, a)) {
		fail(err, spec, "'%s' is not an IPv4 or IPv6 address",
		     quote(s, len, q));
		return false;
	}
	why = addr_problem(a);
	if (why) {
		fail(err, spec, "%s '%s' %s", what, a->text, why);
		return false;
	}
	return true;
}

/* Splits and checks @spec into a name and the two addresses. */
static bool parse_spec(const char *spec, char **name, struct addr *local,
		       struct addr *adv, char **err)
{
	const char *slash = strchr(spec, '/'), *addr = spec, *bang;
	size_t addr_len;

	if (slash) {
		if (!check_name(spec, (size_t)(slash - spec), spec, err))
			return false;
		addr = slash + 1;
	}
	bang = strchr(addr, '!');
	addr_len = bang ? (size_t)(bang - addr) : strlen(addr);
	if (!parse_part(addr, addr_len, "address",
			"the address is missing", local, spec, err))
		return false;
	if (!bang) {
		*adv = *local;
	} else {
		if (!parse_part(bang + 1, strlen(bang + 1), "advertised address",
				"the advertised address after '!' is missing",
				adv, spec, err))
			return false;
		if (adv->ss.ss_family != local->ss.ss_family) {
			fail(err, spec, "advertised address '%s' is %s but '%s' is %s",
			     adv->text, family_name(adv->ss.ss_family),
			     local->text, family_name(local->ss.ss_family));
			return false;
		}
	}
	if (addr_unspecified(adv)) {
		fail(err, spec, "'%s' cannot be advertised in SDP; add !ADDRESS",
		     adv->text);
		return false;
	}
	*name = slash ? g_strndup(spec, (size_t)(slash - spec)) : g_strdup("default");
	return true;
}

struct rg_interface *rg_interface_create(const char *spec, unsigned port_min,
					 unsigned port_max, char **err)
{
	struct rg_interface *iface;
	struct addr local, adv;
	char *name;

	if (err)
		*err = NULL;
	if (!spec || !*spec) {
		fail(err, "", "the specification is empty");
		return NULL;
	}
	if (!parse_spec(spec, &name, &local, &adv, err))
		return NULL;
	iface = g_new0(struct rg_interface, 1);
	iface->name = name;
	iface->family = local.ss.ss_family;
	iface->local = local.ss;
	iface->local_len = local.len;
	memcpy(iface->local_str, local.text, sizeof(iface->local_str));
	memcpy(iface->advertised, adv.text, sizeof(iface->advertised));
	iface->ports = rg_port_pool_create((struct sockaddr *)&iface->local,
					   iface->local_len, port_min, port_max);
	if (!iface->ports) {
		if (errno == ENOMEM)
			fail(err, spec, "out of memory for the port pool");
		else if (port_min < 1 || port_max > 65535 || port_min > port_max)
			fail(err, spec, "port range %u-%u is not within 1-65535 "
			     "with min <= max", port_min, port_max);
		else
			fail(err, spec, "port range %u-%u holds no RTP/RTCP port "
			     "pair (even port and the next)", port_min, port_max);
		rg_interface_destroy(iface);
		return NULL;
	}
	return iface;
}

void rg_interface_destroy(struct rg_interface *iface)
{
	if (!iface)
		return;
	rg_port_pool_destroy(iface->ports);
	g_free(iface->name);
	g_free(iface);
}

struct rg_interface *rg_interface_find(GPtrArray *ifaces, const char *name,
				       int family)
{
	struct rg_interface *iface;
	guint i;

	if (!ifaces)
		return NULL;
	for (i = 0; i < ifaces->len; i++) {
		iface = g_ptr_array_index(ifaces, i);
		if (!iface)
			continue;
		if (name && strcmp(iface->name, name) != 0)
			continue;
		if (family != AF_UNSPEC && iface->family != family)
			continue;
		return iface;
	}
	return NULL;
}
