#!/usr/bin/env bash
# The benchmark of DESIGN.md §8, end to end:
#   - MB/s of the whole `check` pipeline against the parse-only floor, and their ratio, with 1
#     and 2 threads (benches/pipeline.rs, best of 3);
#   - wall time and peak RSS of the release binary (`/usr/bin/time -f %M`), with 1 and 2 jobs;
# on generated 50 MB and 200 MB corpora (./bench-corpus/, git-ignored) and on ../shared/corpus
# when it exists. Sizes can be changed with BENCH_SIZES_MB="10 50".
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x /usr/bin/time ]]; then
    echo "bench.sh: GNU time (/usr/bin/time) is needed to measure peak RSS" >&2
    exit 2
fi

cargo build --release --bin kubelint --example gen_corpus
# Build the bench before any corpus exists so that compiling it is not timed by accident.
cargo bench --bench pipeline --no-run

corpora=()
for mb in ${BENCH_SIZES_MB:-50 200}; do
    dir=bench-corpus/${mb}mb
    rm -rf "$dir" # the generator refuses to write into a non-empty directory
    target/release/examples/gen_corpus --size-mb "$mb" --out "$dir"
    corpora+=("$dir")
done
if [[ -d ../shared/corpus ]]; then
    corpora+=(../shared/corpus)
fi

times=$(mktemp)
trap 'rm -f "$times"' EXIT
for dir in "${corpora[@]}"; do
    echo
    KUBELINT_BENCH_CORPUS=$dir cargo bench --quiet --bench pipeline
    # The bytes the walk reads: manifests by extension, hidden paths skipped as the walk does.
    bytes=$(find -L "$dir" -type f -not -path '*/.*' \
        \( -iname '*.yaml' -o -iname '*.yml' -o -iname '*.json' \) -printf '%s\n' |
        awk '{ s += $1 } END { print s + 0 }')
    echo "binary   wall s   MB/s  peak RSS MB   (kubelint check --format json --jobs N)"
    for jobs in 1 2; do
        /usr/bin/time -o "$times" -f '%M %e' target/release/kubelint check "$dir" \
            --format json --jobs "$jobs" --fail-on never --output /dev/null
        read -r rss_kb secs <"$times"
        awk -v j="$jobs" -v s="$secs" -v b="$bytes" -v r="$rss_kb" \
            'BEGIN { printf "jobs=%d  %6.2f  %5.1f  %11.0f\n", j, s, b / 1e6 / s, r / 1024 }'
    done
done
