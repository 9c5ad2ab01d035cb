#!/usr/bin/env python3
"""Reconcile the day's export against the warehouse's own totals (recon.csv from psql).

    python reconcile.py EXPORT_DIR RECON_CSV
"""

import csv
import sys
from pathlib import Path

export_dir, recon_csv = Path(sys.argv[1]), Path(sys.argv[2])
exported: dict[str, int] = {}
for path in sorted(export_dir.glob("orders_*.csv")):
    country = path.stem.split("_")[1]
    with open(path, newline="") as f:
        exported[country] = exported.get(country, 0) + sum(1 for _ in csv.DictReader(f))
print(f"reconcile: {sum(exported.values())} exported rows in {len(exported)} countries")
with open(recon_csv, newline="") as f:
    rows = list(csv.DictReader(f))
mismatches = [r for r in rows if int(r["n"]) != exported.get(r["country"], 0)]
for r in mismatches:
    print(f"reconcile: {r['country']}: warehouse {r['n']} vs export {exported.get(r['country'], 0)}")
rate = len(mismatches) / len(rows)
print(f"reconcile: mismatch rate {rate:.2%}")
sys.exit(1 if rate > 0.01 else 0)
