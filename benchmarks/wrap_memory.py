"""Peak memory of `triage wrap` while the wrapped command prints a lot.

The wrapper keeps only the head and tail of the output, so its peak RSS must stay flat
(goal: under ~50 MB) whether the command prints 1 MB or 1 GB.
Usage: python benchmarks/wrap_memory.py [--gb 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=1.0)
    args = ap.parse_args()
    size = int(args.gb * 1024**3)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TRIAGE_URL": "http://127.0.0.1:9", "TRIAGE_SPOOL_DIR": tmp}
        cmd = [sys.executable, "-m", "triage", "wrap", "--job", "bench-output", "--",
               "sh", "-c", f"yes 'a noisy log line from a chatty batch job, number 1234567890' | head -c {size}; exit 1"]
        t0 = time.monotonic()
        with open(os.devnull, "wb") as devnull:
            rc = subprocess.run(cmd, env=env, stdout=devnull, stderr=subprocess.PIPE).returncode
        elapsed = time.monotonic() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        spooled = sum(os.path.getsize(os.path.join(tmp, f)) for f in os.listdir(tmp))
    print(f"wrap: {args.gb:g} GB of output passed through in {elapsed:.1f}s ({size / 1e6 / elapsed:.0f} MB/s), "
          f"exit {rc}, peak RSS {peak_mb:.1f} MB (goal < 50 MB), report size {spooled / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
