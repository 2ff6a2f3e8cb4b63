#!/bin/bash
# run.sh - run every test suite and add up their results.
#
# Each suite is a command that ends its output with a line
#   N passed, M failed[, K skipped]
# A suite that exits non-zero without such a line counts as one failure; a
# suite that cannot run here prints why and reports itself as skipped.
# The last line of this script's output is the sum, and it exits non-zero
# when anything failed.
set -u
cd "$(dirname "$0")/.."

PY=/usr/bin/python3
SUITES=(
	"unit|for t in build/tests/unit/test_* build/tests/daemon/test_*; do [ -x \$t ] && { \$t || rc=1; }; done; exit \${rc:-0}"
	"unit (asan+ubsan)|for t in build-san/tests/unit/test_* build-san/tests/daemon/test_*; do [ -x \$t ] && { \$t || rc=1; }; done; exit \${rc:-0}"
)
[ -f tests/ng/run_golden.py ] && SUITES+=(
	"ng golden|$PY tests/ng/run_golden.py --daemon build/rtpgated"
	"ng golden (asan+ubsan)|$PY tests/ng/run_golden.py --daemon build-san/rtpgated"
)
[ -f tests/ng/run_hostile.py ] && SUITES+=(
	"ng hostile|$PY tests/ng/run_hostile.py --daemon build/rtpgated"
	"ng hostile (asan+ubsan)|$PY tests/ng/run_hostile.py --daemon build-san/rtpgated"
)
[ -f tests/media/run_media.py ] && SUITES+=(
	"media|$PY tests/media/run_media.py --daemon build/rtpgated"
	"media (asan+ubsan)|$PY tests/media/run_media.py --daemon build-san/rtpgated"
)
[ -f tests/cli/run_cli.py ] && SUITES+=(
	"cli|$PY tests/cli/run_cli.py --daemon build/rtpgated"
	"cli (asan+ubsan)|$PY tests/cli/run_cli.py --daemon build-san/rtpgated"
)
[ -f tests/metrics/run_metrics.py ] && SUITES+=(
	"metrics|$PY tests/metrics/run_metrics.py --daemon build/rtpgated"
	"metrics (asan+ubsan)|$PY tests/metrics/run_metrics.py --daemon build-san/rtpgated"
)
[ -f tests/e2e/run_kamailio_sipp.py ] && SUITES+=(
	"e2e kamailio+sipp|$PY tests/e2e/run_kamailio_sipp.py --daemon build/rtpgated"
	"e2e baresip|$PY tests/e2e/run_baresip.py --daemon build/rtpgated"
)
[ -f tests/browser/run_browser.py ] && SUITES+=(
	"browser (chromium)|RTPGATE_BROWSER_TESTS=1 scripts/install-deps.sh >/dev/null && $PY tests/browser/run_browser.py --daemon build/rtpgated"
)
[ -f tests/browser/run_sip.py ] && SUITES+=("browser sip (chromium+sip.js+kamailio)|RTPGATE_BROWSER_TESTS=1 scripts/install-deps.sh >/dev/null && $PY tests/browser/run_sip.py --daemon build/rtpgated")
[ -f tests/kernel/run.sh ] && SUITES+=(
	"kernel (qemu)|RTPGATE_KERNEL_TESTS=1 scripts/install-deps.sh >/dev/null && make --no-print-directory kmod DEBUG=1 >/dev/null && tests/kernel/run.sh"
)
[ -f tests/deb/run.sh ] && SUITES+=(
	"packages|tests/deb/run.sh"
)
[ -f tests/fuzz/run.sh ] && SUITES+=(
	"fuzz (short)|make --no-print-directory fuzz-build >/dev/null && tests/fuzz/run.sh ${FUZZ_SHORT_SECONDS:-10}"
)

total_pass=0 total_fail=0 total_skip=0
mkdir -p build/test-logs
for entry in "${SUITES[@]}"; do
	name=${entry%%|*}
	cmd=${entry#*|}
	log="build/test-logs/$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_').log"
	echo "=== $name"
	bash -c "$cmd" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=0 f=0 s=0
	while read -r line; do
		if [[ $line =~ ^([A-Za-z]+:\ )?([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
			p=$((p + BASH_REMATCH[2]))
			f=$((f + BASH_REMATCH[3]))
			s=$((s + ${BASH_REMATCH[5]:-0}))
		fi
	done < <(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "!!! $name exited $rc without reporting a failure: counted as one"
		f=$((f + 1))
	fi
	echo "--- $name: $p passed, $f failed, $s skipped"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
done

if [ "$total_skip" -gt 0 ]; then
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
	echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" = 0 ]
