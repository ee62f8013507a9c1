"""Zero-label accuracy on the labelled benchmarks in ../shared/benchmarks, end to end.

    python benchmarks/accuracy/run.py [--json] [--only NAME]

Each dataset has a job file here that maps columns with the csv loader and otherwise uses the
default linkage_config/splink_settings.json.  Gold pairs are derived from ../shared at run
time (never copied into the project) and scored over all pairs of the run.  ``dblp_acm_noisy``
is generated at run time into a temporary directory (noisy.py: scraped-web-style copies of the
ACM records, dedupe_only with the default settings, scored over all pairs).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import duckdb
from noisy import make_noisy_dblp_acm  # beside this file

from paperlink.pipeline import LinkageJob

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared" / "benchmarks"

DATASETS = {
    # name: (job file, scope, SQL writing gold with columns record_id_l,record_id_r or record_id,entity_id)
    "dblp_acm": ("dblp_acm.toml", "cross_source",
                 "SELECT 'dblp:' || idDBLP AS record_id_l, 'acm:' || idACM AS record_id_r "
                 f"FROM read_csv('{SHARED}/dblp_acm/DBLP-ACM_perfectMapping.csv', all_varchar = true)"),
    "cora": ("cora.toml", "all",
             "SELECT 'cora:' || id AS record_id, label AS entity_id "
             f"FROM read_csv('{SHARED}/cora/cora.csv', all_varchar = true)"),
    # generated: (function writing job + gold into a directory, scope, None)
    "dblp_acm_noisy": (make_noisy_dblp_acm, "all", None),
    # the same data, with the curated catalogue declared duplicate-free (one line of job.toml)
    "dblp_acm_noisy_dblp_duplicate_free": (partial(make_noisy_dblp_acm, duplicate_free=("dblp",)), "all", None),
}


def run_dataset(name: str, workdir: Path) -> dict:
    job_file, scope, gold_sql = DATASETS[name]
    if callable(job_file):
        job_path, gold = job_file(workdir / name)
    else:
        job_path, gold = HERE / job_file, workdir / f"{name}_gold.csv"
        duckdb.connect().execute(f"COPY ({gold_sql}) TO '{gold}' (HEADER)")
    job = LinkageJob.from_config(job_path)
    start = time.perf_counter()
    job.run()
    seconds = time.perf_counter() - start
    result = job.evaluate(gold, scope=scope)
    job.close()
    return {"dataset": name, "seconds": round(seconds, 1), **{k: result[k] for k in (
        "precision", "recall", "f1", "pair_completeness", "candidate_pairs")},
        "best_pairwise_f1": result["pairs_best"]["f1"], "best_pairwise_threshold": result["pairs_best"]["threshold"]}


def main() -> None:
    if not SHARED.exists():
        sys.exit(f"benchmarks not found: {SHARED} (../shared is needed beside the project)")
    names = list(DATASETS)
    if "--only" in sys.argv:
        i = sys.argv.index("--only") + 1
        if i >= len(sys.argv) or sys.argv[i] not in DATASETS:
            sys.exit(f"--only needs one of: {', '.join(DATASETS)}")
        names = [sys.argv[i]]
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run_dataset(name, Path(tmp)) for name in names]
    if "--json" in sys.argv:
        print(json.dumps(rows, indent=2))
        return
    cols = ["dataset", "precision", "recall", "f1", "pair_completeness", "candidate_pairs",
            "best_pairwise_f1", "best_pairwise_threshold", "seconds"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")


if __name__ == "__main__":
    main()
