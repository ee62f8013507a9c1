"""Fuzz every source loader: >= 10,000 generated cases per loader, many cases per file.

    python benchmarks/fuzz/run.py                 # all loaders, 10,000 cases each
    python benchmarks/fuzz/run.py --cases 2000 --loaders crossref dblp --seed 3

Each file holds a batch of items (valid, duplicate, mutated, tainted, broken records) in one of
the format's containers with file-level damage (truncation, gzip, BOM, CRLF, ...); every file is
loaded with the real loader and checked (see ``tests/fuzzkit.py``).  Failing files are kept in
``--keep`` (default ``out/fuzz_failures``) with the seed, for replay.  Exits non-zero on any
failure.  Not part of ``make test`` (about 10-15 minutes on 2 cores for the default run).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

import fuzzkit  # noqa: E402

from paperlink.db import connect  # noqa: E402


def run_loader(name: str, cases: int, seed: int, keep: Path, items_per_file: int, huge_every: int) -> dict:
    con = connect()
    totals = {"files": 0, "cases": 0, "input": 0, "loaded": 0, "rejected": 0, "skipped": 0, "failures": 0}
    failures: list[str] = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        k = 0
        while totals["cases"] < cases:
            file_seed = seed * 1_000_003 + k
            rnd = Random(f"{name}:{file_seed}")
            huge = huge_every > 0 and k % huge_every == huge_every - 1
            if k % 50 == 49:
                case = fuzzkit.empty_case(name, Random(file_seed).choice([b"", b"\n", b"  \n\t"]))
            else:
                case = fuzzkit.make_case(rnd, name, n_items=rnd.randint(items_per_file // 2, items_per_file), huge=huge)
            path = fuzzkit.write_case(case, Path(tmp), f"f{k}")
            try:
                got = fuzzkit.check(con, case, path)
                for key in ("input", "loaded", "rejected", "skipped"):
                    totals[key] += got[key]
            except Exception as exc:  # noqa: BLE001
                totals["failures"] += 1
                keep.mkdir(parents=True, exist_ok=True)
                kept = keep / f"{name}-seed{file_seed}{case.suffix}"
                kept.write_bytes(case.content)
                msg = exc.args[0] if isinstance(exc, AssertionError) and exc.args else traceback.format_exc()
                failures.append(f"{kept}: {str(msg)[:600]}")
                if isinstance(exc, fuzzkit.CheckFailure) and "load raised" in str(exc):
                    con.close()
                    con = connect()  # a crashed load may leave the connection in a transaction
            totals["files"] += 1
            totals["cases"] += len(case.items) + (1 if case.container == "empty" else 0)
            path.unlink()
            k += 1
    con.close()
    totals["seconds"] = round(time.perf_counter() - start, 1)
    totals["failure_examples"] = failures[:5]
    return totals


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=10_000, help="generated cases per loader")
    ap.add_argument("--loaders", nargs="*", default=fuzzkit.loaders())
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--items-per-file", type=int, default=120)
    ap.add_argument("--huge-every", type=int, default=25, help="every Nth file has one 10 MB field (0: never)")
    ap.add_argument("--keep", type=Path, default=ROOT / "out" / "fuzz_failures")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args()
    results = {}
    total_failures = 0
    print(f"{'loader':18} {'files':>6} {'cases':>7} {'input':>7} {'loaded':>7} {'rejected':>8} {'skipped':>7} "
          f"{'fail':>5} {'sec':>6}", flush=True)
    for name in args.loaders:
        r = run_loader(name, args.cases, args.seed, args.keep, args.items_per_file, args.huge_every)
        results[name] = r
        total_failures += r["failures"]
        print(f"{name:18} {r['files']:>6} {r['cases']:>7} {r['input']:>7} {r['loaded']:>7} {r['rejected']:>8} "
              f"{r['skipped']:>7} {r['failures']:>5} {r['seconds']:>6}", flush=True)
        for example in r["failure_examples"]:
            print("    " + example.replace("\n", "\n    "), flush=True)
    cases = sum(r["cases"] for r in results.values())
    seconds = sum(r["seconds"] for r in results.values())
    print(f"total: {cases:,} cases in {seconds:.0f} s, {total_failures} failing files")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 1 if total_failures else 0


if __name__ == "__main__":
    sys.exit(main())
