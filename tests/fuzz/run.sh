#!/bin/bash
# run.sh SECONDS - run every libFuzzer target for SECONDS each.
#
# Each executable build-fuzz/fuzz/fuzz_NAME (built by `make fuzz-build`) is
# one test. It runs on a temporary copy of tests/fuzz/corpus/NAME/ (the
# repository's seeds are never modified); its output goes to
# build-fuzz/logs/NAME.log and any crash, leak or timeout input to
# build-fuzz/artifacts/NAME-*. A target that exits non-zero fails.
# The last line is "N passed, M failed"; the exit status is non-zero when
# a target failed. Without a usable libFuzzer the line is
# "0 passed, 0 failed, 1 skipped".
set -u
cd "$(dirname "$0")/../.."

seconds=${1:-60}
root=$PWD
logs=$root/build-fuzz/logs
artifacts=$root/build-fuzz/artifacts

skip() {
	echo "fuzz: skipped: $1"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}

# A trivial target proves clang can build and link libFuzzer here.
libfuzzer_usable() {
	local dir rc

	command -v clang >/dev/null || { echo "clang is not installed"; return 1; }
	dir=$(mktemp -d) || return 1
	echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);
int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' \
		>"$dir/probe.c"
	clang -fsanitize=fuzzer -o "$dir/probe" "$dir/probe.c" \
		>"$dir/log" 2>&1 && "$dir/probe" -runs=1 >>"$dir/log" 2>&1
	rc=$?
	[ $rc = 0 ] || { echo "clang -fsanitize=fuzzer does not work:"; tail -3 "$dir/log"; }
	rm -rf "$dir"
	return $rc
}

[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] ||
	{ echo "usage: $0 SECONDS"; echo "0 passed, 1 failed"; exit 2; }
why=$(libfuzzer_usable) || skip "$why"

# make fuzz-build compiles UBSan in recovering mode: make its reports fatal.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
mkdir -p "$logs" "$artifacts"
work=$(mktemp -d) || { echo "0 passed, 1 failed"; exit 1; }
trap 'rm -rf "$work"' EXIT

# Runs one target; returns its exit status (124/137: hung past the guard).
run_target() {
	local bin=$1 name=$2 corpus=$work/$2

	mkdir -p "$corpus"
	[ -d "tests/fuzz/corpus/$name" ] && cp -R "tests/fuzz/corpus/$name/." "$corpus/"
	# The outer timeout only guards against a target that never returns.
	timeout --kill-after=10 $((seconds + 120)) "$bin" \
		-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$artifacts/$name-" \
		"$corpus" >"$logs/$name.log" 2>&1
}

passed=0 failed=0
for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	bin=build-fuzz/fuzz/$(basename "$src" .c)
	if [ ! -x "$bin" ]; then
		echo "FAIL - $(basename "$bin"): not built (run make fuzz-build)"
		failed=$((failed + 1))
	fi
done
for bin in build-fuzz/fuzz/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	target=$(basename "$bin")
	name=${target#fuzz_}
	echo "# $target: ${seconds}s, log build-fuzz/logs/$name.log"
	run_target "$bin" "$name"
	rc=$?
	grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units)' \
		"$logs/$name.log" | tail -2 | sed 's/^/    /'
	if [ $rc = 0 ]; then
		echo "ok - $target ran ${seconds}s without a crash, leak or timeout"
		passed=$((passed + 1))
		continue
	fi
	grep -E '(^==[0-9]+== ?ERROR|^SUMMARY|^ALARM|runtime error)' \
		"$logs/$name.log" | head -5 | sed 's/^/    /'
	grep -o 'Test unit written to .*' "$logs/$name.log" |
		sed 's/^Test unit written to /    artifact: /'
	echo "FAIL - $target exited $rc"
	failed=$((failed + 1))
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
