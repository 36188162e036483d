#!/usr/bin/env python3
"""The memory `gazette serve` holds after bogus uploads (issue 12).

Starts `gazette serve` (GAZETTE_BIN, else target/debug/gazette under
CARGO_TARGET_DIR) on a free port of 127.0.0.1 with a throw-away output and data
folder, reads its resident memory (VmRSS), sends four PUTs of 100 MB each to the
local upload route with a link that is no ticket — streamed, as an attacker
would — and reads the resident memory again. The route checks its link before
it reads the body, so the server refuses each at once and its memory stays
where it was (before the check: 29 MB → 575 MB).

    bench/upload_memory.py [--uploads 4] [--megabytes 100]
"""

import argparse
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def wait_up(port, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"gazette serve did not answer on {port}")


def bogus_upload(port, megabytes):
    """PUTs `megabytes` MB to an upload link that is no ticket; the status, or the
    error when the server closed the connection before the body was sent."""
    chunk = b"\0" * (1024 * 1024)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.putrequest("PUT", "/api/uploads/" + "A" * 120)
    conn.putheader("content-type", "application/pdf")
    conn.putheader("content-length", str(megabytes * len(chunk)))
    conn.endheaders()
    try:
        for _ in range(megabytes):
            conn.send(chunk)
        return conn.getresponse().status
    except OSError as e:
        return f"closed after the refusal ({e.__class__.__name__})"
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=4)
    parser.add_argument("--megabytes", type=int, default=100)
    args = parser.parse_args()
    target = os.path.join(REPO, os.environ.get("CARGO_TARGET_DIR", "target"))
    binary = os.environ.get("GAZETTE_BIN", os.path.join(target, "debug", "gazette"))
    tmp = tempfile.mkdtemp(prefix="gazette-upload-memory-")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("TABLE_NAME", "AWS_ENDPOINT_URL", "GAZETTE_API_URL")}
    server = subprocess.Popen(
        [binary, "serve", "--port", str(port), "--out", f"{tmp}/public", "--data-dir", f"{tmp}/data"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_up(port)
        time.sleep(2)
        before = rss_mb(server.pid)
        for n in range(args.uploads):
            started = time.time()
            answer = bogus_upload(port, args.megabytes)
            print(f"upload {n + 1}: {answer} in {time.time() - started:.2f} s")
        time.sleep(1)
        after = rss_mb(server.pid)
        print(f"resident memory: {before:.0f} MB before, {after:.0f} MB after "
              f"{args.uploads} bogus uploads of {args.megabytes} MB")
        return 0 if after - before < args.megabytes / 2 else 1
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
