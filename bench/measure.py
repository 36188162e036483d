#!/usr/bin/env python3
"""Run a command several times; print the median wall time and peak memory.

Why not `time`: we want the peak resident memory of each run of the child
(os.wait4 reports it per process) and a median, because the machine is shared
and a single run is noise.

    python3 bench/measure.py --runs 5 --label "gazette 10k" -- CMD ARGS...
"""
import argparse, os, statistics, subprocess, sys, time


def run_once(cmd):
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stderr = proc.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"command failed ({status}): {' '.join(cmd)}\n{stderr}")
    return wall, usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--label", default="")
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("no command given")
    results = [run_once(cmd) for _ in range(args.runs)]
    walls = [w for w, _ in results]
    peak = max(m for _, m in results)
    print(f"{args.label:<28} median {statistics.median(walls):7.3f} s  "
          f"(min {min(walls):.3f}, max {max(walls):.3f}, {args.runs} runs)  peak RSS {peak / 2**20:7.1f} MiB", flush=True)


if __name__ == "__main__":
    main()
