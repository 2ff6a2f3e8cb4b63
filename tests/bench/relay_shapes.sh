#!/bin/bash
# relay_shapes.sh - the kernel's cost per packet for three shapes of a
# userspace relay's sockets, against rtpgated and Debian's rtpengine (when
# installed), under rtp_load's realistic load (tests/bench/relay_shapes.c
# says what each shape is).
#
#   tests/bench/relay_shapes.sh        # about 4 minutes on 2 cores
#
# Everything runs in a network namespace of its own (unshare -n, loopback
# only), so the nftables tproxy rule the tproxy shapes need touches
# nothing else; needs root. Each run: the relay pinned to core 0, rtp_load
# to core 1, as in rtp_bench.sh; the shapes take turns within each
# repetition. Prints relay CPU per million packets and packets per
# CPU-second per run, then the medians. It measures and prints: exit 0
# unless it could not run.
#
# rtpgated (io_uring) and rtpengine start as in rtp_bench.sh
# (relay_cmd.sh). Environment: SHAPES_CALLS (800), SHAPES_SECONDS (8),
# SHAPES_REPEAT (3), SHAPES ("sockets tproxy tproxy-raw rtpgated
# rtpengine"; rtpengine is left out where it is not installed).
set -u
cd "$(dirname "$0")/../.." || exit 1

if [ "${1:-}" != --inside ]; then
	[ "$(id -u)" = 0 ] || { echo "relay_shapes: needs root (netns, tproxy, raw socket)" >&2; exit 1; }
	command -v nft >/dev/null || { echo "relay_shapes: needs nft (nftables)" >&2; exit 1; }
	make -s deps all build/tests/bench/relay_shapes build/tests/bench/rtp_load || exit 1
	exec unshare -n "$0" --inside
fi

CALLS=${SHAPES_CALLS:-800}
SECS=${SHAPES_SECONDS:-8}
REPEAT=${SHAPES_REPEAT:-3}
SHAPES=${SHAPES:-sockets tproxy tproxy-raw rtpgated rtpengine}
command -v rtpengine >/dev/null || SHAPES=${SHAPES/rtpengine/}
NG=9990 TPROXY=9991
OUT=$(mktemp -d /tmp/relay-shapes.XXXXXX)

. tests/lib/stop_pid.sh
. tests/bench/relay_cmd.sh
RUNNING=
trap '[ -z "$RUNNING" ] || stop_pid "$RUNNING" 5 relay >/dev/null' EXIT
trap 'exit 130' INT TERM
ip link set lo up

tproxy_rules() {	# add | delete
	if [ "$1" = add ]; then
		nft -f - <<-EOF
		table ip relay_shapes {
			chain pre {
				type filter hook prerouting priority mangle; policy accept;
				ip daddr 127.0.0.1 udp dport 10000-29999 tproxy to :$TPROXY accept
			}
		}
		EOF
	else
		nft delete table ip relay_shapes 2>/dev/null
	fi
}

one_run() {	# shape rep
	local shape=$1 rep=$2 pid kv=$OUT/$1-$2.kv
	case $shape in
	rtpgated) relay_cmd rtpgated-uring $NG
		cmd=("${RELAY_CMD[@]}");;
	rtpengine) relay_cmd rtpengine $NG
		cmd=("${RELAY_CMD[@]}");;
	*) cmd=(build/tests/bench/relay_shapes --ng $NG --shape "$shape"
		--tproxy-port $TPROXY);;
	esac
	case $shape in tproxy*) tproxy_rules add;; esac
	taskset -c 0 "${cmd[@]}" 2>"$OUT/$shape-$rep.log" &
	pid=$! RUNNING=$!
	build/tests/bench/rtp_load --ng 127.0.0.1:$NG --wait-ready 10 >/dev/null &&
	taskset -c 1 build/tests/bench/rtp_load --ng 127.0.0.1:$NG --cpu-pid $pid \
		--label "$shape" --kv "$kv" --calls "$CALLS" --seconds "$SECS" \
		--warmup 2 >"$OUT/$shape-$rep.out" 2>&1
	stop_pid "$pid" 5 "$shape" >/dev/null
	RUNNING=
	tproxy_rules delete
	printf '%-10s rep %s: %s\n' "$shape" "$rep" "$(grep -E \
		'^(loss_pct|lat_p99_us|relay_cpu_pct|cpu_s_per_mpkt|pkt_per_cpu_s)=' \
		"$kv" 2>/dev/null | tr '\n' ' ')"
}

echo "relay shapes: $CALLS calls, ${SECS} s, $REPEAT repetition(s); load $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq "$REPEAT"); do
	for shape in $SHAPES; do
		one_run "$shape" "$rep"
	done
done
echo
echo "medians (packets per relay CPU-second; relative to 'sockets'):"
base=
for shape in $SHAPES; do
	med=$(cat "$OUT/$shape"-*.kv 2>/dev/null | sed -n 's/^pkt_per_cpu_s=//p' |
		sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]}')
	[ -n "$med" ] || { printf '  %-10s (no figure)\n' "$shape"; continue; }
	[ "$shape" = sockets ] && base=$med
	printf '  %-10s %8s' "$shape" "$med"
	[ -n "$base" ] && awk -v m="$med" -v b="$base" 'BEGIN {printf "  %.3f", m / b}'
	echo
done
rm -rf "$OUT"
exit 0
