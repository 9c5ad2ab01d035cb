#!/usr/bin/env python3
"""A real, chatty nightly ETL job used to record long eval logs (evals/recorders/*.sh).

It does real work on real inputs: reads CSV partitions listed in a manifest, fetches
reference data over HTTP (requests), transforms and deduplicates rows, writes
checkpoints and output files, loads into PostgreSQL (psycopg), pushes metrics and
renders a report (jinja2). It logs the way production jobs do: DEBUG per batch, INFO
per file, WARNING/ERROR for retries, quarantined rows and best-effort side tasks.

It never fakes a failure. Each recorder builds a broken environment around it (a full
tmpfs, a memory limit, a missing partition, a closed port, an expired certificate...)
and the job fails the way real code fails there. Stages run in the order --stages gives.

    python nightly_etl.py gen-input DIR --date 2024-05-01 --days 3 --parts 4 --rows 4000
    python nightly_etl.py run --input DIR --date 2024-05-01 --stages extract,transform,...
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import fcntl
import gzip
import hashlib
import json
import locale
import logging
import os
import platform
import random
import sys
import time
import warnings
from datetime import date, timedelta
from pathlib import Path

log = logging.getLogger("nightly_etl")

COUNTRIES = ["DE", "FR", "NL", "PL", "SE", "ES", "IT", "US", "GB", "CA", "JP", "BR"]
CURRENCIES = ["EUR", "USD", "GBP", "SEK", "PLN", "JPY", "CAD", "BRL"]
SKUS = [f"SKU-{i:05d}" for i in range(1, 2400)]


# ---------------------------------------------------------------- input generation
def gen_input(args: argparse.Namespace) -> None:
    """Write `days` daily partitions ending the day before --date (plus --date itself
    unless --skip-today): orders/<day>/part-NNNN.csv.gz and a manifest.json."""
    rng = random.Random(args.seed)
    root = Path(args.dir) / "orders"
    end = date.fromisoformat(args.date)
    days = [end - timedelta(days=n) for n in range(args.days - 1, -1, -1)]
    if args.skip_today:
        days = days[:-1]
    for day in days:
        ddir = root / day.isoformat()
        ddir.mkdir(parents=True, exist_ok=True)
        parts = []
        for p in range(args.parts):
            name = f"part-{p:04d}.csv.gz"
            with gzip.open(ddir / name, "wt", newline="") as f:
                w = csv.writer(f)
                w.writerow(["order_id", "customer_id", "sku", "qty", "unit_price", "currency", "country", "ts"])
                for i in range(args.rows):
                    oid = f"{day:%Y%m%d}-{p:02d}-{i:06d}"
                    qty = str(rng.randint(1, 9))
                    price = f"{rng.uniform(1, 400):.2f}"
                    if rng.random() < args.dirty_rate:
                        # what real exports contain: a stray unit, a blank, a locale comma
                        qty = rng.choice(["", "2 pcs", "N/A"])
                        price = rng.choice([price.replace(".", ","), "", "-"])
                    w.writerow([oid, rng.randint(10_000, 99_999), rng.choice(SKUS), qty, price,
                                rng.choice(CURRENCIES), rng.choice(COUNTRIES),
                                f"{day}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"])
            parts.append({"file": name, "rows": args.rows})
        (ddir / "manifest.json").write_text(json.dumps({"day": day.isoformat(), "parts": parts}, indent=1))


# ---------------------------------------------------------------- job
class Job:
    def __init__(self, args: argparse.Namespace):
        self.a = args
        self.day = date.fromisoformat(args.date)
        self.rows: list[dict] = []
        self.rates: dict[str, float] = {}
        self.stats: dict[str, int] = {"read": 0, "quarantined": 0, "deduped": 0, "written": 0, "loaded": 0}
        self.session = None

    # -- bootstrap: what every job prints first, including the deprecation noise of old code
    def bootstrap(self) -> None:
        log.info("nightly_etl starting: run_date=%s pid=%d host=%s", self.day, os.getpid(), platform.node())
        log.info("python %s on %s", sys.version.split()[0], platform.platform())
        log.debug("argv=%s", sys.argv)
        for key in sorted(vars(self.a)):
            value = getattr(self.a, key)
            if key == "dsn" and value:
                value = _mask_dsn(value)
            log.debug("config %-22s = %r", key, value)
        # (old code path: locale.getdefaultlocale() warns on 3.11+, as real legacy jobs do)
        enc = locale.getdefaultlocale()
        log.debug("default locale %s", enc)
        try:
            asyncio.get_event_loop()  # DeprecationWarning when no loop is running
        except RuntimeError:
            pass
        log.info("work dir %s, output dir %s", os.getcwd(), self.a.output)

    def lock(self) -> None:
        """The warehouse load lock shared with the compaction job (flock, non-blocking + retries)."""
        path = Path(self.a.lock_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fh = open(path, "a+")
        for attempt in range(1, self.a.lock_attempts + 1):
            try:
                fcntl.flock(self._lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                log.info("acquired warehouse lock %s (attempt %d)", path, attempt)
                return
            except BlockingIOError as exc:
                holder = path.with_suffix(".owner")
                who = holder.read_text().strip() if holder.exists() else "unknown"
                log.warning("warehouse lock %s is held by %s (%s); attempt %d/%d, waiting %.1fs",
                            path, who, exc, attempt, self.a.lock_attempts, self.a.lock_wait)
                time.sleep(self.a.lock_wait)
        log.error("could not acquire warehouse lock %s after %d attempts", path, self.a.lock_attempts)
        fcntl.flock(self._lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises the real error

    # -- reference data over HTTP, with the usual retry loop
    def reference(self) -> None:
        import requests

        self.session = requests.Session()
        verify: str | bool = self.a.ca_bundle or True
        for page in range(1, self.a.ref_pages + 1):
            url = f"{self.a.api_url.rstrip('/')}/v1/fx-rates?page={page}&date={self.day}"
            for attempt in range(1, self.a.retries + 1):
                t0 = time.perf_counter()
                try:
                    r = self.session.get(url, timeout=self.a.http_timeout, verify=verify)
                    log.debug("GET %s -> %d in %.3fs (%d bytes)", url, r.status_code, time.perf_counter() - t0,
                              len(r.content))
                    r.raise_for_status()
                    for row in r.json()["rates"]:
                        self.rates[row["currency"]] = float(row["rate"])
                    break
                except requests.HTTPError as exc:
                    if attempt < self.a.retries:
                        log.warning("fx-rates page %d: %s; retrying in %.1fs (attempt %d/%d)", page, exc,
                                    0.05 * attempt, attempt, self.a.retries)
                        time.sleep(0.05 * attempt)
                        continue
                    if self.a.ref_cache:
                        log.exception("fx-rates page %d failed after %d attempts; using cached rates from %s",
                                      page, attempt, self.a.ref_cache)
                        self.rates.update(json.loads(Path(self.a.ref_cache).read_text()))
                        break
                    raise
                except requests.ConnectionError as exc:
                    if attempt < self.a.retries:
                        log.warning("fx-rates page %d: connection error %s; retrying in %.1fs (attempt %d/%d)",
                                    page, exc, 0.2 * attempt, attempt, self.a.retries)
                        time.sleep(0.2 * attempt)
                        continue
                    raise
        log.info("loaded %d fx rates from %d pages", len(self.rates), self.a.ref_pages)

    # -- extract: read every part the manifest lists, quarantining rows that do not parse
    def extract(self) -> None:
        days = [self.day - timedelta(days=n) for n in range(self.a.lookback, -1, -1)]
        for day in days:
            ddir = Path(self.a.input) / "orders" / day.isoformat()
            log.info("reading partition %s", ddir)
            manifest = json.loads((ddir / "manifest.json").read_text())
            for part in manifest["parts"]:
                self._read_part(ddir / part["file"], part["rows"])
        log.info("extract done: %d rows read, %d quarantined", self.stats["read"], self.stats["quarantined"])

    def _read_part(self, path: Path, expected: int) -> None:
        t0 = time.perf_counter()
        n = bad = 0
        with gzip.open(path, "rt", newline="") as f:
            for lineno, rec in enumerate(csv.DictReader(f), start=2):
                n += 1
                try:
                    rec["qty"] = int(rec["qty"])
                    rec["unit_price"] = float(rec["unit_price"])
                except ValueError as exc:
                    bad += 1
                    self.stats["quarantined"] += 1
                    if bad == 1 and self.a.loud_quarantine:
                        log.exception("%s:%d: rejected row %s", path.name, lineno, rec["order_id"])
                    else:
                        log.warning("%s:%d: quarantined row %s: %s", path.name, lineno, rec["order_id"], exc)
                    continue
                self.rows.append(rec)
                if n % self.a.progress_every == 0:
                    log.debug("%s: %d/%d rows", path.name, n, expected)
        self.stats["read"] += n
        log.info("read %s: %d rows (%d quarantined) in %.3fs", path, n, bad, time.perf_counter() - t0)

    # -- transform: convert currencies and deduplicate, batch by batch
    def transform(self) -> None:
        seen: dict[str, dict] = {}
        index: list[bytes] = []
        batch = self.a.batch_size
        total = len(self.rows)
        for start in range(0, total, batch):
            t0 = time.perf_counter()
            chunk = self.rows[start:start + batch]
            dup = 0
            for rec in chunk:
                rate = self.rates.get(rec["currency"], 1.0)
                rec["amount_eur"] = round(rec["qty"] * rec["unit_price"] / rate, 2)
                key = rec["order_id"]
                if key in seen:
                    dup += 1
                seen[key] = rec
                if self.a.index_fanout:
                    # the "fast lookup" index: a row image per (sku, country, hour) bucket
                    blob = json.dumps(rec).encode()
                    index.extend(blob * 8 for _ in range(self.a.index_fanout))
            self.stats["deduped"] += dup
            elapsed = time.perf_counter() - t0
            delay = self.a.slow_transform
            if delay:
                time.sleep(delay)
            log.debug("transform batch %05d/%05d rows=%d dup=%d index=%d elapsed=%.4fs", start // batch + 1,
                      (total + batch - 1) // batch, len(chunk), dup, len(index), elapsed + delay)
            if (start // batch) % 20 == 0:
                log.info("transform progress %d/%d rows (%.1f%%)", min(start + batch, total), total,
                         100.0 * min(start + batch, total) / max(total, 1))
        self.rows = list(seen.values())
        log.info("transform done: %d unique rows, %d duplicates dropped", len(self.rows), self.stats["deduped"])

    # -- checkpoint: best effort, like many jobs do it (a failure is only a warning)
    def checkpoint(self) -> None:
        out = Path(self.a.checkpoint_dir or self.a.output)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"checkpoint-{self.day}.json"
        try:
            with open(path, "w") as f:
                json.dump({"day": str(self.day), "rows": self.rows, "stats": self.stats}, f)
            log.info("checkpoint written to %s (%d bytes)", path, path.stat().st_size)
        except OSError as exc:
            log.warning("could not write checkpoint %s: %s; continuing without it", path, exc)

    def resume(self) -> None:
        """Read the checkpoint back (the publish step runs from it)."""
        path = Path(self.a.checkpoint_dir or self.a.output) / f"checkpoint-{self.day}.json"
        log.info("resuming publish step from %s", path)
        state = json.loads(path.read_text())
        log.info("checkpoint has %d rows", len(state["rows"]))

    # -- write: one CSV per country and hour, the way downstream consumers want it
    def write(self) -> None:
        out = Path(self.a.output) / "export" / str(self.day)
        out.mkdir(parents=True, exist_ok=True)
        groups: dict[tuple[str, str], list[dict]] = {}
        for rec in self.rows:
            groups.setdefault((rec["country"], rec["ts"][11:13]), []).append(rec)
        for (country, hour), recs in sorted(groups.items()):
            path = out / f"orders_{country}_{hour}.csv"
            with open(path, "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=list(recs[0].keys()))
                w.writeheader()
                w.writerows(recs)
            self.stats["written"] += len(recs)
            log.debug("wrote %s (%d rows, sha1 %s)", path, len(recs),
                      hashlib.sha1(path.name.encode()).hexdigest()[:10])
        log.info("export done: %d rows in %d files under %s", self.stats["written"], len(groups), out)

    # -- load into PostgreSQL
    def load(self) -> None:
        import psycopg

        conn = None
        for attempt in range(1, self.a.retries + 1):
            try:
                log.info("connecting to warehouse %s (attempt %d/%d)", _mask_dsn(self.a.dsn), attempt, self.a.retries)
                conn = psycopg.connect(self.a.dsn, connect_timeout=5)
                break
            except psycopg.OperationalError as exc:
                if attempt == self.a.retries:
                    log.error("giving up on the warehouse after %d attempts", attempt)
                    raise
                log.warning("warehouse connection failed: %s; retrying in %.1fs", str(exc).strip(), 0.3 * attempt)
                time.sleep(0.3 * attempt)
        assert conn is not None
        with conn:
            cur = conn.cursor()
            if self.a.statement_timeout:
                cur.execute(f"SET statement_timeout = '{self.a.statement_timeout}'")
                log.info("statement_timeout set to %s", self.a.statement_timeout)
            cur.execute("CREATE TABLE IF NOT EXISTS fact_orders (order_id text PRIMARY KEY, customer_id int, "
                        "sku text, qty int, amount_eur numeric, country text, ts timestamptz)")
            cur.execute("CREATE TEMP TABLE stage_orders (LIKE fact_orders) ON COMMIT DROP")
            with cur.copy("COPY stage_orders (order_id, customer_id, sku, qty, amount_eur, country, ts) FROM STDIN") as cp:
                for i, rec in enumerate(self.rows, 1):
                    cp.write_row((rec["order_id"], rec["customer_id"], rec["sku"], rec["qty"], rec["amount_eur"],
                                  rec["country"], rec["ts"]))
                    if i % (self.a.batch_size * 10) == 0:
                        log.debug("copied %d/%d rows into stage_orders", i, len(self.rows))
            log.info("staged %d rows", len(self.rows))
            if self.a.rollup_sql:
                log.info("refreshing daily rollup")
                cur.execute(self.a.rollup_sql)
            cur.execute("INSERT INTO fact_orders SELECT * FROM stage_orders ON CONFLICT (order_id) DO UPDATE "
                        "SET qty = EXCLUDED.qty, amount_eur = EXCLUDED.amount_eur")
            self.stats["loaded"] = cur.rowcount
            log.info("upserted %d rows into fact_orders", cur.rowcount)

    def adjust(self) -> None:
        """Apply the day's corrections to the customer balance table, one customer at a time."""
        import psycopg

        conn = psycopg.connect(self.a.dsn, connect_timeout=5)
        ids = list(range(1, self.a.adjust_customers + 1))
        if self.a.adjust_reverse:
            ids.reverse()
        with conn:
            cur = conn.cursor()
            for n, cid in enumerate(ids, 1):
                cur.execute("UPDATE customer_balance SET balance = balance + 1, updated_at = now() "
                            "WHERE customer_id = %s", (cid,))
                log.debug("adjusted balance of customer %d (%d/%d)", cid, n, len(ids))
                time.sleep(self.a.adjust_pause)
        log.info("balance adjustments committed for %d customers", len(ids))

    def summary(self) -> None:
        """Per-currency order statistics for the daily report."""
        import statistics

        for cur in sorted(self.rates):
            amounts = [r["amount_eur"] for r in self.rows if r["currency"] == cur]
            log.info("currency %s: %d orders, mean %.2f EUR, median %.2f EUR", cur, len(amounts),
                     statistics.mean(amounts), statistics.median(amounts))

    def metrics(self) -> None:
        """Best effort: push run metrics to the Prometheus pushgateway; never fails the run."""
        import requests

        body = "".join(f"nightly_etl_{k}_total {v}\n" for k, v in self.stats.items())
        try:
            requests.post(f"{self.a.pushgateway}/metrics/job/nightly_etl", data=body, timeout=2).raise_for_status()
            log.info("pushed %d metrics", len(self.stats))
        except Exception:
            log.exception("failed to push metrics to %s (metrics for this run are lost)", self.a.pushgateway)

    def report(self) -> None:
        log.info("rendering daily report")
        import jinja2  # imported late: only the report needs it

        tpl = jinja2.Template("{{ day }}: {{ stats.read }} read, {{ stats.loaded }} loaded")
        log.info("report: %s", tpl.render(day=self.day, stats=self.stats))

    def upload(self) -> None:
        import subprocess

        cmd = [self.a.uploader, "cp", "--recursive", str(Path(self.a.output) / "export"), self.a.upload_target]
        log.info("uploading export: %s", " ".join(cmd))
        subprocess.run(cmd, check=True)


def _mask_dsn(dsn: str) -> str:
    import re

    return re.sub(r"(password=)\S+", r"\1********", re.sub(r"(://[^:/@]+:)[^@]+@", r"\1********@", dsn))


def main() -> int:
    p = argparse.ArgumentParser(prog="nightly_etl")
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen-input")
    g.add_argument("dir")
    g.add_argument("--date", required=True)
    g.add_argument("--days", type=int, default=2)
    g.add_argument("--parts", type=int, default=3)
    g.add_argument("--rows", type=int, default=2000)
    g.add_argument("--dirty-rate", type=float, default=0.002)
    g.add_argument("--skip-today", action="store_true")
    g.add_argument("--seed", type=int, default=7)
    r = sub.add_parser("run")
    r.add_argument("--input", required=True)
    r.add_argument("--output", default="out")
    r.add_argument("--checkpoint-dir", default="", help="default: the output dir")
    r.add_argument("--date", required=True)
    r.add_argument("--stages", default="bootstrap,extract,transform,write")
    r.add_argument("--lookback", type=int, default=0, help="also re-read this many earlier days (late corrections)")
    r.add_argument("--api-url", default="http://127.0.0.1:9")
    r.add_argument("--ca-bundle", default="")
    r.add_argument("--ref-pages", type=int, default=3)
    r.add_argument("--ref-cache", default="")
    r.add_argument("--retries", type=int, default=4)
    r.add_argument("--http-timeout", type=float, default=5.0)
    r.add_argument("--batch-size", type=int, default=250)
    r.add_argument("--progress-every", type=int, default=500)
    r.add_argument("--index-fanout", type=int, default=0)
    r.add_argument("--slow-transform", type=float, default=0.0)
    r.add_argument("--loud-quarantine", action="store_true")
    r.add_argument("--dsn", default="")
    r.add_argument("--statement-timeout", default="")
    r.add_argument("--rollup-sql", default="")
    r.add_argument("--adjust-customers", type=int, default=50)
    r.add_argument("--adjust-reverse", action="store_true")
    r.add_argument("--adjust-pause", type=float, default=0.0)
    r.add_argument("--pushgateway", default="http://127.0.0.1:9")
    r.add_argument("--lock-file", default="/tmp/nightly_etl/warehouse.lock")
    r.add_argument("--lock-attempts", type=int, default=5)
    r.add_argument("--lock-wait", type=float, default=1.0)
    r.add_argument("--uploader", default="s3sync")
    r.add_argument("--upload-target", default="s3://example-exports/orders/")
    args = p.parse_args()
    if args.cmd == "gen-input":
        gen_input(args)
        return 0
    logging.basicConfig(level=logging.DEBUG, stream=sys.stdout,
                        format="%(asctime)s %(levelname)-7s [%(name)s] %(message)s")
    logging.getLogger("urllib3").setLevel(logging.DEBUG)
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    job = Job(args)
    for stage in args.stages.split(","):
        log.info("=== stage %s ===", stage)
        t0 = time.perf_counter()
        getattr(job, stage)()
        log.info("=== stage %s finished in %.2fs ===", stage, time.perf_counter() - t0)
    log.info("run complete: %s", json.dumps(job.stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
