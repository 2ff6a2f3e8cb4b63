/* interface.h - the daemon's network interfaces: a named local address,
 * the address that SDP advertises for it, and its media port pool.
 *
 * Interfaces are created from the configuration at start-up and read-only
 * afterwards, except their port pools (see ports.h: control thread only).
 */
#ifndef RG_INTERFACE_H
#define RG_INTERFACE_H

#include <glib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "ports.h"

/* The longest interface name accepted, in bytes. */
#define RG_INTERFACE_NAME_MAX 64

struct rg_interface {
	char *name;			/* "default" when the spec has no NAME/ */
	int family;			/* AF_INET or AF_INET6 */
	struct sockaddr_storage local;	/* port 0 */
	socklen_t local_len;
	char local_str[INET6_ADDRSTRLEN];	/* canonical text of the bind address */
	char advertised[INET6_ADDRSTRLEN];	/* what SDP shows: !ADV, else local_str */
	struct rg_port_pool *ports;
};

/* Parses "NAME/ADDR[!ADV]" or "ADDR[!ADV]" and creates the interface with
 * its port pool over [port_min, port_max].
 *   NAME  1..RG_INTERFACE_NAME_MAX of [A-Za-z0-9._:-]
 *   ADDR  an IPv4 or IPv6 literal (IPv6 optionally in [brackets], no zone
 *         index), not multicast
 *   ADV   the same family as ADDR, not multicast; required when ADDR is
 *         the unspecified address (SDP cannot advertise 0.0.0.0 or ::)
 * Returns the interface, which the caller owns (rg_interface_destroy). On
 * error returns NULL and sets *err to a g_strdup'd message naming the bad
 * part, which the caller g_free()s, e.g.
 * "interface 'ext/1.2.3': '1.2.3' is not an IPv4 or IPv6 address". */
struct rg_interface *rg_interface_create(const char *spec, unsigned port_min,
					 unsigned port_max, char **err);

/* Frees @iface and its port pool (NULL is allowed). Pairs still taken from
 * the pool must have been put back, or be closed by their takers. */
void rg_interface_destroy(struct rg_interface *iface);

/* The first interface in @ifaces (a GPtrArray of struct rg_interface *)
 * whose name is @name (NULL: any name) and whose family is @family
 * (AF_UNSPEC: any). NULL if none. Several interfaces may share a name with
 * different families ("ext/1.2.3.4" and "ext/2001:db8::1"); the family
 * picks one. The array keeps ownership. */
struct rg_interface *rg_interface_find(GPtrArray *ifaces, const char *name,
				       int family);

#endif
