# relay_cmd.sh - sourced by the media benchmarks (rtp_bench.sh,
# relay_shapes.sh), so that every one starts its relays alike.

# relay_cmd NAME NGPORT: sets RELAY_CMD to the command line of relay NAME
# (rtpgated-uring, rtpgated-epoll or rtpengine; rtpgated is $DAEMON, else
# build/rtpgated): userspace only, one media thread, NG on 127.0.0.1:NGPORT.
relay_cmd() {
	local common=(--table=-1 --config-file=none --foreground --log-stderr
		--log-level=4 --num-threads=1 --delete-delay=0
		"--listen-ng=127.0.0.1:$2")
	case $1 in
	rtpgated-*) RELAY_CMD=("${DAEMON:-build/rtpgated}" "${common[@]}"
		--interface=lo/127.0.0.1 --port-min=30000 --port-max=39999
		"--io-engine=${1#rtpgated-}");;
	rtpengine) RELAY_CMD=(rtpengine "${common[@]}" --interface=127.0.0.1
		--port-min=40000 --port-max=49999);;
	esac
}
