/* addr.h - IPv4/IPv6 socket addresses as rtpgated handles them: made from
 * text and a port, written as text, compared. One place for what the
 * config, SDP, stats, CLI, port pool and packet path all need. */
#ifndef RG_ADDR_H
#define RG_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* @ss for the IPv4 or IPv6 literal @text and @port (host order). Returns
 * the address's length, or 0 (and @ss zeroed) when @text is neither. */
socklen_t rg_addr_from_text(struct sockaddr_storage *ss, const char *text, unsigned port);

/* @ss's address as text in @text (@len >= INET6_ADDRSTRLEN) and its port
 * in *@port; false when @ss is not IPv4 or IPv6. */
bool rg_addr_to_text(const struct sockaddr_storage *ss, char *text, size_t len,
		     unsigned *port);

/* Sets the port of @ss (IPv4 or IPv6) to @port (host order). */
void rg_addr_set_port(struct sockaddr_storage *ss, unsigned port);

/* true when @a and @b have the same family, address and port. */
bool rg_addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

/* The length of @ss as sendto() and bind() want it. */
socklen_t rg_addr_len(const struct sockaddr_storage *ss);

#endif
