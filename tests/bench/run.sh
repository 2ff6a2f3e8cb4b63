#!/bin/bash
# run.sh - NG control-plane benchmark (`make bench`).
#
#   CPU 0: the daemon (taskset)        CPU 1: build/tests/bench/ng_bench
#          rtpgated, then rtpengine  <--- NG over 127.0.0.1 --- N calls in
#          (media ports 22000-29999)      flight, offer+answer+delete each
#
# Prints one table row per daemon: cycles/s, requests/s, p50/p99 latency,
# daemon CPU seconds per 1000 requests, daemon RSS; then the ratio when
# Debian's rtpengine could be run too. A benchmark measures and prints: it
# fails only when it cannot run, never on speed.
#
# Environment: BENCH_SECONDS (10), BENCH_INFLIGHT (8), BENCH_LOG_LEVEL (7,
# the level of the spec's test command line; both daemons get the same),
# BENCH_RTPENGINE=0 to skip rtpengine. Then the media relay's benchmark
# (rtp_bench.sh) and, as root, the socket shapes (relay_shapes.sh;
# BENCH_SHAPES=0 leaves them out).
set -u
cd "$(dirname "$0")/../.."

SECS=${BENCH_SECONDS:-10}
INFLIGHT=${BENCH_INFLIGHT:-8}
LOG_LEVEL=${BENCH_LOG_LEVEL:-7}
PORT_MIN=22000
PORT_MAX=29999
BENCH=build/tests/bench/ng_bench
DAEMON=build/rtpgated
LOGS=build/test-logs
PY=/usr/bin/python3

mkdir -p "$LOGS"
[ -x "$BENCH" ] && [ -x "$DAEMON" ] ||
	make --no-print-directory "$DAEMON" "$BENCH" || exit 1

if [ "$(nproc)" -ge 2 ]; then
	ON_DAEMON_CPU="taskset -c 0"
	ON_CLIENT_CPU="taskset -c 1"
	pinning="daemon on CPU 0, client on CPU 1"
else
	ON_DAEMON_CPU=""
	ON_CLIENT_CPU=""
	pinning="one CPU only: not pinned"
fi

# PIDs this script started; stopped by PID on every exit path.
STARTED=()
stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
cleanup() {
	local pid
	for pid in "${STARTED[@]}"; do
		stop_pid "$pid"
	done
	STARTED=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	$PY -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_pong PORT PID: 0 once the daemon on PORT answers an NG ping.
wait_pong() {
	$PY - "$1" "$2" <<'EOF'
import os, sys, time
sys.path.insert(0, "tests/ng")
from ngclient import NgClient, NgTimeout, BencodeError
port, pid = int(sys.argv[1]), int(sys.argv[2])
deadline = time.monotonic() + 20
with NgClient("127.0.0.1", port, timeout=0.2, retries=0) as c:
    while time.monotonic() < deadline:
        if not os.path.exists("/proc/%d" % pid):
            sys.exit(1)
        try:
            if c.ping().get("result") == "pong":
                sys.exit(0)
        except (NgTimeout, BencodeError, OSError):
            time.sleep(0.1)
sys.exit(1)
EOF
}

# bench_daemon LABEL LOG CMD...: runs CMD pinned, loads it, prints a row.
# The row goes to stdout and to $LOGS/bench-LABEL.row for the ratio.
bench_daemon() {
	local label=$1 log=$2 port=$3 pid
	shift 3
	$ON_DAEMON_CPU "$@" > "$log" 2>&1 &
	pid=$!
	STARTED+=("$pid")
	if ! wait_pong "$port" "$pid"; then
		echo "$label: did not answer ping; last lines of $log:"
		tail -n 5 "$log" | sed 's/^/    /'
		cleanup
		return 1
	fi
	$ON_CLIENT_CPU "$BENCH" --port "$port" --seconds "$SECS" \
		--inflight "$INFLIGHT" --pid "$pid" --label "$label" |
		tee "$LOGS/bench-$label.row"
	cleanup
}

echo "NG benchmark: offer+answer+delete, $INFLIGHT in flight, ${SECS} s," \
	"log level $LOG_LEVEL, $pinning"
"$BENCH" --header

port=$(free_port)
bench_daemon rtpgated "$LOGS/bench-rtpgated.log" "$port" \
	"$DAEMON" --config-file=none --foreground --log-stderr \
	--log-level="$LOG_LEVEL" --listen-ng="127.0.0.1:$port" \
	--port-min=$PORT_MIN --port-max=$PORT_MAX --delete-delay=0 \
	--interface=internal/127.0.0.1 \
	--interface='external/127.0.0.2!203.0.113.5' \
	--interface=internal/::1 || exit 1

# --- Debian's rtpengine, for comparison ---------------------------------
install_rtpengine() {
	command -v rtpengine >/dev/null && return 0
	local cand policy=/usr/sbin/policy-rc.d made=0 before
	cand=$(apt-cache policy rtpengine-daemon 2>/dev/null |
		awk '/Candidate:/ {print $2}')
	if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
		echo "rtpengine: no rtpengine-daemon package in the apt sources"
		return 1
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "rtpengine: not installed, and installing needs root"
		return 1
	fi
	# The package must not start its service: policy-rc.d says no, and
	# any rtpengine that appears anyway is stopped by its PID.
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' > "$policy"
		chmod 755 "$policy"
		made=1
	fi
	before=$(pgrep -x rtpengine | tr '\n' ' ')
	echo "rtpengine: installing rtpengine-daemon $cand (apt-get)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends rtpengine-daemon > "$LOGS/bench-apt.log" 2>&1
	local rc=$?
	[ "$made" = 1 ] && rm -f "$policy"
	for pid in $(pgrep -x rtpengine); do
		case " $before " in *" $pid "*) ;; *)
			echo "rtpengine: the package started PID $pid; stopping it"
			stop_pid "$pid";;
		esac
	done
	if [ $rc != 0 ]; then
		echo "rtpengine: apt-get install failed (see $LOGS/bench-apt.log)"
		return 1
	fi
	command -v rtpengine >/dev/null
}

if [ "${BENCH_RTPENGINE:-1}" = 0 ]; then
	echo "rtpengine: skipped (BENCH_RTPENGINE=0)"
elif install_rtpengine; then
	port=$(free_port)
	if bench_daemon rtpengine "$LOGS/bench-rtpengine.log" "$port" \
		rtpengine --table=-1 --config-file=none --foreground \
		--log-stderr --log-level="$LOG_LEVEL" \
		--interface=127.0.0.1 --listen-ng="127.0.0.1:$port" \
		--port-min=$PORT_MIN --port-max=$PORT_MAX --delete-delay=0; then
		awk 'FNR == 1 { r[FILENAME] = $3 }
		     END {
			a = r["'"$LOGS"'/bench-rtpgated.row"]
			b = r["'"$LOGS"'/bench-rtpengine.row"]
			if (a > 0 && b > 0)
				printf "ratio rtpgated/rtpengine requests/s: %.2f\n", a / b
		     }' "$LOGS/bench-rtpgated.row" "$LOGS/bench-rtpengine.row"
	else
		echo "rtpengine: could not be started (see $LOGS/bench-rtpengine.log)"
	fi
else
	echo "rtpengine: not run"
fi
RTP_BENCH_RTPENGINE=${BENCH_RTPENGINE:-1} tests/bench/rtp_bench.sh
if [ "${BENCH_SHAPES:-1}" = 0 ]; then
	echo "relay shapes: not run (BENCH_SHAPES=0)"
elif [ "$(id -u)" != 0 ]; then
	echo "relay shapes: not run (needs root: a network namespace, tproxy)"
else
	tests/bench/relay_shapes.sh
fi
exit 0
