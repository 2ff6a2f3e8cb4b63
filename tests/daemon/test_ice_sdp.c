/* test_ice_sdp.c - what the ICE-lite agent puts in SDP: its credentials
 * and its host candidate lines (the checks are test_ice.c's).
 */
/* needs: ice ice_checks */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "ice.h"
#include "test.h"

#define THEIR_UFRAG	"bRoW"
#define THEIR_PWD	"browserPassword0123456789+/"

static struct rg_ice *ice;	/* the agent under test, new in each case */

static bool new_agent(void)
{
	rg_ice_destroy(ice);
	ice = rg_ice_create();
	return ice && rg_ice_set_remote(ice, THEIR_UFRAG, THEIR_PWD) == 0;
}

/* ---- credentials ---- */

static bool ice_chars_only(const char *s)
{
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789+/") == strlen(s);
}

static void fresh_credentials_are_random_ice_chars_of_rfc_length(void)
{
	struct rg_ice *other;
	bool differ;

	CHECK(new_agent());
	other = rg_ice_create();
	CHECK(other);
	differ = strcmp(rg_ice_local_ufrag(other), rg_ice_local_ufrag(ice)) &&
		 strcmp(rg_ice_local_pwd(other), rg_ice_local_pwd(ice));
	rg_ice_destroy(other);
	CHECK(differ);
	CHECK_INT(strlen(rg_ice_local_ufrag(ice)), RG_ICE_UFRAG_LEN);
	CHECK_INT(strlen(rg_ice_local_pwd(ice)), RG_ICE_PWD_LEN);
	CHECK(RG_ICE_UFRAG_LEN >= 4 && RG_ICE_PWD_LEN >= 22);
	CHECK(ice_chars_only(rg_ice_local_ufrag(ice)));
	CHECK(ice_chars_only(rg_ice_local_pwd(ice)));
	CHECK_STR(rg_ice_remote_ufrag(ice), THEIR_UFRAG);
	CHECK_STR(rg_ice_remote_pwd(ice), THEIR_PWD);
}

static void over_many_agents_every_ice_char_turns_up(void)
{
	char seen[128] = { 0 };
	const char *p;
	unsigned i, distinct = 0;

	for (i = 0; i < 64; i++) {
		CHECK(new_agent());
		for (p = rg_ice_local_pwd(ice); *p; p++)
			seen[(unsigned char)*p & 127] = 1;
	}
	for (i = 0; i < 128; i++)
		distinct += seen[i];
	/* 1536 draws from 64 symbols: missing one has odds below 1e-9 */
	CHECK_INT(distinct, 64);
}

static void credentials_outside_the_ice_char_set_are_refused(void)
{
	char longest[RG_ICE_CRED_MAX + 2];

	CHECK(new_agent());
	memset(longest, 'a', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	CHECK_INT(rg_ice_set_remote(ice, "ab:c", THEIR_PWD), -EINVAL);
	CHECK_INT(rg_ice_set_remote(ice, "abc d", THEIR_PWD), -EINVAL);
	CHECK_INT(rg_ice_set_remote(ice, "", THEIR_PWD), -EINVAL);
	CHECK_INT(rg_ice_set_remote(ice, "abcd", NULL), -EINVAL);
	CHECK_INT(rg_ice_set_remote(ice, longest, THEIR_PWD), -EINVAL);
	CHECK_STR(rg_ice_remote_ufrag(ice), THEIR_UFRAG);
	longest[RG_ICE_CRED_MAX] = '\0';
	CHECK_INT(rg_ice_set_remote(ice, longest, THEIR_PWD), 0);
	CHECK_INT(rg_ice_set_local(ice, "abc", "0123456789012345678901"), -EINVAL);
	CHECK_INT(rg_ice_set_local(ice, "abcd", "012345678901234567890"), -EINVAL);
	CHECK_INT(rg_ice_set_local(ice, "abcd", "01234567890123456789é"), -EINVAL);
	CHECK_INT(rg_ice_set_local(ice, "ab/+", "0123456789012345678901"), 0);
	CHECK_STR(rg_ice_local_ufrag(ice), "ab/+");
	CHECK_STR(rg_ice_local_pwd(ice), "0123456789012345678901");
}

/* ---- candidates ---- */

static void host_priority_follows_rfc_8445_formula(void)
{
	/* 126 * 2^24 + 65535 * 2^8 + (256 - 1), worked by hand */
	CHECK(rg_ice_priority(126, 65535, 1) == 2113929216u + 16776960u + 255u);
	CHECK(rg_ice_priority(126, 65535, 1) == 2130706431u);
	CHECK(rg_ice_priority(126, 65535, 2) == 2130706430u);
	CHECK(rg_ice_priority(100, 10, 1) == 100u * 16777216u + 2560u + 255u);
	CHECK(rg_ice_priority(0, 0, 256) == 0);
	CHECK(rg_ice_priority(200, 70000, 0) == 2130706431u);
}

static void candidate_line_is_a_host_candidate_in_sdp_syntax(void)
{
	char line[RG_ICE_CANDIDATE_MAX], addr[64], udp[8], typ[8], host[8];
	unsigned long found, prio;
	unsigned comp, port;

	CHECK_INT(rg_ice_candidate_line("203.0.113.5", 30000, 1, line,
					sizeof(line)), 0);
	CHECK_INT(sscanf(line, "%lu %u %7s %lu %63s %u %7s %7s", &found, &comp,
			 udp, &prio, addr, &port, typ, host), 8);
	CHECK_INT(comp, 1);
	CHECK_STR(udp, "UDP");
	CHECK_INT(prio, 2130706431);
	CHECK_STR(addr, "203.0.113.5");
	CHECK_INT(port, 30000);
	CHECK_STR(typ, "typ");
	CHECK_STR(host, "host");
	CHECK(found <= 0xffffffffu);
	CHECK(strstr(line, " typ host") == line + strlen(line) - 9);
}

static void both_components_of_an_address_share_a_foundation(void)
{
	char a1[RG_ICE_CANDIDATE_MAX], a2[RG_ICE_CANDIDATE_MAX];
	char b1[RG_ICE_CANDIDATE_MAX];

	CHECK_INT(rg_ice_candidate_line("2001:DB8:0:0::1", 30002, 1, a1,
					sizeof(a1)), 0);
	CHECK_INT(rg_ice_candidate_line("2001:db8::1", 30003, 2, a2,
					sizeof(a2)), 0);
	CHECK_INT(rg_ice_candidate_line("2001:db8::2", 30002, 1, b1,
					sizeof(b1)), 0);
	CHECK(strstr(a1, " 1 UDP 2130706431 2001:db8::1 30002 typ host"));
	CHECK(strstr(a2, " 2 UDP 2130706430 2001:db8::1 30003 typ host"));
	CHECK(!strncmp(a1, a2, strcspn(a1, " ") + 1));
	CHECK(strncmp(a1, b1, strcspn(a1, " ") + 1));
}

static void bad_candidate_arguments_are_refused(void)
{
	static const struct {
		const char *addr;
		unsigned port, component;
	} bad[] = {
		{ "rtp.example.com", 9, 1 }, { "0.0.0.0", 9, 1 }, { "::", 9, 1 },
		{ NULL, 9, 1 }, { "192.0.2.1", 0, 1 }, { "192.0.2.1", 65536, 1 },
		{ "192.0.2.1", 9, 0 }, { "192.0.2.1", 9, 3 },
	};
	char line[RG_ICE_CANDIDATE_MAX], tiny[20] = "x";
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(rg_ice_candidate_line(bad[i].addr, bad[i].port,
						bad[i].component, line,
						sizeof(line)), -EINVAL);
	CHECK_INT(rg_ice_candidate_line("192.0.2.1", 9, 1, tiny, sizeof(tiny)),
		  -ENOSPC);
	CHECK_STR(tiny, "");
	/* the longest address text there is fits RG_ICE_CANDIDATE_MAX */
	CHECK_INT(rg_ice_candidate_line("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
					65535, 2, line, sizeof(line)), 0);
	CHECK(strstr(line, " 2 UDP 2130706430 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 typ host"));
}

static const struct test_case cases[] = {
	{ "fresh credentials are random ice-chars of RFC length",
	  fresh_credentials_are_random_ice_chars_of_rfc_length },
	{ "over many agents every ice-char turns up",
	  over_many_agents_every_ice_char_turns_up },
	{ "credentials outside the ice-char set or lengths are refused",
	  credentials_outside_the_ice_char_set_are_refused },
	{ "host priority follows the RFC 8445 formula",
	  host_priority_follows_rfc_8445_formula },
	{ "a candidate line is a host candidate in SDP syntax",
	  candidate_line_is_a_host_candidate_in_sdp_syntax },
	{ "both components of an address share a foundation",
	  both_components_of_an_address_share_a_foundation },
	{ "bad candidate arguments are refused",
	  bad_candidate_arguments_are_refused },
};

TEST_MAIN(cases)
