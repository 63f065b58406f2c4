#!/usr/bin/env bash
# Runs every fuzz target under atheris for FUZZ_SECONDS each (default 15).
# A crash stops the run; libFuzzer saves the input as fuzz/artifacts/crash-*.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-15}"
python="${PYTHON:-.venv/bin/python}"
mkdir -p fuzz/artifacts
for target in $("$python" -c 'from fuzz.targets import TARGETS; print(" ".join(TARGETS))'); do
    log="fuzz/artifacts/$target.log"
    if ! "$python" -m fuzz.run "$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
        -artifact_prefix=fuzz/artifacts/ -print_final_stats=1 >"$log" 2>&1; then
        tail -n 40 "$log"
        echo "fuzz target $target FAILED (input saved under fuzz/artifacts/)" >&2
        exit 1
    fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    echo "fuzz $target: $runs inputs in ${seconds}s, no crash"
done
