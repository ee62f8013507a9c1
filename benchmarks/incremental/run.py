"""Incremental linking: time of `paperlink link-new` for 1% new records against a full run.

    python benchmarks/incremental/run.py [--works 30000] [--new-share 0.01] [--corpus DIR] [--json]

A synthetic corpus (``paperlink synth``; 30,000 works is about 108,000 records in six sources)
is loaded once with its native loaders; its canonical records are written per source to
parquet and split by a hash of ``record_id`` into a base part (99%) and a new part (1%).  Then:

1. ``base``: a full run (load, train, predict, cluster, export) on the base part;
2. ``link-new``: the new part linked into that run with the saved model;
3. ``union``: a full run on base + new, for the reference partition and the time of a rerun.

Reported: seconds per step, the share of the full run that link-new takes, how far the
incremental partition is from the full rerun's (pairwise, over all records), the cluster F1 of
both against the corpus gold, and id stability (base clusters whose id survived).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from paperlink.evaluate import evaluate_run
from paperlink.incremental import link_new, parse_sources
from paperlink.pipeline import LinkageJob

FIELDS = ["source_id", "title", "authors", "year", "publication_date", "venue", "volume", "issue", "pages", "doi",
          "arxiv_id", "pmid", "abstract", "work_type"]


def split_corpus(corpus: Path, work: Path, share: float) -> tuple[list[str], Path]:
    """Load the corpus natively, write base/<source>.parquet and new/<source>.parquet; returns sources, gold."""
    job_text = (corpus / "job.toml").read_text().replace('path = "work/paperlink.duckdb"', f'path = "{work / "load.duckdb"}"')
    (corpus / "bench_load.toml").write_text(job_text)
    job = LinkageJob.from_config(corpus / "bench_load.toml", work / "load_out")
    job.load()
    con = job.con
    sources = [r[0] for r in con.execute("SELECT DISTINCT source FROM records ORDER BY 1").fetchall()]
    cut = int(share * 2**32)
    for part, cond in (("base", f">= {cut}"), ("new", f"< {cut}")):
        (work / part).mkdir(exist_ok=True)
        for s in sources:
            con.execute(f"""COPY (SELECT {', '.join(FIELDS)} FROM records WHERE source = '{s}'
                AND ('0x' || left(md5(record_id), 8))::UBIGINT::BIGINT {cond} ORDER BY position)
                TO '{work / part / (s + '.parquet')}' (FORMAT parquet)""")
    job.close()
    (work / "load.duckdb").unlink()
    return sources, corpus / "gold.csv"


def job_file(work: Path, name: str, sources: list[str], parts: list[str]) -> Path:
    cols = ", ".join(f'{f} = "{f}"' for f in FIELDS)
    lines = [f'[database]\npath = "{work / name}.duckdb"\n', f'[output]\ndir = "{work / name}_out"\n',
             "[linkage]\nthreshold = 0.9\nseed = 42\n"]
    for s in sources:
        paths = json.dumps([str(work / p / f"{s}.parquet") for p in parts])
        lines.append(f'[[sources]]\nname = "{s}"\nformat = "parquet"\npaths = {paths}\ncolumns = {{ {cols} }}\n')
    path = work / f"{name}.toml"
    path.write_text("\n".join(lines))
    return path


def full_run(path: Path) -> tuple[LinkageJob, float]:
    job = LinkageJob.from_config(path)
    start = time.perf_counter()
    job.run()
    return job, time.perf_counter() - start


def partition_pairs(con, table: str = "clusters") -> str:
    return (f"SELECT x.record_id AS a, y.record_id AS b FROM {table} x JOIN {table} y "
            "ON x.cluster_id = y.cluster_id AND x.record_id < y.record_id")


def compare(incremental: Path, full: Path) -> dict:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE inc AS SELECT record_id, cluster_id FROM '{incremental}'")
    con.execute(f"CREATE TABLE ful AS SELECT record_id, cluster_id FROM '{full}'")
    con.execute(f"CREATE TABLE pi AS {partition_pairs(con, 'inc')}")
    con.execute(f"CREATE TABLE pf AS {partition_pairs(con, 'ful')}")
    both = con.execute("SELECT count(*) FROM pi JOIN pf USING (a, b)").fetchall()[0][0]
    n_i = con.execute("SELECT count(*) FROM pi").fetchall()[0][0]
    n_f = con.execute("SELECT count(*) FROM pf").fetchall()[0][0]
    # records whose cluster (as a set of records) differs between the two
    con.execute("""CREATE TABLE si AS SELECT record_id, list(record_id) OVER (PARTITION BY cluster_id ORDER BY record_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS members FROM inc""")
    con.execute("""CREATE TABLE sf AS SELECT record_id, list(record_id) OVER (PARTITION BY cluster_id ORDER BY record_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS members FROM ful""")
    differ = con.execute("SELECT count(*) FROM si JOIN sf USING (record_id) WHERE si.members <> sf.members").fetchall()[0][0]
    same_ids = con.execute("SELECT count(*) FROM inc JOIN ful USING (record_id) WHERE inc.cluster_id = ful.cluster_id").fetchall()[0][0]
    n = con.execute("SELECT count(*) FROM inc").fetchall()[0][0]
    return {"pairs_incremental": n_i, "pairs_full": n_f, "pairs_in_both": both,
            "pair_agreement_precision": round(both / n_i, 5) if n_i else 1.0,
            "pair_agreement_recall": round(both / n_f, 5) if n_f else 1.0,
            "records": n, "records_in_a_different_cluster": differ, "records_with_the_same_id": same_ids}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--works", type=int, default=30000)
    parser.add_argument("--new-share", type=float, default=0.01)
    parser.add_argument("--corpus", type=Path, help="an existing `paperlink synth` directory")
    parser.add_argument("--workdir", type=Path, help="keep the databases here (default: a temporary directory)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        work = (args.workdir or Path(tmp)).resolve()
        work.mkdir(parents=True, exist_ok=True)
        corpus = args.corpus
        if corpus is None:
            from paperlink.synth import generate

            corpus = work / "corpus"
            log(f"synth --works {args.works} -> {corpus}")
            generate(args.works, corpus, seed=args.seed)
        corpus = corpus.resolve()
        log("loading and splitting the corpus")
        sources, gold = split_corpus(corpus, work, args.new_share)
        base_toml = job_file(work, "base", sources, ["base"])
        union_toml = job_file(work, "union", sources, ["base", "new"])

        log("base: full run on the base part")
        base, base_seconds = full_run(base_toml)
        base_records = base.con.execute("SELECT count(*) FROM records").fetchall()[0][0]
        base_clusters = dict(base.con.execute("SELECT record_id, cluster_id FROM clusters").fetchall())
        base_timings = dict(base.timings)

        log("link-new: the new part")
        specs = parse_sources([f"{s}={work / 'new' / (s + '.parquet')}" for s in sources], base.config.sources)
        start = time.perf_counter()
        report = link_new(base, specs)
        inc_seconds = time.perf_counter() - start
        after = dict(base.con.execute("SELECT record_id, cluster_id FROM clusters").fetchall())
        inc_eval = evaluate_run(base.con, gold, base._settings(), 0.9)
        base.close()
        kept = {}
        for r, c in base_clusters.items():
            kept.setdefault(c, set()).add(after.get(r) == c)
        ids_kept = sum(all(v) for v in kept.values())

        log("union: full run on base + new")
        union, union_seconds = full_run(union_toml)
        union_eval = evaluate_run(union.con, gold, union._settings(), 0.9)
        union_timings = dict(union.timings)
        union.close()
        diff = compare(work / "base_out" / "clusters.parquet", work / "union_out" / "clusters.parquet")

    result = {
        "records_base": base_records, "records_new": report["new_records"],
        "base_run_seconds": round(base_seconds, 1), "base_steps": base_timings,
        "link_new_seconds": round(inc_seconds, 1), "link_new_steps": report["seconds"],
        "union_run_seconds": round(union_seconds, 1), "union_steps": union_timings,
        "link_new_share_of_full_run": round(inc_seconds / union_seconds, 4),
        "pairs_scored": report["pairs_scored"], "clusters": {k: v for k, v in report["clusters"].items() if k != "changed_ids"},
        "base_clusters": len(kept), "base_clusters_keeping_their_id": ids_kept,
        "f1_incremental": {k: inc_eval[k] for k in ("precision", "recall", "f1")},
        "f1_full_union": {k: union_eval[k] for k in ("precision", "recall", "f1")},
        "incremental_vs_full": diff,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"records: {base_records:,} base + {report['new_records']:,} new")
    print("| run | seconds | steps |")
    print("|---|---|---|")
    print(f"| full run, base ({base_records:,}) | {base_seconds:.1f} | {base_timings} |")
    print(f"| link-new ({report['new_records']:,} new) | {inc_seconds:.1f} | {report['seconds']} |")
    print(f"| full run, union | {union_seconds:.1f} | {union_timings} |")
    print(f"link-new / full run on the union: {inc_seconds / union_seconds:.1%}")
    print(f"cluster F1 vs gold: incremental {inc_eval['f1']:.4f} (P {inc_eval['precision']:.4f}, R {inc_eval['recall']:.4f}); "
          f"full rerun {union_eval['f1']:.4f} (P {union_eval['precision']:.4f}, R {union_eval['recall']:.4f})")
    print(f"incremental vs full rerun: {json.dumps(diff)}")
    print(f"base clusters keeping their id: {ids_kept:,} of {len(kept):,}; link-new: {json.dumps(result['clusters'])}")


if __name__ == "__main__":
    main()
