"""sdp_browser - the SDP of the browser test: what the phone and the
browser are sent, what each must and must not get, and a copy of every
SDP in build/test-logs/browser-sdp.log.
"""

import os
import re

from mediakit import sdp, sdp_media
from ngclient import repo_root

SDP_LOG = os.path.join(repo_root(), "build", "test-logs", "browser-sdp.log")

TO_PHONE = {"transport-protocol": "RTP/AVP", "ICE": "remove",
            "flags": ["replace-origin"]}
TO_BROWSER = {"transport-protocol": "UDP/TLS/RTP/SAVPF", "ICE": "force"}


# Not for a plain RTP/AVP phone: ICE, DTLS, and AVPF feedback (RFC 4585).
NOT_FOR_PHONE = ("ice-ufrag", "ice-pwd", "ice-lite", "ice-options",
                 "candidate", "end-of-candidates", "fingerprint", "setup",
                 "rtcp-fb")


def lines(text, prefix):
    return [l[len(prefix):] for l in text.replace("\r\n", "\n").split("\n")
            if l.startswith(prefix)]


def proto(text):
    m = lines(text, "m=")
    return m[0].split()[2] if m and len(m[0].split()) > 2 else None


def to_phone_problem(text):
    """What is wrong with the SDP rtpgated gives the phone, or None."""
    found = [a.partition(":")[0] for a in lines(text, "a=")
             if a.partition(":")[0] in NOT_FOR_PHONE]
    if proto(text) != "RTP/AVP":
        return "m= protocol is %s, not RTP/AVP\n%s" % (proto(text), text)
    if found:
        return "attributes %s reach the phone\n%s" % (
            sorted(set(found)), text)
    if sdp_media(text)["c"] != "127.0.0.1":
        return "c= is not the relay's 127.0.0.1\n" + text
    return None


def to_browser_problem(text, offer):
    """What is wrong with the SDP rtpgated gives the browser, or None."""
    attrs = lines(text, "a=")
    m = sdp_media(text)
    cands = [a.split() for a in attrs if a.startswith("candidate:")]
    setup = [a for a in attrs if a.startswith("setup:")]
    want_setup = "setup:actpass" if offer else "setup:passive"
    problems = []
    if proto(text) != "UDP/TLS/RTP/SAVPF":
        problems.append("m= protocol is %s" % proto(text))
    if not any(a.startswith("ice-ufrag:") for a in attrs) or \
            not any(a.startswith("ice-pwd:") for a in attrs):
        problems.append("no a=ice-ufrag and a=ice-pwd")
    if not any(len(c) > 5 and c[4] == "127.0.0.1" and int(c[5]) == m["port"]
               and c[1] == "1" for c in cands):
        problems.append("no component 1 candidate 127.0.0.1:%s" % m["port"])
    if not any(a.startswith("fingerprint:sha-256 ") for a in attrs):
        problems.append("no a=fingerprint:sha-256")
    if setup != [want_setup]:
        problems.append("a=%s, wanted a=%s" % (setup, want_setup))
    if "rtcp-mux" not in attrs:
        problems.append("no a=rtcp-mux")
    return "; ".join(problems) + "\n" + text if problems else None


def browser_sdp_problem(text, early):
    """None if the browser's SDP is UDP/TLS/RTP/SAVPF and its candidates
    are all on 127.0.0.1, or (@early) it has none: port 9, c=0.0.0.0."""
    cands = lines(text, "a=candidate:")
    others = [c for c in cands if c.split()[4:5] != ["127.0.0.1"]]
    m = sdp_media(text)
    if proto(text) != "UDP/TLS/RTP/SAVPF":
        return "m= protocol %s\n%s" % (proto(text), text)
    if early:
        return None if not cands and m["port"] == 9 and m["c"] == "0.0.0.0" \
            else "candidates or an address before gathering\n" + text
    if not cands:
        return "the browser's SDP has no candidate\n" + text
    return "non-loopback candidates: %s" % others if others else None


def early_words(early):
    return "no candidate yet (port 9, c=0.0.0.0)" if early \
        else "host candidates on 127.0.0.1 only"


def phone_sdp(phone):
    """The phone's offer or answer: PCMU and PCMA, RTCP on port + 1; kept
    as phone.sdp for a re-INVITE."""
    phone.sdp = sdp(phone.ep)
    return phone.sdp


def keep(name, what, text):
    """Appends @text to build/test-logs/browser-sdp.log; returns it."""
    with open(SDP_LOG, "a") as f:
        f.write("=== %s: %s\n%s\n" % (name, what, text.replace("\r\n", "\n")))
    return text


def phone_reinvite_sdp(text):
    """@text, the phone's earlier SDP, with its o= version one higher (RFC
    3264 8: an unchanged session in a re-INVITE)."""
    return re.sub(r"^(o=\S+ \S+ )(\d+)", lambda m: m.group(1) + str(
        int(m.group(2)) + 1), text, count=1, flags=re.M)


def rtpgate_ice_dtls(text):
    """rtpgated's ICE credentials, fingerprint and setup role in @text,
    and the m= port: what must stay the same over a re-INVITE."""
    keys = ("ice-ufrag:", "ice-pwd:", "fingerprint:", "setup:")
    return {"attrs": [a for a in lines(text, "a=") if a.startswith(keys)],
            "port": sdp_media(text)["port"]}
