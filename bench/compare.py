#!/usr/bin/env python3
"""Build benchmark: gazette against Hugo and Hugo + Pagefind on the same corpora.

Why: the issue asks how gazette's build (site and Chinese search index) compares
with what a user would pick instead, and how its own cost grows from 1k to 100k
pages. Runs are interleaved (gazette, [baseline gazette,] Hugo, Hugo + Pagefind,
then again) so that the load of a shared machine falls on all of them alike;
each figure is a median, with the CPU time (user + system; on a shared machine
it says more than wall time) and the peak resident memory of the run (os.wait4).
Hugo + Pagefind is Hugo's build followed by Pagefind's index of its output:
its wall time is the sum, its peak the larger of the two.

    python3 bench/compare.py --gazette BIN [--baseline BIN] [--hugo BIN --pagefind BIN]
                             --work DIR --sizes 1000 10000 [--runs 5] [--others-max 10000]

Corpora come from bench/gen_corpus.py --seed 1 and are kept in DIR between
runs; outputs go to DIR too (put DIR on tmpfs). Standard library only.
"""
import argparse, os, shutil, statistics, subprocess, sys, time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent


def run_once(cmd, env=None):
    """(wall seconds, peak RSS bytes, CPU seconds) of one run; exits on failure."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stderr = proc.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"command failed ({status}): {' '.join(map(str, cmd))}\n{stderr[-4000:]}")
    return wall, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime  # ru_maxrss in KiB on Linux


def corpus(work, pages):
    """The generated project for `pages` (made once), with gazette's config and templates."""
    project = work / f"site-{pages}"
    if not (project / "content").is_dir():
        subprocess.run([sys.executable, BENCH / "gen_corpus.py", project, "--pages", str(pages), "--seed", "1"],
                       check=True, stdout=subprocess.DEVNULL)
    for item in ["gazette.toml", "templates", "static"]:
        src, dst = REPO / item, project / item
        if src.is_dir():
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(src, dst)
        else:
            shutil.copy(src, dst)
    return project


def hugo_project(work, project, pages):
    """The same content under Hugo with the theme of bench/hugo/ (forms are gazette's own)."""
    site = work / f"hugo-{pages}"
    if not (site / "content").is_dir():
        shutil.rmtree(site, ignore_errors=True)
        shutil.copytree(project / "content", site / "content", ignore=shutil.ignore_patterns("forms"))
    shutil.copy(BENCH / "hugo" / "hugo.toml", site / "hugo.toml")
    shutil.rmtree(site / "layouts", ignore_errors=True)
    shutil.copytree(BENCH / "hugo" / "layouts", site / "layouts")
    return site


def tools(args, work, pages):
    """[(label, [commands])]: a tool is one or more commands run one after the other."""
    project = corpus(work, pages)
    out = work / f"out-{pages}"
    found = [("gazette", [[args.gazette, "--root", project, "build", "--out", out]])]
    if args.baseline:
        found.append(("gazette (baseline)", [[args.baseline, "--root", project, "build", "--out", work / f"base-out-{pages}"]]))
    if args.hugo and pages <= args.others_max:
        site = hugo_project(work, project, pages)
        hugo_out = work / f"hugo-out-{pages}"
        hugo = [args.hugo, "--quiet", "--source", site, "--destination", hugo_out, "--cleanDestinationDir"]
        found.append(("Hugo", [hugo]))
        if args.pagefind:
            found.append(("Hugo + Pagefind", [hugo, [args.pagefind, "--site", hugo_out, "--output-subdir", "pagefind"]]))
    return found


def fmt_bytes(n):
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gazette", required=True)
    ap.add_argument("--baseline", help="an earlier gazette binary, measured in the same runs")
    ap.add_argument("--hugo")
    ap.add_argument("--pagefind")
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--others-max", type=int, default=10000,
                    help="largest corpus Hugo and Pagefind are run on (Pagefind needs ~230 KB of memory a page)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, GAZETTE_TODAY=os.environ.get("GAZETTE_TODAY") or "2026-11-23")
    print(f"machine: {os.cpu_count()} cores; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    rows = []
    for pages in args.sizes:
        found = tools(args, args.work, pages)
        runs = max(1, args.runs if pages < 50_000 else min(args.runs, 3))
        results = {label: [] for label, _ in found}
        for _ in range(runs):
            for label, commands in found:  # interleaved
                measured = [run_once([str(c) for c in cmd], env) for cmd in commands]
                results[label].append((sum(w for w, _, _ in measured), max(m for _, m, _ in measured),
                                       sum(c for _, _, c in measured)))
        load = os.getloadavg()[0]
        gazette = statistics.median(w for w, _, _ in results["gazette"])
        for label, _ in found:
            walls = [w for w, _, _ in results[label]]
            wall, peak = statistics.median(walls), max(m for _, m, _ in results[label])
            cpu = statistics.median(c for _, _, c in results[label])
            ratio = "" if label == "gazette" else f"  {wall / gazette:5.2f}× gazette's time"
            line = (f"{pages:>7,} pages  {label:<20} median {wall:7.2f} s (min {min(walls):.2f}, max {max(walls):.2f}, "
                    f"{runs} runs), CPU {cpu:6.2f} s  peak {fmt_bytes(peak):>9}{ratio}")
            print(line + f"  [load {load:.2f}]", flush=True)
            rows.append((pages, label, wall, peak))
    print("\n| pages | " + " | ".join(label for label in dict.fromkeys(l for _, l, _, _ in rows)) + " |")
    labels = list(dict.fromkeys(l for _, l, _, _ in rows))
    print("|---|" + "---|" * len(labels))
    for pages in args.sizes:
        cells = []
        for label in labels:
            hit = [(w, m) for p, l, w, m in rows if p == pages and l == label]
            cells.append(f"{hit[0][0]:.2f} s, {fmt_bytes(hit[0][1])}" if hit else "—")
        print(f"| {pages:,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
