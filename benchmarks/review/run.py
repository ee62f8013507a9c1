"""Clerical review on DBLP-ACM: cluster F1 with 0, 50, 100, 200 reviewed pairs.

    python benchmarks/review/run.py [--strategy disagreement|uncertain|random ...] [--sizes 0,50,100,200]
                                    [--step 50] [--json]

The job is benchmarks/accuracy/dblp_acm.toml (its database and outputs are moved to a temporary
directory).  After the zero-label run, reviewing proceeds in rounds of ``--step`` pairs, each
picked by ``paperlink review export`` from the current run with the strategy, answered from the
gold (DBLP-ACM_perfectMapping.csv: a pair in the mapping is a match, any other a non-match),
imported with ``paperlink review import`` and used: the model is retrained with the decisions,
pairs re-scored and clusters rebuilt with the decisions as must-link / cannot-link.  At each
reported size the cluster F1 (cross-source pairs, as in benchmarks/accuracy) is measured three
ways, to show where the gain comes from:

- ``clusters only``: the zero-label model's scores, clustered with the decisions;
- ``training only``: the model retrained with the decisions, clustered without them;
- ``both``: retrained and clustered with the decisions (what `paperlink run` does);

plus the F1 that ``paperlink evaluate --labels`` estimates from the decisions alone.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import duckdb

from paperlink.clusters.cluster import cluster_predictions
from paperlink.evaluate import evaluate_labels, evaluate_run
from paperlink.pipeline import LinkageJob
from paperlink.review import export_review, import_decisions

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
JOB = ROOT / "benchmarks" / "accuracy" / "dblp_acm.toml"
SHARED = ROOT.parent / "shared" / "benchmarks" / "dblp_acm"


def write_job(workdir: Path) -> Path:
    """dblp_acm.toml with absolute source paths and the database/outputs in ``workdir``."""
    raw = tomllib.loads(JOB.read_text())
    lines = [f'[database]\npath = "{workdir / "paperlink.duckdb"}"\n', f'[output]\ndir = "{workdir / "out"}"\n',
             "[linkage]"]
    for key, value in raw.get("linkage", {}).items():
        lines.append(f"{key} = {json.dumps(value)}")
    for src in raw["sources"]:
        paths = [str((JOB.parent / p).resolve()) for p in src["paths"]]
        cols = ", ".join(f'{k} = "{v}"' for k, v in src.get("columns", {}).items())
        lines += ["", "[[sources]]", f'name = "{src["name"]}"', f'format = "{src.get("format", "auto")}"',
                  f"paths = {json.dumps(paths)}", f"columns = {{ {cols} }}"]
    path = workdir / "job.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def answer(review_csv: Path, gold: set[tuple[str, str]]) -> tuple[int, int]:
    """Fill in the decision column from the gold; returns (#match, #non-match)."""
    with open(review_csv, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        pair = tuple(sorted((r["doc_1_record_id"], r["doc_2_record_id"])))
        r["decision"] = "match" if pair in gold else "non-match"
    with open(review_csv, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["doc_1_record_id", "doc_2_record_id", "decision"])
        w.writeheader()
        w.writerows(rows)
    n_match = sum(r["decision"] == "match" for r in rows)
    return n_match, len(rows) - n_match


def cluster_f1(job: LinkageJob, gold_csv: Path) -> dict:
    r = evaluate_run(job.con, gold_csv, job._settings(), job.config.linkage.threshold, scope="cross_source")
    return {k: r[k] for k in ("precision", "recall", "f1")}


def recluster(job: LinkageJob, predictions: str = "predictions", with_labels: bool = True) -> None:
    con = job.con
    if not with_labels:
        con.execute("ALTER TABLE labels RENAME TO labels_hidden")
    try:
        lk = job.config.linkage
        cluster_predictions(job.linker(), con, lk.threshold, lk.duplicate_free_sources, predictions=predictions)
    finally:
        if not with_labels:
            con.execute("ALTER TABLE labels_hidden RENAME TO labels")


def run_strategy(strategy: str, sizes: list[int], step: int, workdir: Path, gold_csv: Path,
                 gold: set[tuple[str, str]], log=print) -> list[dict]:
    job = LinkageJob.from_config(write_job(workdir))
    start = time.perf_counter()
    job.run()
    base_seconds = time.perf_counter() - start
    con = job.con
    con.execute("CREATE OR REPLACE TABLE predictions_zero_label AS SELECT * FROM predictions")
    f0 = cluster_f1(job, gold_csv)
    rows = [{"strategy": strategy, "reviewed": 0, "matches": 0, "non_matches": 0, "clusters_only": f0,
             "training_only": f0, "both": f0, "estimated_f1": None, "seconds": round(base_seconds, 1)}]
    log(json.dumps(rows[-1]))
    model = json.loads(job.model_path.read_text())
    reviewed = matches = 0
    while reviewed < max(sizes):
        start = time.perf_counter()
        n = min(step, max(sizes) - reviewed)
        out = workdir / f"review_{strategy}_{reviewed + n}"
        export_review(con, out, n, strategy, job.config.linkage.threshold, model)
        m, nm = answer(out / "review.csv", gold)
        import_decisions(con, out / "review.csv")
        reviewed += m + nm
        matches += m
        row = {"strategy": strategy, "reviewed": reviewed, "matches": matches, "non_matches": reviewed - matches}
        measure = reviewed in sizes or reviewed >= max(sizes)
        if measure:
            recluster(job, "predictions_zero_label")
            row["clusters_only"] = cluster_f1(job, gold_csv)
        job.train()
        job.predict()
        model = json.loads(job.model_path.read_text())
        if measure:
            recluster(job, with_labels=False)
            row["training_only"] = cluster_f1(job, gold_csv)
        job.cluster()  # with the decisions: the state the next round reviews
        if measure:
            row["both"] = cluster_f1(job, gold_csv)
            row["estimated_f1"] = evaluate_labels(con, job.config.linkage.threshold, "cross_source")["estimate"]["clusters"]
            row["training"] = job.report.get("training", {}).get("labels")
            row["seconds"] = round(time.perf_counter() - start, 1)
            rows.append(row)
            log(json.dumps(row))
        if m + nm == 0:
            log(f"{strategy}: no pairs left to review after {reviewed}")
            break
    job.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--strategy", nargs="+", default=["disagreement", "uncertain", "random"])
    parser.add_argument("--sizes", default="0,50,100,200")
    parser.add_argument("--step", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit(f"benchmark data not found: {SHARED} (../shared is needed beside the project)")
    sizes = sorted({int(s) for s in args.sizes.split(",")} - {0})
    gold = {tuple(sorted(r)) for r in duckdb.sql(
        f"SELECT 'dblp:' || idDBLP, 'acm:' || idACM FROM read_csv('{SHARED}/DBLP-ACM_perfectMapping.csv', all_varchar = true)"
    ).fetchall()}
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        gold_csv = Path(tmp) / "gold.csv"
        with open(gold_csv, "w") as fh:
            fh.write("record_id_l,record_id_r\n" + "".join(f"{a},{b}\n" for a, b in sorted(gold)))
        for strategy in args.strategy:
            workdir = Path(tmp) / strategy
            workdir.mkdir()
            results += run_strategy(strategy, sizes, args.step, workdir, gold_csv, gold,
                                    log=lambda s: print(s, file=sys.stderr, flush=True))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print("| strategy | reviewed (match / non-match) | F1 clusters only | F1 training only | F1 both | "
          "precision / recall (both) | F1 estimated from the decisions |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        est = "" if r["estimated_f1"] is None else f"{r['estimated_f1']['f1']:.4f}"
        print(f"| {r['strategy']} | {r['reviewed']} ({r['matches']} / {r['non_matches']}) | "
              f"{r['clusters_only']['f1']:.4f} | {r['training_only']['f1']:.4f} | {r['both']['f1']:.4f} | "
              f"{r['both']['precision']:.4f} / {r['both']['recall']:.4f} | {est} |")


if __name__ == "__main__":
    main()
