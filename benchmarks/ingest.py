"""Ingest throughput: `POST /v1/events/cron` of triage vs a bare FastAPI endpoint.

Both run as separate `uvicorn` processes with the same settings on loopback; the same async
client sends the same distinct failures to each. Prints events/s and p50/p99 latency for
both, and the ratio. Usage: python benchmarks/ingest.py [--seconds 10] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import httpx

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.support.server import free_port  # noqa: E402

BARE_APP = '''
import json
from fastapi import FastAPI, Request
app = FastAPI()
@app.post("/v1/events/cron", status_code=202)
async def intake(request: Request):
    json.loads(await request.body())
    return {"triage_id": None}
@app.get("/readyz")
async def ready():
    return {"status": "ready"}
'''

SERVE_OPTS = "log_config=None, access_log=False, timeout_graceful_shutdown=10"


def start(kind: str, port: int, workdir: str, database_url: str) -> subprocess.Popen:
    env = {**os.environ, "TRIAGE_DATABASE_URL": database_url, "TRIAGE_LOG_LEVEL": "WARNING"}
    # "triage" is the default single process (API + 2 worker threads triaging what arrives);
    # "triage-api" is an API-only replica (workers elsewhere), intake alone.
    env["TRIAGE_WORKER_THREADS"] = "0" if kind == "triage-api" else env.get("TRIAGE_WORKER_THREADS", "2")
    if kind == "bare":
        path = os.path.join(workdir, "bare_app.py")
        with open(path, "w") as f:
            f.write(BARE_APP)
        code = f"import sys, uvicorn; sys.path.insert(0, {workdir!r}); import bare_app; uvicorn.run(bare_app.app, host='127.0.0.1', port={port}, {SERVE_OPTS})"
        argv = [sys.executable, "-c", code]
    else:
        argv = [sys.executable, "-m", "triage", "serve", "--port", str(port)]
    proc = subprocess.Popen(argv, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{kind} server did not start")


def body(i: int) -> dict:
    return {"job": f"job{i % 50}", "host": "bench", "run_id": uuid.uuid4().hex, "status": "failure",
            "exit_code": 1, "started_at": "2026-11-28T02:00:00Z",
            "output": "Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: bad row 42\n"}


async def load(url: str, seconds: float, concurrency: int) -> tuple[int, list[float]]:
    latencies: list[float] = []
    count = 0
    stop_at = time.monotonic() + seconds

    async def client(n: int):
        nonlocal count
        async with httpx.AsyncClient(timeout=30) as c:
            i = n
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                r = await c.post(url, json=body(i))
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 202:
                    raise RuntimeError(f"{url} answered {r.status_code}: {r.text[:200]}")
                count += 1
                i += concurrency

    await asyncio.gather(*(client(n) for n in range(concurrency)))
    return count, latencies


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(p * len(s)))] * 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--database-url", help="default: a fresh SQLite file")
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        db = args.database_url or f"sqlite:///{workdir}/bench.db"
        for kind in ("bare", "triage", "triage-api"):
            port = free_port()
            proc = start(kind, port, workdir, db if kind != "triage-api" else db.replace("bench.db", "bench2.db"))
            try:
                asyncio.run(load(f"http://127.0.0.1:{port}/v1/events/cron", 1.0, args.concurrency))  # warm-up
                n, lat = asyncio.run(load(f"http://127.0.0.1:{port}/v1/events/cron", args.seconds, args.concurrency))
            finally:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(15)
            results[kind] = (n / args.seconds, pct(lat, 0.5), pct(lat, 0.99))
            print(f"{kind:10s} {results[kind][0]:8.1f} events/s   p50 {results[kind][1]:6.1f} ms   p99 {results[kind][2]:6.1f} ms")
    ratio = results["triage"][0] / results["bare"][0]
    ratio_api = results["triage-api"][0] / results["bare"][0]
    print(f"ratio      {ratio:.2f} with workers triaging alongside, {ratio_api:.2f} API-only "
          f"(triage / bare FastAPI; goal >= 0.5 on SQLite)  "
          f"database={'sqlite' if not args.database_url else args.database_url.split(':')[0]} "
          f"concurrency={args.concurrency} seconds={args.seconds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
