#!/usr/bin/env python3
"""Time one-file rebuilds in `gazette serve` on a generated corpus.

Starts `gazette serve`, waits for the first build, then edits one page several
times (a body edit, which re-renders the page alone; a title edit, which also
re-renders the listing pages that show it; a date edit, which moves it in its
listings) and reads the times serve prints: the
rebuild, after which the browser reloads, and the search index update that
follows it. Stops the server afterwards.

    python3 bench/incremental.py GAZETTE_BINARY PROJECT_DIR OUT_DIR [--edits N]
"""
import argparse, re, socket, statistics, subprocess, sys, time
from pathlib import Path

# An earlier gazette updated the search index before the reload, and said so here.
REBUILT = re.compile(r"Rebuilt (\d+) page\(s\) in ([\d.]+) ms(?: \(search index ([\d.]+) ms\))?")
SEARCH = re.compile(r"(?:Feeds and search index|Search index) updated in ([\d.]+) ms")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(proc, pattern, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            sys.exit("gazette serve exited:\n" + proc.stderr.read())
        match = pattern.search(line) if hasattr(pattern, "search") else (pattern in line and line)
        if match:
            return match
    sys.exit(f"timed out waiting for {pattern}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gazette")
    parser.add_argument("project")
    parser.add_argument("out")
    parser.add_argument("--edits", type=int, default=7)
    parser.add_argument("--label", default="", help="printed before each figure (e.g. baseline)")
    args = parser.parse_args()
    project = Path(args.project)
    page = sorted((project / "content" / "cases").glob("*.md"))[0]
    original = page.read_text(encoding="utf-8")
    proc = subprocess.Popen([args.gazette, "--root", str(project), "serve", "--port", str(free_port()), "--out", args.out],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(proc, "Serving")
        for label, edit in [("body edit (page only)", lambda i: original + f"\n补充段落 {i}。\n"),
                            ("title edit (+ listings)", lambda i: original.replace('title = "', f'title = "修订{i} ', 1)),
                            ("date edit (+ order)", lambda i: re.sub(r"^date = .*$", f"date = 2025-0{1 + i % 9}-1{i % 10}",
                                                                     original, count=1, flags=re.M))]:
            times, pages, search = [], [], []
            for i in range(args.edits):
                page.write_text(edit(i), encoding="utf-8")
                match = wait_for(proc, REBUILT, timeout=60)
                pages.append(int(match.group(1)))
                times.append(float(match.group(2)))
                search.append(float(match.group(3) or wait_for(proc, SEARCH, timeout=60).group(1)))
                time.sleep(0.2)
            print(f"{args.label}incremental {label:<24} median {statistics.median(times):7.1f} ms  "
                  f"(min {min(times):.1f}, max {max(times):.1f}, {len(times)} edits, {statistics.median(pages):.0f} pages re-rendered) "
                  f"before the reload; then feeds and search index {statistics.median(search):.1f} ms")
    finally:
        page.write_text(original, encoding="utf-8")
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
