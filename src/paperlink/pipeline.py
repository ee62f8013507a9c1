"""paperlink's Python API: a linkage job as steps over one DuckDB database.

``load`` -> ``train`` -> ``predict`` -> ``cluster`` -> ``export``.  Each step reads what the
previous one left in the database (tables ``records``, ``features``, ``predictions``,
``clusters``) or in the output directory (``model.json``), so steps also run one at a time
from separate processes.  Notebooks and the CLI use the same class::

    job = LinkageJob.from_config("linkage_config/job.toml")
    job.run()
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import duckdb

from paperlink.clusters.cluster import cluster_predictions
from paperlink.config import JobConfig, load_job
from paperlink.db import connect
from paperlink.exports.works import build_works, write_parquet, write_text_atomic
from paperlink.model.features import build_features
from paperlink.model.linker import load_settings, make_linker, train
from paperlink.records.load import load_sources

DEFAULT_MODEL = Path(__file__).resolve().parent / "model" / "default_model.json"
STEPS = ("load", "train", "predict", "cluster", "export")


class PipelineError(RuntimeError):
    """A step that cannot run (missing earlier step, lost records); the message says why."""


class LinkageJob:
    def __init__(self, config: JobConfig, out_dir: str | Path | None = None):
        self.config = config
        self.out_dir = Path(out_dir).resolve() if out_dir else config.output_dir
        self._con: duckdb.DuckDBPyConnection | None = None
        self.timings: dict[str, float] = {}
        self.report: dict = {}

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
    def model_path(self) -> Path:
        return self.out_dir / "model.json"

    def _settings(self) -> dict:
        settings = load_settings(self.config.linkage.settings)
        if self.config.linkage.link_type:
            settings["link_type"] = self.config.linkage.link_type
        return settings

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
        bad = {n: c for n, c in counts.items() if c.input != c.loaded + c.rejected}
        if bad:
            raise PipelineError(f"records lost while loading: {bad}")
        if sum(c.loaded for c in counts.values()) == 0:
            raise PipelineError("no records loaded: every input record was rejected or the inputs are empty")
        return counts

    def train(self) -> dict:
        self._require("records", "load")

        def _train():
            build_features(self.con)
            linker = make_linker(self.con, self._settings())
            fallback = json.loads(DEFAULT_MODEL.read_text()) if DEFAULT_MODEL.exists() else None
            summary = train(linker, self.con, self.config.linkage.training, self.config.linkage.seed, fallback)
            self.out_dir.mkdir(parents=True, exist_ok=True)
            model = linker.misc.save_model_to_json(None)
            write_text_atomic(self.model_path, json.dumps(model, indent=2, sort_keys=True))
            return summary

        summary = self._timed("train", _train)
        self.report["training"] = summary
        return summary

    def linker(self):
        """A Splink linker with the trained model (for charts and inspection in notebooks)."""
        if not self.model_path.exists():
            raise PipelineError(f"no trained model at {self.model_path}: run `paperlink train` first")
        self._require("features", "train")
        return make_linker(self.con, json.loads(self.model_path.read_text()))

    def predict(self) -> int:
        def _predict():
            linker = self.linker()
            lk = self.config.linkage
            pred = linker.inference.predict(
                threshold_match_probability=lk.predict_threshold,
                num_chunks_left=lk.num_chunks, num_chunks_right=lk.num_chunks,
            )
            self.con.execute(
                f"CREATE OR REPLACE TABLE predictions AS SELECT * FROM {pred.physical_name} "
                "ORDER BY unique_id_l, unique_id_r"
            )
            pred.drop_table_from_database_and_remove_from_cache()
            return self.con.execute("SELECT count(*) FROM predictions").fetchall()[0][0]

        n = self._timed("predict", _predict)
        self.report["candidate_pairs_scored"] = n
        return n

    def cluster(self) -> int:
        self._require("predictions", "predict")
        lk = self.config.linkage
        n = self._timed("cluster", lambda: cluster_predictions(
            self.linker(), self.con, lk.threshold, lk.duplicate_free_sources))
        lost = self.con.execute(
            "SELECT (SELECT count(*) FROM records) - (SELECT count(*) FROM clusters)"
        ).fetchall()[0][0]
        if lost:
            raise PipelineError(f"{lost} loaded records are missing from the clusters")
        self.report["clusters"] = n
        return n

    def export(self) -> dict[str, Path]:
        self._require("clusters", "cluster")

        def _export():
            build_works(self.con)
            out = self.out_dir
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
                       {', '.join(gammas)}, match_key
                FROM predictions WHERE match_probability >= {self.config.linkage.threshold}
                ORDER BY record_id_l, record_id_r""", files["pairs"])
            return files

        files = self._timed("export", _export)
        self._write_report()
        return files

    def run(self, on_step: Callable[[str], None] | None = None, on_file=None) -> dict:
        for step in STEPS:
            if on_step:
                on_step(step)
            if step == "load":
                self.load(on_file)
            else:
                getattr(self, step)()
        return self.report

    # ------------------------------------------------------------------ report
    def _write_report(self) -> None:
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
            "records": by_source,
            "clusters_by_size": {str(k): v for k, v in sizes.items()},
            "works": con.execute("SELECT count(*) FROM works").fetchall()[0][0],
            "threshold": self.config.linkage.threshold,
            "settings_fingerprint": hashlib.sha256(settings_text.encode()).hexdigest()[:16],
            "seconds": self.timings,
        })
        write_text_atomic(self.out_dir / "run_report.json", json.dumps(self.report, indent=2, default=str))
