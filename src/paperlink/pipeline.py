"""paperlink's Python API: a linkage job as steps over one DuckDB database.

``load`` -> ``train`` -> ``predict`` -> ``cluster`` -> ``export``.  Each step reads what the
previous one left in the database (tables ``records``, ``features``, ``predictions``,
``clusters``) or in the output directory (``model.json``), so steps also run one at a time
from separate processes.  Notebooks and the CLI use the same class::

    job = LinkageJob.from_config("linkage_config/job.toml")
    job.run()

Reliability: every record is accounted for (per source ``input = loaded + rejected`` after
loading, ``loaded = clustered`` after clustering, both in ``run_report.json``; a run that breaks
either stops with a :class:`PipelineError`).  Outputs are written under a temporary name and
renamed; ``run()`` stages all of them (model.json, the parquet files, run_report.json) in
``<out>/.paperlink-run`` and moves them into place only when every step has succeeded, so a
run that fails or is killed leaves the previous outputs as they were.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import duckdb

from paperlink.clusters.cluster import cluster_predictions
from paperlink.clusters.ids import PREVIOUS, carry_over_ids, keep_ids_before_clustering
from paperlink.config import ConfigError, JobConfig, check_settings_sql, load_job, read_settings
from paperlink.db import connect
from paperlink.exports.works import build_works, write_parquet, write_text_atomic
from paperlink.model.features import build_features
from paperlink.model.labels import match_decisions, train_with_labels
from paperlink.model.linker import make_linker, predict_in_pieces, rule_condition, scoring, train
from paperlink.records.load import load_sources

DEFAULT_MODEL = Path(__file__).resolve().parent / "model" / "default_model.json"
STEPS = ("load", "train", "predict", "cluster", "export")
OUTPUTS = ("model.json", "clusters.parquet", "works.parquet", "pairs.parquet", "run_report.json")
STAGING = ".paperlink-run"
# predict in pieces of about this many records' worth of candidate pairs: 1 M records in one piece
# peak at 5 GB; 10 M in one piece and in 2 x 2 pieces ran out of a 16 GB limit (benchmarks/RESULTS.md)
RECORDS_PER_PREDICT_PIECE = 1_100_000  # so that a corpus of 1.0x M records stays in one piece


def predict_chunks(records: int) -> int:
    """Pieces per side for ``num_chunks = "auto"``: pairs grow with the records, a piece holds
    1 / chunks² of them (on DuckDB the blocking joins run once per side piece, see
    :func:`paperlink.model.linker.predict_in_pieces`; on Spark, Splink's chunks)."""
    return max(1, math.ceil(math.sqrt(records / RECORDS_PER_PREDICT_PIECE)))


class PipelineError(RuntimeError):
    """A step that cannot run (missing earlier step, lost records); the message says why."""


class LinkageJob:
    def __init__(self, config: JobConfig, out_dir: str | Path | None = None):
        self.config = config
        self.out_dir = Path(out_dir).resolve() if out_dir else config.output_dir
        self._con: duckdb.DuckDBPyConnection | None = None
        self._staging: Path | None = None  # set while run() writes its outputs aside
        self.timings: dict[str, float] = {}
        self.report: dict = {}
        self.use_labels = True  # train with reviewed matches from the `labels` table, if any

    @classmethod
    def from_config(cls, path: str | Path | None = None, out_dir: str | Path | None = None) -> LinkageJob:
        return cls(load_job(path), out_dir)

    # ------------------------------------------------------------------ plumbing
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            db = self.config.database
            self._con = connect(db.path, db.threads, db.memory_limit, db.temp_directory)
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    @property
    def write_dir(self) -> Path:
        """Where outputs are written: the staging directory during ``run()``, else ``out_dir``."""
        return self._staging or self.out_dir

    @property
    def model_path(self) -> Path:
        return self.write_dir / "model.json"

    def _settings(self) -> dict:
        settings = read_settings(self.config.linkage.settings)
        if self.config.linkage.link_type:
            settings["link_type"] = self.config.linkage.link_type
        if self.config.linkage.duplicate_free_sources and settings.get("link_type", "dedupe_only") == "dedupe_only":
            # the same pairs, but Splink's single-best-link clustering needs sources to tell apart
            settings["link_type"] = "link_and_dedupe"
        return settings

    def require_matching_run(self) -> None:
        """Stop when the outputs in ``out_dir`` were written by a run over another database (an
        output directory given without the ``--config`` of the job that wrote it).  Outputs
        extended by ``link-new`` hold more records than their run loaded: not checked."""
        report_path = self.out_dir / "run_report.json"
        if not report_path.exists() or (self.out_dir / "link_new_report.json").exists():
            return
        reported = {s: r.get("loaded") for s, r in json.loads(report_path.read_text(encoding="utf-8")).get("records", {}).items()}
        self._require("records", "load")
        loaded = dict(self.con.execute("SELECT source, count(*) FROM records GROUP BY source").fetchall())
        if reported and reported != loaded:
            raise PipelineError(
                f"the run in {self.out_dir} loaded {reported}, the database {self.config.database.path} holds "
                f"{loaded}: give the --config of the job that wrote {self.out_dir}")

    def _require(self, table: str, step: str) -> None:
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
        ).fetchall()[0][0]
        if not exists:
            raise PipelineError(f"no `{table}` table in {self.config.database.path}: run `paperlink {step}` first")

    def _timed(self, step: str, fn: Callable):
        start = time.perf_counter()
        result = fn()
        self.timings[step] = round(time.perf_counter() - start, 3)
        return result

    # ------------------------------------------------------------------ steps
    def load(self, on_file=None) -> dict:
        counts = self._timed("load", lambda: load_sources(self.con, self.config.sources, on_file))
        self.report["sources"] = {name: asdict(c) for name, c in counts.items()}
        for name, c in counts.items():
            if c.input != c.loaded + c.rejected:
                raise PipelineError(
                    f"source {name!r}: records lost while loading: input {c.input:,} != "
                    f"loaded {c.loaded:,} + rejected {c.rejected:,}")
        if sum(c.loaded for c in counts.values()) == 0:
            raise PipelineError("no records loaded: " + self._why_nothing_loaded(counts))
        return counts

    def _why_nothing_loaded(self, counts: dict) -> str:
        if sum(c.input for c in counts.values()) == 0:
            return "the input files hold no records"
        top = self.con.execute(
            "SELECT source, reason, count(*) AS n FROM rejected_records GROUP BY ALL ORDER BY n DESC, source LIMIT 1"
        ).fetchall()
        example = f" (most often: {top[0][0]}: {top[0][1][:200]!r} x{top[0][2]:,})" if top else ""
        return f"all {sum(c.rejected for c in counts.values()):,} input records were rejected{example}"

    def train(self) -> dict:
        self._require("records", "load")

        def _train():
            settings = self._settings()
            build_features(self.con)
            check_settings_sql(self.con, settings, self.config.linkage.training,
                               path=self.config.linkage.settings or "default settings")
            fallback = json.loads(DEFAULT_MODEL.read_text()) if DEFAULT_MODEL.exists() else None
            if self.config.engine.backend == "spark":  # u, EM on Spark; the model comes back as DuckDB's
                from paperlink.backends.spark import train_on_spark

                linker, summary = train_on_spark(self, settings, fallback)
            else:
                linker = make_linker(self.con, settings)
                summary = train(linker, self.con, self.config.linkage.training, self.config.linkage.seed, fallback)
            if self.use_labels and match_decisions(self.con):  # reviewed matches refine m (model/labels.py)
                summary["labels"] = train_with_labels(linker, self.con, self.config.linkage.training)
            self.write_dir.mkdir(parents=True, exist_ok=True)
            model = linker.misc.save_model_to_json(None)
            write_text_atomic(self.model_path, json.dumps(model, indent=2, sort_keys=True))
            return summary

        summary = self._timed("train", _train)
        self.report["training"] = summary
        return summary

    def linker(self):
        """A Splink linker with the trained model, for charts and inspection in notebooks: it keeps
        the compared values and intermediate columns of what it scores, which Splink's waterfall
        charts and dashboards need (the job's own ``predictions`` follow the settings file; charts
        join the values from ``features``)."""
        return make_linker(self.con, {**self._model(), "retain_matching_columns": True,
                                      "retain_intermediate_calculation_columns": True})

    def evaluate(self, gold: str | Path, scope: str = "all") -> dict:
        """Score this finished run against ground truth (:func:`paperlink.evaluate.evaluate_run`);
        leaves the gold pairs in the temp table ``gold_scoped`` for :func:`paperlink.charts.accuracy_chart`."""
        from paperlink.evaluate import evaluate_run

        return evaluate_run(self.con, gold, self._settings(), self.config.linkage.threshold, scope=scope)

    def _model(self) -> dict:
        """The trained model (``model.json``), checked against the ``features`` table."""
        if not self.model_path.exists():
            raise PipelineError(f"no trained model at {self.model_path}: run `paperlink train` first")
        self._require("features", "train")
        try:
            model = json.loads(self.model_path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise PipelineError(f"cannot read the model {self.model_path} ({exc}): run `paperlink train` again") from None
        try:
            check_settings_sql(self.con, model, path=self.model_path)
        except ConfigError as exc:
            raise PipelineError(f"{exc}; the features changed since training: run `paperlink train` again") from None
        return model

    def predict(self, on_piece: Callable[[int, int], None] | None = None) -> int:
        """Score the candidate pairs into ``predictions``; ``on_piece(done, pieces)`` reports progress."""
        def _predict():
            model = self._model()
            lk = self.config.linkage
            chunks = lk.num_chunks or predict_chunks(self.con.execute("SELECT count(*) FROM features").fetchall()[0][0])
            self.report["predict_chunks"] = chunks
            if self.config.engine.backend == "spark":
                from paperlink.backends.spark import predict_on_spark

                return predict_on_spark(self, model, chunks)
            linker = make_linker(self.con, model)
            with scoring(linker):
                pred, per_rule = predict_in_pieces(linker, self.con, lk.predict_threshold, chunks, on_piece)
            rules = model["blocking_rules_to_generate_predictions"]
            self.report["candidate_pairs"] = sum(per_rule.values())
            self.report["candidate_pairs_by_rule"] = {
                rule_condition(rules[key]): n for key, n in per_rule.items()}
            # renamed, not copied: at 1M records the scored pairs are millions of rows
            self.con.execute("DROP TABLE IF EXISTS predictions")
            self.con.execute(f"ALTER TABLE {pred} RENAME TO predictions")
            return self.con.execute("SELECT count(*) FROM predictions").fetchall()[0][0]

        n = self._timed("predict", _predict)
        self.report["candidate_pairs_scored"] = n
        return n

    def cluster(self) -> int:
        self._require("predictions", "predict")
        lk = self.config.linkage
        decisions: dict = {}  # what clerical decisions changed (clusters/constraints.py)
        stable = keep_ids_before_clustering(self.con)  # a run extended by link-new keeps its ids (clusters/ids.py)
        model = self._model()
        clusterer = None
        if self.config.engine.backend == "spark":
            from paperlink.backends.spark import spark_clusterer

            clusterer = spark_clusterer(self, model)
        refinement: dict = {}  # what splitting chained clusters changed (clusters/refine.py)
        n = self._timed("cluster", lambda: cluster_predictions(
            make_linker(self.con, model), self.con, lk.threshold, lk.duplicate_free_sources, report=decisions, clusterer=clusterer,
            refine_max_size=lk.refine_max_cluster_size, refinement=refinement))
        self.report["cluster_refinement"] = refinement
        if decisions:
            self.report["clerical_decisions"] = decisions
        if stable:
            self.report["cluster_ids"] = carry_over_ids(self.con, PREVIOUS, "clusters", "cluster")
        self._check_clustered()
        self.report["clusters"] = n
        return n

    def _check_clustered(self) -> None:
        """Every loaded record in exactly one cluster, source by source."""
        rows = self.con.execute("""
            WITH r AS (SELECT source, count(*) AS loaded FROM records GROUP BY source),
                 c AS (SELECT source, count(*) AS clustered, count(DISTINCT record_id) AS distinct_ids
                       FROM clusters GROUP BY source)
            SELECT coalesce(r.source, c.source), coalesce(loaded, 0), coalesce(clustered, 0), coalesce(distinct_ids, 0)
            FROM r FULL JOIN c ON r.source = c.source ORDER BY 1""").fetchall()
        for source, loaded, clustered, distinct_ids in rows:
            if clustered != distinct_ids:
                raise PipelineError(f"source {source!r}: {clustered - distinct_ids:,} records are in more than one cluster")
            if loaded != clustered:
                raise PipelineError(
                    f"source {source!r}: loaded {loaded:,} records but {clustered:,} are clustered: "
                    "records lost (or stale) between load and cluster; run the job again from `load`")
        strangers = self.con.execute(
            "SELECT count(*) FROM clusters c ANTI JOIN records r USING (record_id)").fetchall()[0][0]
        if strangers:
            raise PipelineError(f"{strangers:,} clustered records are not among the loaded records")

    def export(self) -> dict[str, Path]:
        self._require("clusters", "cluster")
        self._check_clustered()
        accounting = self._accounting()

        def _export():
            build_works(self.con)
            out = self.write_dir
            files = {
                "clusters": out / "clusters.parquet",
                "works": out / "works.parquet",
                "pairs": out / "pairs.parquet",
            }
            write_parquet(self.con, "SELECT * FROM clusters ORDER BY cluster_id, record_id", files["clusters"])
            write_parquet(self.con, "SELECT * FROM works ORDER BY cluster_id", files["works"])
            gammas = [r[0] for r in self.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'predictions' "
                "AND (column_name LIKE 'gamma_%' OR column_name LIKE 'mw_%') ORDER BY ordinal_position"
            ).fetchall()]
            write_parquet(self.con, f"""
                SELECT unique_id_l AS record_id_l, unique_id_r AS record_id_r, match_weight, match_probability,
                       {', '.join('"' + g.replace('"', '""') + '"' for g in gammas)}, match_key
                FROM predictions WHERE match_probability >= {self.config.linkage.threshold}
                ORDER BY record_id_l, record_id_r""", files["pairs"])
            return files

        files = self._timed("export", _export)
        self._write_report(accounting)
        return files

    def run(self, on_step: Callable[[str], None] | None = None, on_file=None, on_piece=None) -> dict:
        """All steps; the outputs appear in ``out_dir`` together, only once every step succeeded.
        ``on_step(step)``, ``on_file(source, path, items)`` and ``on_piece(done, pieces)`` (predict)
        report progress."""
        read_settings(self.config.linkage.settings)  # a bad settings file stops the run before loading
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for stale in self.out_dir.glob(".*.tmp"):  # left by a killed writer
            stale.unlink(missing_ok=True)
        staging = self.out_dir / STAGING
        shutil.rmtree(staging, ignore_errors=True)  # left by a killed run
        staging.mkdir()
        self._staging = staging
        try:
            for step in STEPS:
                if on_step:
                    on_step(step)
                if step == "load":
                    self.load(on_file)
                elif step == "predict":
                    self.predict(on_piece)
                else:
                    getattr(self, step)()
            self.con.execute("CHECKPOINT")  # the database file is complete before outputs appear
            for name in OUTPUTS:  # run_report.json last: its presence marks a complete set
                if (staging / name).exists():
                    os.replace(staging / name, self.out_dir / name)
        finally:
            self._staging = None
            shutil.rmtree(staging, ignore_errors=True)
        return self.report

    # ------------------------------------------------------------------ report
    def _accounting(self) -> dict[str, dict]:
        """Per source: files, input, loaded, rejected, skipped (from the load) and clustered, checked."""
        con = self.con
        per: dict[str, dict] = {}
        has_counts = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'load_counts'").fetchall()[0][0]
        if has_counts:
            for source, files, inp, loaded, rejected, skipped in con.execute(
                    "SELECT source, files, input, loaded, rejected, skipped FROM load_counts ORDER BY source").fetchall():
                per[source] = {"files": files, "input": inp, "loaded": loaded, "rejected": rejected, "skipped": skipped}
        for source, n in con.execute("SELECT source, count(*) FROM records GROUP BY source").fetchall():
            entry = per.setdefault(source, {})
            if entry.get("loaded", n) != n:
                raise PipelineError(f"source {source!r}: {entry['loaded']:,} records were loaded but "
                                    f"{n:,} are in the records table; run the job again from `load`")
            entry["loaded"] = n
        for source, n in con.execute("SELECT source, count(*) FROM clusters GROUP BY source").fetchall():
            per.setdefault(source, {})["clustered"] = n
        for source, c in per.items():
            c.setdefault("loaded", 0)
            c.setdefault("clustered", 0)
            if "input" in c and c["input"] != c["loaded"] + c["rejected"]:
                raise PipelineError(f"source {source!r}: input {c['input']:,} != loaded {c['loaded']:,} "
                                    f"+ rejected {c['rejected']:,}")
            if c["loaded"] != c["clustered"]:
                raise PipelineError(f"source {source!r}: loaded {c['loaded']:,} != clustered {c['clustered']:,}")
        return per

    def _write_report(self, accounting: dict[str, dict] | None = None) -> None:
        con = self.con
        by_source = {s: {"loaded": n} for s, n in con.execute(
            "SELECT source, count(*) FROM records GROUP BY source ORDER BY source").fetchall()}
        for s, n in con.execute("SELECT source, count(*) FROM clusters GROUP BY source").fetchall():
            by_source.setdefault(s, {})["clustered"] = n
        for s, n in con.execute("SELECT source, count(*) FROM rejected_records GROUP BY source").fetchall():
            by_source.setdefault(s, {})["rejected"] = n
        sizes = dict(con.execute(
            "SELECT cluster_size, count(DISTINCT cluster_id) FROM clusters GROUP BY 1 ORDER BY 1").fetchall())
        settings_text = json.dumps(self._settings(), sort_keys=True)
        self.report.update({
            "sources": accounting if accounting is not None else self._accounting(),
            "accounting": "ok: per source input = loaded + rejected and loaded = clustered",
            "records": by_source,
            "clusters_by_size": {str(k): v for k, v in sizes.items()},
            "works": con.execute("SELECT count(*) FROM works").fetchall()[0][0],
            "threshold": self.config.linkage.threshold,
            "settings_fingerprint": hashlib.sha256(settings_text.encode()).hexdigest()[:16],
            "seconds": self.timings,
        })
        write_text_atomic(self.write_dir / "run_report.json", json.dumps(self.report, indent=2, default=str))
