#!/usr/bin/env bash
# Build benchmark: generates corpora of 1,000 and 10,000 pages in the seeds'
# style on tmpfs, builds each with a release `gazette` (median of 5 runs, peak
# memory), times one-file rebuilds in `gazette serve`, and — when Hugo is
# installed (`apt-get install hugo`) — builds the same 10k corpus with Hugo and
# a minimal theme as a baseline in the same session.
#
#   bench/run.sh [PAGES...]        default: 1000 10000
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000}")
[ $# -eq 0 ] && sizes=(1000 10000)
work=${BENCH_DIR:-/dev/shm/gazette-bench}
mkdir -p "$work"

cargo build --release --quiet -p gazette
gazette=$PWD/target/release/gazette
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; output on $(df -h "$work" | awk 'NR==2{print $1}')"

for pages in "${sizes[@]}"; do
    project=$work/site-$pages
    if [ ! -d "$project/content" ]; then
        python3 bench/gen_corpus.py "$project" --pages "$pages" --seed 1 >/dev/null
    fi
    cp -r gazette.toml templates static "$project/"
    python3 bench/measure.py --runs 5 --label "gazette build ${pages}" -- \
        "$gazette" --root "$project" build --out "$work/out-$pages"
    echo "  $("$gazette" --root "$project" build --out "$work/out-$pages")" | head -1
    du -sh "$work/out-$pages/search" 2>/dev/null | awk '{print "  search index: " $1}' || true
done

largest=${sizes[-1]}
python3 bench/incremental.py "$gazette" "$work/site-$largest" "$work/serve-$largest"

if command -v hugo >/dev/null 2>&1; then
    hugo_site=$work/hugo-$largest
    rm -rf "$hugo_site" && mkdir -p "$hugo_site/layouts/_default"
    cp -r "$work/site-$largest/content" "$hugo_site/content"
    rm -rf "$hugo_site/content/forms"
    printf 'baseURL = "http://127.0.0.1/"\ndisableKinds = ["taxonomy", "term"]\n' > "$hugo_site/hugo.toml"
    printf '<!DOCTYPE html><html lang="zh-CN"><head><title>{{ .Title }}</title></head><body><main>{{ block "main" . }}{{ end }}</main></body></html>\n' > "$hugo_site/layouts/_default/baseof.html"
    printf '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}\n' > "$hugo_site/layouts/_default/single.html"
    printf '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n' > "$hugo_site/layouts/_default/list.html"
    python3 bench/measure.py --runs 5 --label "hugo ${largest} (no search)" -- \
        hugo --quiet --source "$hugo_site" --destination "$work/hugo-out-$largest"
else
    echo "(hugo not installed: apt-get install hugo for the baseline)"
fi
