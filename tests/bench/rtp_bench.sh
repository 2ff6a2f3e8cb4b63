#!/bin/bash
# rtp_bench.sh - media relay benchmark: rtpgated (each of its I/O engines,
# io_uring and epoll) and Debian's rtpengine (userspace, no kernel table)
# forwarding the same RTP load in one run.
#
#   CPU 0: the relay (taskset)              CPU 1: build/tests/bench/rtp_load
#   rtpgated 127.0.0.1:30000-39999   <--NG--  sets up K calls, then each
#   rtpengine 127.0.0.1:40000-49999  <-RTP->  party 127.0.0.11 / 127.0.0.12
#                                             sends to its relay port
#
# Every scenario runs on each relay in turn (all meet much the same load
# on this shared machine; each repetition starts with the next relay, so
# none always goes first), starting the relay afresh (its RSS before the
# calls is then a clean baseline) and stopping it by PID afterwards:
#   realistic  K calls x 2 directions x 50 packets/s, K in RTP_BENCH_CALLS
#   max        RTP_BENCH_MAX_CALLS calls (2 streams each), the rate of
#              every stream rising by 1.25 each half second until loss
# It prints each run's table, then one table with the relays side by side
# (medians over the repetitions) and the ratios rtpgated/rtpengine. A
# benchmark measures and prints: exit 0 unless it could not run at all
# (build failed, no rtpgated engine would start).
#
# Environment: RTP_BENCH_CALLS ("200 400 800 1200"), RTP_BENCH_SECONDS (10),
# RTP_BENCH_WARMUP (2), RTP_BENCH_MAX_CALLS (50 = 100 streams),
# RTP_BENCH_MAX_SECONDS (10), RTP_BENCH_MAX_START_RATE (200 packets/s per
# stream), RTP_BENCH_RTPENGINE=0 to leave rtpengine out,
# RTP_BENCH_ENGINES ("uring epoll": rtpgated's --io-engine values to run),
# RTP_BENCH_REPEAT (1: how often the realistic grid runs), RTP_BENCH_MAX=0
# to leave the max scenario out.
set -u
cd "$(dirname "$0")/../.." || exit 1

CALLS=${RTP_BENCH_CALLS:-200 400 800 1200}
SECS=${RTP_BENCH_SECONDS:-10}
WARMUP=${RTP_BENCH_WARMUP:-2}
MAX_CALLS=${RTP_BENCH_MAX_CALLS:-50}
MAX_SECS=${RTP_BENCH_MAX_SECONDS:-10}
MAX_RATE=${RTP_BENCH_MAX_START_RATE:-200}
ENGINES=${RTP_BENCH_ENGINES:-uring epoll}
REPEAT=${RTP_BENCH_REPEAT:-1}
LOAD_ENGINE=${RTP_BENCH_LOAD_ENGINE:-uring}
LOAD=build/tests/bench/rtp_load
DAEMON=build/rtpgated
OUT=build/test-logs/rtp-bench
PY=/usr/bin/python3
. tests/bench/relay_cmd.sh

mkdir -p "$OUT" && rm -f "$OUT"/*.kv
make --no-print-directory "$DAEMON" "$LOAD" > "$OUT/build.log" 2>&1 || {
	echo "rtp_bench: build failed (see $OUT/build.log)"
	exit 1
}
# 1200 calls: 2400 sockets here, about 4800 in the relay.
ulimit -n "$(ulimit -Hn)" 2>/dev/null

if [ "$(nproc)" -ge 2 ]; then
	ON_RELAY_CPU=(taskset -c 0)
	ON_LOAD_CPU=(taskset -c 1)
	pinning="relay on CPU 0, generator on CPU 1"
else
	ON_RELAY_CPU=()
	ON_LOAD_CPU=()
	pinning="one CPU only: not pinned"
fi
# An upper bound for one rtp_load run, which bounds itself anyway.
LOAD_LIMIT=$(awk "BEGIN { print int($WARMUP + $SECS + $MAX_SECS + 120) }")

RELAY_PID=
# Stops the relay this script started: SIGTERM, SIGKILL after 5 s.
stop_relay() {
	[ -n "$RELAY_PID" ] || return 0
	kill -TERM "$RELAY_PID" 2>/dev/null &&
		! timeout 5 tail --pid="$RELAY_PID" -f /dev/null &&
		kill -KILL "$RELAY_PID" 2>/dev/null
	wait "$RELAY_PID" 2>/dev/null
	RELAY_PID=
}
trap stop_relay EXIT
trap 'exit 130' INT TERM

free_port() {
	$PY -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# scenario RELAY NAME RTP_LOAD_ARGS...: a fresh relay, one rtp_load run
# writing $OUT/RELAY-NAME.kv. Returns 2 if the relay did not start.
scenario() {
	local relay=$1 name=$2 port log rc
	shift 2
	port=$(free_port)
	log="$OUT/$relay-$name.log"
	relay_cmd "$relay" "$port"
	"${ON_RELAY_CPU[@]}" "${RELAY_CMD[@]}" > "$log" 2>&1 &
	RELAY_PID=$!
	if ! "$LOAD" --ng "127.0.0.1:$port" --wait-ready 10 ||
	   ! kill -0 "$RELAY_PID" 2>/dev/null; then
		echo "$relay did not answer an NG ping; last lines of $log:"
		tail -n 3 "$log" | sed 's/^/    /'
		stop_relay
		return 2
	fi
	timeout -k 10 "$LOAD_LIMIT" "${ON_LOAD_CPU[@]}" "$LOAD" \
		--ng "127.0.0.1:$port" --cpu-pid "$RELAY_PID" --label "$relay" \
		--kv "$OUT/$relay-$name.kv" --engine "$LOAD_ENGINE" "$@"
	rc=$?
	stop_relay
	[ $rc = 0 ] || echo "$relay: rtp_load could not run $name (exit $rc)"
	return 0
}

kv() { sed -n "s/^$2=//p" "$OUT/$1.kv" 2>/dev/null; }

# rotate N WORDS...: the words, starting with the (N mod count)th.
rotate() {
	local n=$1 words
	shift
	words=("$@")
	n=$((n % ${#words[@]}))
	echo "${words[@]:n}" "${words[@]:0:n}"
}

# run_each NAME REP RTP_LOAD_ARGS...: scenario NAME-REP for each relay in
# $RELAYS, one after the other (repetition REP starts with the REPth), so
# that all meet much the same load on the machine. A relay that cannot
# start or forwards nothing leaves $RELAYS.
run_each() {
	local name=$1-$2 relay rc kept=
	# shellcheck disable=SC2046
	set -- $(rotate "$(($2 - 1))" $RELAYS) -- "${@:3}"
	local order=()
	while [ "$1" != -- ]; do order+=("$1"); shift; done
	shift
	for relay in "${order[@]}"; do
		scenario "$relay" "$name" "$@"
		rc=$?
		if [ $rc = 2 ]; then
			echo "$relay: could not be started: left out from here on"
		elif [ "$(kv "$relay-$name" received)" = 0 ]; then
			echo "$relay forwarded no RTP (0 packets came back):" \
				"left out from here on"
		else
			kept="$kept $relay"
		fi
	done
	# keep $RELAYS' own order: the summary's columns follow it
	RELAYS=$(for relay in $RELAYS; do
		case " $kept " in *" $relay "*) echo "$relay";; esac
	done | tr '\n' ' ')
	case " $RELAYS" in
	*" rtpgated-"*) ;;
	*) echo "no rtpgated engine could run"; exit 1;;
	esac
}

# have_rtpengine: 0 when the rtpengine binary is there (installed from
# Debian's package if it was not; the package's service is kept from
# starting by a policy-rc.d that is removed afterwards).
have_rtpengine() {
	local policy=/usr/sbin/policy-rc.d made=0 rc
	command -v rtpengine > /dev/null && return 0
	[ "$(id -u)" = 0 ] || return 1
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy"
		made=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends rtpengine-daemon > "$OUT/apt.log" 2>&1
	rc=$?
	[ $made = 1 ] && rm -f "$policy"
	[ $rc = 0 ] && command -v rtpengine > /dev/null
}

RELAYS=$(for e in $ENGINES; do printf "rtpgated-%s\n" "$e"; done | paste -sd " ")
ALL_RELAYS=$RELAYS
if [ "${RTP_BENCH_RTPENGINE:-1}" = 0 ]; then
	echo "rtpengine: left out (RTP_BENCH_RTPENGINE=0)"
elif ! have_rtpengine; then
	echo "rtpengine: not installed and could not be installed" \
		"(see $OUT/apt.log): rtpgated only"
else
	RELAYS="$RELAYS rtpengine"
	ALL_RELAYS=$RELAYS
fi

echo "RTP benchmark: $pinning; relays $RELAYS; realistic ${SECS} s after" \
	"${WARMUP} s warm-up at $CALLS calls, $REPEAT time(s); max with" \
	"$((2 * MAX_CALLS)) streams; load $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq "$REPEAT"); do
	for k in $CALLS; do
		run_each "r$k" "$rep" --calls "$k" --seconds "$SECS" --warmup "$WARMUP"
	done
done
[ "${RTP_BENCH_MAX:-1}" = 0 ] ||
	run_each max 1 --mode max --calls "$MAX_CALLS" --rate "$MAX_RATE" \
		--seconds "$MAX_SECS" --warmup 1
$PY tests/bench/rtp_summary.py "$OUT" "$CALLS" \
	"rtpengine $(dpkg-query -W -f='${Version}' rtpengine-daemon 2>/dev/null)" \
	"$ALL_RELAYS" "$REPEAT"
exit 0
