"""Scale benchmark: a synthetic corpus of a given size linked end to end on this machine.

    python benchmarks/scale/run.py --records 1000000 [--threads 2] [--memory-limit 16GB]
                                   [--overhead] [--backend duckdb|spark] [--workdir DIR] [--json FILE]
                                   [--keep] [--resume RUN_DIR]

Generates (or reuses, under ``--workdir``) a synthetic corpus (``paperlink synth``; about 3.6
records per work, so ``--records N`` asks for N / 3.6 works; ``--works`` sets works directly),
writes a job file for it and runs the job's steps (load, train, predict, cluster, export) in
this process.  Reports wall seconds per step, the peak resident memory of the process (sampled
every 0.1 s, per step and overall), candidate pairs (pairs the blocking rules produce, and pairs
kept by predict), and precision / recall / F1 of the clusters against the corpus's gold.csv.
Corpus generation and scoring are timed but not part of the job's time.  ``--keep`` keeps the
run directory; ``--resume RUN_DIR`` runs predict, cluster and export again on a kept one (the
same ``--works``/``--records`` and ``--seed``, for the corpus's gold), e.g. to measure predict
alone.

``--overhead`` also measures paperlink against a bare Splink script on the same ``features``
table and settings: λ from the deterministic rules, u sampling, the EM sessions, predict and
connected components, called on Splink directly (plain ``DuckDBAPI``), both in this run; the
ratio is paperlink's train + predict + cluster over the bare script's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

RECORDS_PER_WORK = 3.6  # measured on the synthetic corpus (18,013 records for 5,000 works)
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


class PeakRSS:
    """Peak resident memory of this process, sampled in a thread; ``mark()`` starts a new window."""

    def __init__(self, interval: float = 0.1):
        import psutil

        self._proc = psutil.Process()
        self._interval = interval
        self._window = 0
        self._overall = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = self._proc.memory_info().rss
            self._window = max(self._window, rss)
            self._overall = max(self._overall, rss)
            self._stop.wait(self._interval)

    def mark(self) -> int:
        """Peak since the last mark (bytes), and start a new window."""
        rss = self._proc.memory_info().rss
        peak, self._window = max(self._window, rss), rss
        self._overall = max(self._overall, peak)
        return peak

    def close(self) -> int:
        self._stop.set()
        self._thread.join()
        ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
        return max(self._overall, ru)


def gb(n: int) -> float:
    return round(n / 1e9, 2)


def corpus(works: int, seed: int, workdir: Path) -> tuple[Path, float | None]:
    """The corpus directory for (works, seed), generated unless it is already there."""
    out = workdir / f"corpus-w{works}-s{seed}"
    if (out / "gold.csv").exists() and (out / "job.toml").exists():
        return out, None
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "paperlink.cli", "synth", "--works", str(works), "--out", str(out),
                    "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)
    return out, time.perf_counter() - start


def write_job(corpus_dir: Path, run_dir: Path, args) -> Path:
    """The corpus's own job.toml, pointed at a fresh database and output directory."""
    text = (corpus_dir / "job.toml").read_text(encoding="utf-8")
    head, _, sources = text.partition("[[sources]]")
    sources = "[[sources]]" + sources
    sources = sources.replace('paths = ["', f'paths = ["{corpus_dir.as_posix()}/')
    db = [f'path = "{(run_dir / "paperlink.duckdb").as_posix()}"',
          f'temp_directory = "{(run_dir / "spill").as_posix()}"']
    if args.threads:
        db.append(f"threads = {args.threads}")
    if args.memory_limit:
        db.append(f'memory_limit = "{args.memory_limit}"')
    linkage = ["threshold = 0.9", "seed = 42"]
    if args.settings or args.drop_rule:
        from paperlink.config import read_settings

        settings = read_settings(args.settings.resolve() if args.settings else None)
        text = lambda r: r["blocking_rule"] if isinstance(r, dict) else r  # noqa: E731
        settings["blocking_rules_to_generate_predictions"] = [
            r for r in settings["blocking_rules_to_generate_predictions"] if not any(d in text(r) for d in args.drop_rule)]
        (run_dir / "settings.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")
        linkage.append(f'settings = "{(run_dir / "settings.json").as_posix()}"')
    if args.num_chunks:
        linkage.append(f"num_chunks = {args.num_chunks}")
    lines = ["[database]", *db, "", "[output]", f'dir = "{(run_dir / "out").as_posix()}"', "",
             "[linkage]", *linkage, ""]
    if args.backend != "duckdb":
        lines += ["[engine]", f'backend = "{args.backend}"', ""]
    job = run_dir / "job.toml"
    job.write_text("\n".join(lines) + "\n" + sources, encoding="utf-8")
    return job


def run_job(job_file: Path, rss: PeakRSS, steps_to_run: tuple[str, ...] | None = None) -> tuple[object, dict]:
    import paperlink.pipeline
    from paperlink.pipeline import STEPS, LinkageJob

    features_seconds = []
    build = paperlink.pipeline.build_features

    def timed_build(*a, **kw):  # the features part of `train`, reported on its own
        start = time.perf_counter()
        try:
            return build(*a, **kw)
        finally:
            features_seconds.append(time.perf_counter() - start)

    paperlink.pipeline.build_features = timed_build
    try:
        job = LinkageJob.from_config(job_file)
        steps: dict[str, dict] = {}
        rss.mark()
        for step in steps_to_run or STEPS:
            start = time.perf_counter()
            getattr(job, step)()
            steps[step] = {"seconds": round(time.perf_counter() - start, 2), "peak_rss_gb": gb(rss.mark())}
            print(f"{step}: {steps[step]}", file=sys.stderr, flush=True)  # progress of long runs
    finally:
        paperlink.pipeline.build_features = build
    if features_seconds and "train" in steps:
        steps["train"]["of_which_features"] = round(sum(features_seconds), 2)
    return job, steps


def bare_splink(con, settings: dict, training, seed: int, threshold: float, predict_threshold: float,
                em: bool = True) -> dict:
    """The same model steps, called on Splink directly over the ``features`` table (EM only where
    paperlink ran it: on toy inputs paperlink uses its default model and Splink's EM fails)."""
    import logging

    from splink import DuckDBAPI, Linker
    from splink.internals.blocking_rule_creator_utils import to_blocking_rule_creator

    seconds: dict[str, float] = {}
    t = time.perf_counter()
    db_api = DuckDBAPI(con)
    linker = Linker(db_api.register("features"), dict(settings, linker_uid="bare"), log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(training.deterministic_rules, recall=training.recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=training.u_max_pairs, seed=seed)
    for _round in range(training.em_rounds if em else 0):
        for rule in training.em_blocking_rules:
            linker.training.estimate_parameters_using_expectation_maximisation(
                to_blocking_rule_creator(rule), record_sample_proportion=1.0, max_pairs=training.em_max_pairs)
    seconds["train"] = time.perf_counter() - t
    t = time.perf_counter()
    pred = linker.inference.predict(threshold_match_probability=predict_threshold)
    con.execute(f"SELECT count(*) FROM {pred.physical_name}").fetchall()
    seconds["predict"] = time.perf_counter() - t
    t = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold_match_probability=threshold)
    n_clusters = con.execute(f"SELECT count(DISTINCT cluster_id) FROM {clusters.physical_name}").fetchall()[0][0]
    seconds["cluster"] = time.perf_counter() - t
    for sdf in (clusters, pred):
        sdf.drop_table_from_database_and_remove_from_cache()
    return {"seconds": {k: round(v, 2) for k, v in seconds.items()},
            "total": round(sum(seconds.values()), 2), "clusters": n_clusters}


def candidate_pairs(job, chunks: int) -> dict[str, int]:
    """Pairs the prediction blocking rules produce, per rule (match_key), counted chunk by chunk
    (Spark runs; on DuckDB predict counts them itself)."""
    linker = job.linker()
    counts: dict[str, int] = {}
    for left in range(1, chunks + 1):
        for right in range(1, chunks + 1):
            blocked = linker.inference.compute_blocked_pairs_for_predict_chunk((left, chunks), (right, chunks))
            for key, n in job.con.execute(
                    f"SELECT match_key, count(*) FROM {blocked.physical_name} GROUP BY 1").fetchall():
                counts[key] = counts.get(key, 0) + n
            blocked.drop_table_from_database_and_remove_from_cache()
    return dict(sorted(counts.items(), key=lambda kv: int(kv[0])))


def score(result: dict, job, corpus_dir: Path, chunks: int, evaluate: bool = True) -> None:
    """Candidate pairs and accuracy against gold.csv into ``result`` (a failure is recorded, not raised)."""
    from paperlink.evaluate import evaluate_run

    records = result["records"]
    try:
        start = time.perf_counter()
        by_rule = job.report.get("candidate_pairs_by_rule")  # counted by predict on DuckDB
        if by_rule is None:
            from paperlink.model.linker import rule_condition

            per_rule = candidate_pairs(job, max(chunks, min(8, 1 + records // 250_000)))
            rules = job._settings()["blocking_rules_to_generate_predictions"]
            by_rule = {rule_condition(rules[int(k)]): n for k, n in per_rule.items()}
        result["candidate_pairs"] = sum(by_rule.values())
        result["candidate_pairs_by_rule"] = by_rule
        result["pairs_per_record"] = round(result["candidate_pairs"] / records, 1)
        result["candidate_pairs_seconds"] = round(time.perf_counter() - start, 1)
    except Exception as exc:  # noqa: BLE001 (the job's figures stand without it)
        result["candidate_pairs_error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
    if not evaluate:
        return
    try:
        start = time.perf_counter()
        ev = evaluate_run(job.con, corpus_dir / "gold.csv", job._settings(), job.config.linkage.threshold, scope="all",
                          candidate_pairs=result.get("candidate_pairs"))
        result["accuracy"] = {k: ev[k] for k in ("precision", "recall", "f1", "pair_completeness", "gold_pairs")}
        result["evaluate_seconds"] = round(time.perf_counter() - start, 1)
    except Exception as exc:  # noqa: BLE001
        result["accuracy_error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = ap.add_mutually_exclusive_group(required=True)
    size.add_argument("--records", type=int, help="about this many records (works = records / 3.6)")
    size.add_argument("--works", type=int, help="exactly this many true works")
    ap.add_argument("--seed", type=int, default=1, help="corpus seed")
    ap.add_argument("--workdir", type=Path, default=ROOT / "work" / "scale",
                    help="corpora are kept here between runs; each run gets a fresh run-* directory")
    ap.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    ap.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 16GB")
    ap.add_argument("--num-chunks", type=int, default=None, help="linkage.num_chunks")
    ap.add_argument("--backend", choices=("duckdb", "spark"), default="duckdb")
    ap.add_argument("--settings", type=Path, default=None,
                    help="experiment: another Splink settings JSON (default: linkage_config/splink_settings.json)")
    ap.add_argument("--drop-rule", action="append", default=[], metavar="TEXT",
                    help="experiment: leave out the prediction blocking rules containing TEXT (repeatable)")
    ap.add_argument("--max-title-key-block", type=int, default=None,
                    help="experiment: paperlink.model.features.MAX_TITLE_KEY_BLOCK for this run")
    ap.add_argument("--max-title-key-authors", type=int, default=None,
                    help="experiment: paperlink.model.features.MAX_TITLE_KEY_AUTHORS for this run")
    ap.add_argument("--overhead", action="store_true", help="also time a bare Splink script on the same features")
    ap.add_argument("--no-evaluate", action="store_true", help="skip scoring against gold.csv")
    ap.add_argument("--keep", action="store_true", help="keep the run directory (database, outputs)")
    ap.add_argument("--resume", type=Path, default=None, metavar="RUN_DIR",
                    help="run predict, cluster and export again on a kept run directory of this corpus")
    ap.add_argument("--json", type=Path, default=None, help="also write the result here")
    args = ap.parse_args(argv)

    works = args.works or max(1, round(args.records / RECORDS_PER_WORK))
    args.workdir.mkdir(parents=True, exist_ok=True)
    corpus_dir, synth_seconds = corpus(works, args.seed, args.workdir)
    if args.resume:
        run_dir, job_file = args.resume, args.resume / "job.toml"
    else:
        run_dir = args.workdir / f"run-w{works}-s{args.seed}-{os.getpid()}"
        shutil.rmtree(run_dir, ignore_errors=True)
        run_dir.mkdir(parents=True)
        job_file = write_job(corpus_dir, run_dir, args)
    load_before = os.getloadavg()

    import paperlink.model.features

    if args.max_title_key_block:
        paperlink.model.features.MAX_TITLE_KEY_BLOCK = args.max_title_key_block
    if args.max_title_key_authors:
        paperlink.model.features.MAX_TITLE_KEY_AUTHORS = args.max_title_key_authors
    rss = PeakRSS()
    wall = time.perf_counter()
    job, steps = run_job(job_file, rss, ("predict", "cluster", "export") if args.resume else None)
    job_seconds = time.perf_counter() - wall
    con = job.con
    records = con.execute("SELECT count(*) FROM records").fetchall()[0][0]
    result: dict = {
        "works": works, "records": records, "seed": args.seed, "backend": args.backend,
        "threads": args.threads or os.cpu_count(), "memory_limit": args.memory_limit,
        "num_chunks": args.num_chunks or "auto", "settings": str(args.settings) if args.settings else "default",
        "max_title_key_block": args.max_title_key_block or "default",
        "max_title_key_authors": args.max_title_key_authors or "default", "dropped_rules": args.drop_rule,
        "synth_seconds": None if synth_seconds is None else round(synth_seconds, 1),
        "steps": steps, "job_seconds": round(job_seconds, 2),
        "us_per_record": round(job_seconds / records * 1e6, 1),
        "scored_pairs": job.report.get("candidate_pairs_scored"),
        "clusters": job.report.get("clusters"),
        "training": {k: v for k, v in job.report.get("training", {}).items() if k != "em_sessions"},
    }
    score(result, job, corpus_dir, job.report.get("predict_chunks", 1), evaluate=not args.no_evaluate)
    if args.overhead:
        # paperlink's train builds the features first; the bare script starts from that table
        ours = sum(steps[s]["seconds"] for s in ("train", "predict", "cluster")) - steps["train"].get("of_which_features", 0)
        bare = bare_splink(con, job._settings(), job.config.linkage.training, job.config.linkage.seed,
                           job.config.linkage.threshold, job.config.linkage.predict_threshold,
                           em=job.report.get("training", {}).get("m_source") == "EM")
        result["overhead"] = {
            "paperlink_train_predict_cluster": round(ours, 2), "bare_splink": bare,
            "ratio": round(ours / bare["total"], 3),
        }
    job.close()
    result["peak_rss_gb"] = gb(rss.close())
    result["loadavg_before"] = [round(x, 2) for x in load_before]
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    result["command"] = "python benchmarks/scale/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if not (args.keep or args.resume):
        shutil.rmtree(run_dir, ignore_errors=True)
    text = json.dumps(result, indent=2, default=str)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    print(markdown_row(result))
    return result


def markdown_row(r: dict) -> str:
    s = r["steps"]
    acc = r.get("accuracy", {})
    cells = [f"{r['records']:,}", *(f"{s[k]['seconds']:.1f}" if k in s else "—" for k in ("load", "train", "predict", "cluster", "export")),
             f"{r['job_seconds']:.1f}", f"{r['us_per_record']:.0f}", f"{r['peak_rss_gb']:.2f}",
             f"{r.get('candidate_pairs', 0):,}", f"{r.get('scored_pairs') or 0:,}",
             f"{acc.get('f1', float('nan')):.4f}", f"{r['overhead']['ratio']:.2f}" if "overhead" in r else "—"]
    return "| " + " | ".join(cells) + " |"


if __name__ == "__main__":
    main()
