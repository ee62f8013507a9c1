"""The model steps on Spark: ``[engine] backend = "spark"`` or ``paperlink run --backend spark``.

The same job file, settings and outputs as the DuckDB backend; what runs where:

* ``load`` and the features: DuckDB, unchanged (the ``features`` SQL is DuckDB's).  The features
  table is staged as parquet (``<work_dir>/features.parquet``) and read by Spark.
* ``train``: λ from the deterministic rules, u sampling and the EM sessions run through Splink's
  ``SparkAPI``.  The trained m, u and λ are copied into the DuckDB settings, so ``model.json`` is
  the same DuckDB-dialect model as with the DuckDB backend (Splink's saved JSON is dialect
  specific, splink5.md T9; the DuckDB settings stay the source of truth and are translated for
  Spark whenever a Spark linker is made).  λ's refinement (``refine_prior``) scores a sample of
  about ``refine_prior_max_pairs`` candidate pairs in DuckDB, where the features already are.
* ``predict``: Splink on Spark; written as parquet (``<work_dir>/predictions``) and loaded into
  the DuckDB ``predictions`` table.
* ``cluster``: the edges are staged as parquet, clustered by Splink on Spark (connected
  components, or single best links), and the cluster ids come back to DuckDB.
* ``export``: DuckDB, unchanged: the same parquet files in the same layout.

Settings translation (DuckDB -> Spark SQL), condition by condition: paperlink's macros
``pl_weighted_jaccard``, ``pl_shared_weight``, ``pl_shared_count``, ``pl_overlap`` and
``pl_jaccard`` become Spark higher-order function expressions (``zip_with``/``aggregate``/
``array_contains``, ``array_intersect``/``array_distinct``/``size``); DuckDB list functions are renamed (``list_intersect`` ->
``array_intersect``, ``list_distinct`` -> ``array_distinct``, ``list_concat`` -> ``concat``,
``len`` -> ``size``, ...); ``jaro_winkler_similarity`` becomes the ``jaro_winkler`` UDF of
Splink's similarity jar.  Every translated condition is then analysed by Spark against the
features' columns; one that Spark cannot run is a ConfigError naming the comparison level.

Differences from the DuckDB backend: u sampling and EM's pair sampling pick pairs by each
engine's own hash function, so the estimates (and, rarely, a borderline pair's side of the
threshold) differ slightly; the comparison vectors themselves are the same (tests/test_spark.py).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
import shutil
from pathlib import Path

import duckdb

from paperlink.config import ConfigError
from paperlink.model.linker import SPLINK_LOG_LEVEL, scoring

# DuckDB function -> Spark SQL function (same arguments, same meaning on lists)
RENAMES = {
    "list_intersect": "array_intersect", "array_intersect": "array_intersect",
    "list_distinct": "array_distinct", "array_distinct": "array_distinct",
    "list_concat": "concat", "array_concat": "concat", "list_cat": "concat",
    "len": "size", "array_length": "size",
    "list_contains": "array_contains", "list_has": "array_contains", "array_contains": "array_contains",
    "list_has_any": "arrays_overlap", "array_has_any": "arrays_overlap",
    "list_sort": "array_sort", "array_sort": "array_sort",
    "jaro_winkler_similarity": "jaro_winkler",
    "list_transform": "transform", "list_filter": "filter", "starts_with": "startswith",
    "jaccard": "jaccard",
}
# paperlink's comparison macros (src/paperlink/sql/features.sql) as Spark SQL templates
MACROS = {
    "pl_shared_weight": (3, "coalesce(aggregate(zip_with({0}, {1}, (pl_t, pl_w) -> "
                            "IF(array_contains({2}, pl_t), pl_w, 0D)), 0D, (pl_acc, pl_x) -> pl_acc + pl_x), 0D)"),
    "pl_weighted_jaccard": (5, "(pl_shared_weight({0}, {1}, {3}) / "
                               "nullif({2} + {4} - pl_shared_weight({0}, {1}, {3}), 0))"),
    "pl_shared_count": (2, "size(array_intersect({0}, {1}))"),
    "pl_overlap": (2, "(pl_shared_count({0}, {1}) / nullif(least(size({0}), size({1})), 0))"),
    "pl_jaccard": (2, "(pl_shared_count({0}, {1}) / nullif(size({0}) + size({1}) - pl_shared_count({0}, {1}), 0))"),
}
_CALL = re.compile(r"(?<![\w.\"])([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def _args(sql: str, open_paren: int) -> tuple[list[str], int]:
    """The top-level arguments of the call whose '(' is at ``open_paren``, and the index after ')'."""
    args, depth, quote, start = [], 0, None, open_paren + 1
    for i in range(open_paren, len(sql)):
        ch = sql[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth == 0:
                args.append(sql[start:i].strip())
                return [a for a in args if a] if args != [""] else [], i + 1
        elif ch == "," and depth == 1:
            args.append(sql[start:i].strip())
            start = i + 1
    raise ValueError(f"unbalanced parentheses in {sql!r}")


def to_spark_sql(sql: str) -> str:
    """A DuckDB SQL condition of the settings as Spark SQL (see the module doc)."""
    for _ in range(100):  # expand macros (outermost first; their templates may use other macros)
        m = next((m for m in _CALL.finditer(sql) if m.group(1).lower() in MACROS and not _in_string(sql, m.start())), None)
        if m is None:
            break
        n_args, template = MACROS[m.group(1).lower()]
        args, end = _args(sql, m.end() - 1)
        if len(args) != n_args:
            raise ValueError(f"{m.group(1)} takes {n_args} arguments, got {len(args)} in {sql!r}")
        sql = sql[:m.start()] + template.format(*args) + sql[end:]
    sql = _CALL.sub(lambda m: m.group(0) if _in_string(sql, m.start()) or m.group(1).lower() not in RENAMES
                    else RENAMES[m.group(1).lower()] + "(", sql)
    # DuckDB's `lambda x: body` / `lambda x, i: body` is Spark's `x -> body` / `(x, i) -> body`
    return _LAMBDA.sub(lambda m: (m.group(1).strip() if "," not in m.group(1) else f"({m.group(1).strip()})") + " -> ", sql)


_LAMBDA = re.compile(r"\blambda\s+([A-Za-z_][\w\s,]*?)\s*:\s*")


def _in_string(sql: str, pos: int) -> bool:
    return sql[:pos].count("'") % 2 == 1


def spark_settings(settings: dict) -> dict:
    """A copy of DuckDB Splink settings with every SQL condition and rule translated for Spark."""
    s = copy.deepcopy(settings)
    for comparison in s.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            cond = level.get("sql_condition", "")
            if cond.strip().upper() != "ELSE":
                level["sql_condition"] = to_spark_sql(cond)
    rules = []
    for rule in s.get("blocking_rules_to_generate_predictions", []):
        if isinstance(rule, dict):
            rule = dict(rule, blocking_rule=to_spark_sql(rule["blocking_rule"]))
            rule.pop("sql_dialect", None)
        else:
            rule = to_spark_sql(rule)
        rules.append(rule)
    s["blocking_rules_to_generate_predictions"] = rules
    s.pop("sql_dialect", None)
    return s


def merge_parameters(settings: dict, trained: dict) -> dict:
    """``settings`` (DuckDB) with λ and every level's m and u taken from ``trained`` (a model of the
    same settings saved by another backend), level by level."""
    model = copy.deepcopy(settings)
    for key in ("probability_two_random_records_match",):
        if key in trained:
            model[key] = trained[key]
    by_name = {c["output_column_name"]: c for c in trained["comparisons"]}
    for comparison in model["comparisons"]:
        levels = by_name[comparison["output_column_name"]]["comparison_levels"]
        for level, src in zip(comparison["comparison_levels"], levels, strict=True):
            for key in ("m_probability", "u_probability"):
                if key in src:
                    level[key] = src[key]
                else:
                    level.pop(key, None)
    return model


# ---------------------------------------------------------------------------------- session

_SESSION = {"spark": None, "work_dir": None}


def check_available() -> None:
    """ConfigError unless pyspark and a Java runtime are installed."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ConfigError("engine.backend = spark needs pyspark: pip install 'paperlink[spark]'") from None
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and (Path(java_home) / "bin" / "java").exists()):
        raise ConfigError("engine.backend = spark needs a Java runtime (Java 17): install one or set JAVA_HOME")


def _cores(master: str) -> int:
    m = re.fullmatch(r"local\[(\d+)\]", master.strip())
    return int(m.group(1)) if m else (os.cpu_count() or 2)


def spark_session(engine, work_dir: Path):
    """The process's SparkSession (started on first use with the job's [engine] options)."""
    if _SESSION["spark"] is not None:
        return _SESSION["spark"]
    check_available()
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    work_dir.mkdir(parents=True, exist_ok=True)
    partitions = str(max(4, 4 * _cores(engine.master)))
    conf = {
        "spark.jars": similarity_jar_location(),
        "spark.sql.shuffle.partitions": partitions,
        "spark.default.parallelism": partitions,
        "spark.driver.memory": "4g",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.local.dir": str(work_dir / "tmp"),
        "spark.sql.session.timeZone": "UTC",
    }
    extra = dict(engine.spark_conf)
    if "spark.jars" in extra:  # the similarity jar stays on the class path
        extra["spark.jars"] = conf["spark.jars"] + "," + extra["spark.jars"]
    conf.update(extra)
    builder = SparkSession.builder.master(engine.master).appName("paperlink")
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(str(work_dir / "checkpoints"))
    _SESSION.update(spark=spark, work_dir=work_dir)
    return spark


def stop() -> None:
    if _SESSION["spark"] is not None:
        _SESSION["spark"].stop()
        _SESSION.update(spark=None, work_dir=None)


class SparkEngine:
    """Staging between the job's DuckDB database and Spark, and Spark linkers."""

    def __init__(self, job):
        self.job = job
        self.con: duckdb.DuckDBPyConnection = job.con
        cfg = job.config
        self.work_dir = Path(cfg.engine.work_dir or (cfg.database.path.parent / "spark")).resolve()
        self.spark = spark_session(cfg.engine, self.work_dir)

    def stage(self, table: str, name: str) -> str:
        """Write a DuckDB table as ``<work_dir>/<name>`` (parquet); returns its path."""
        path = self.work_dir / name
        tmp = path.with_name(path.name + ".tmp")
        tmp.unlink(missing_ok=True)
        self.con.execute(f"COPY (SELECT * FROM {table}) TO '{tmp.as_posix()}' (FORMAT parquet)")
        os.replace(tmp, path)
        return str(path)

    def unstage(self, sdf, name: str, target: str, order_by: str | None = None, columns: str = "*") -> None:
        """A Spark DataFrame written as ``<work_dir>/<name>/`` (parquet) and loaded as DuckDB ``target``."""
        path = self.work_dir / name
        sdf.write.mode("overwrite").parquet(str(path))
        order = f" ORDER BY {order_by}" if order_by else ""
        self.con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT {columns} FROM "
                         f"read_parquet('{(path / '*.parquet').as_posix()}'){order}")

    def linker(self, settings: dict, validate: bool = True):
        """A Splink linker on Spark over the staged features, for DuckDB-dialect ``settings``."""
        from splink import Linker, SparkAPI

        db_api = SparkAPI(spark_session=self.spark)  # registers the similarity jar's UDFs
        features = self.spark.read.parquet(self.stage("features", "features.parquet"))
        translated = spark_settings(settings)
        if validate:
            self.validate(translated, features)
        translated.setdefault("linker_uid", "paperlink")
        return Linker(db_api.register(features), translated, log_level=SPLINK_LOG_LEVEL["level"])

    def validate(self, settings: dict, features) -> None:
        """Spark analyses every translated condition over the features' columns (nothing runs)."""
        from pyspark.errors import AnalysisException

        cols = features.columns
        pairs = features.limit(0).alias("l").crossJoin(features.limit(0).alias("r")).selectExpr(
            *[f"l.`{c}` AS `{c}_l`" for c in cols], *[f"r.`{c}` AS `{c}_r`" for c in cols])
        pairs.createOrReplaceTempView("__pl_pairs")
        features.limit(0).createOrReplaceTempView("__pl_features")
        checks = []
        for comp in settings["comparisons"]:
            for level in comp["comparison_levels"]:
                cond = level["sql_condition"]
                if cond.strip().upper() != "ELSE":
                    checks.append((f"comparison {comp.get('output_column_name')!r}, level {level.get('label_for_charts')!r}",
                                   f"SELECT CASE WHEN {cond} THEN 1 END FROM __pl_pairs"))
        for i, rule in enumerate(settings["blocking_rules_to_generate_predictions"]):
            text = rule["blocking_rule"] if isinstance(rule, dict) else rule
            checks.append((f"blocking rule {i} ({text!r})", f"SELECT 1 FROM __pl_features l JOIN __pl_features r ON ({text})"))
        for what, sql in checks:
            try:
                self.spark.sql(sql).schema  # noqa: B018 (analysis only)
            except AnalysisException as exc:
                first = " ".join(str(exc).split())[:300]
                raise ConfigError(f"engine.backend = spark: {what} cannot run on Spark: {first}") from None


# ---------------------------------------------------------------------------------- steps

def train_on_spark(job, settings: dict, fallback: dict | None):
    """Train on Spark; returns a DuckDB linker holding the trained model, and the summary."""
    from paperlink.model.linker import make_linker, refine_prior, train

    engine = SparkEngine(job)
    spark_linker = engine.linker(settings)
    training = job.config.linkage.training
    summary = train(spark_linker, job.con, dataclasses.replace(training, refine_prior=False),
                    job.config.linkage.seed, fallback)
    model = merge_parameters(settings, spark_linker.misc.save_model_to_json(None))
    linker = make_linker(job.con, model)
    if training.refine_prior:
        summary["probability_two_random_records_match"] = refine_prior(
            linker, job.con, max_pairs=training.refine_prior_max_pairs, seed=job.config.linkage.seed)
    summary["backend"] = "spark"
    return linker, summary


def predict_on_spark(job, model: dict, chunks: int = 1) -> int:
    """Score the candidate pairs on Spark, in ``chunks`` x ``chunks`` pieces, into the DuckDB
    ``predictions`` table; returns their number."""
    engine = SparkEngine(job)
    linker = engine.linker(model)
    pieces = {"num_chunks_left": chunks, "num_chunks_right": chunks} if chunks > 1 else {}
    with scoring(linker):
        pred = linker.inference.predict(threshold_match_probability=job.config.linkage.predict_threshold, **pieces)
    engine.unstage(pred.as_spark_dataframe(), "predictions", "predictions", order_by="unique_id_l, unique_id_r")
    pred.drop_table_from_database_and_remove_from_cache()
    return job.con.execute("SELECT count(*) FROM predictions").fetchall()[0][0]


def spark_clusterer(job, model: dict):
    """``clusterer`` for :func:`paperlink.clusters.cluster.cluster_predictions`: Splink clustering
    on Spark of a DuckDB edges table; returns the DuckDB table of (unique_id, cluster_id)."""

    def cluster(edges: str) -> str:
        engine = SparkEngine(job)
        linker = engine.linker(model, validate=False)
        lk = job.config.linkage
        frame = engine.spark.read.parquet(engine.stage(edges, "edges.parquet"))
        sdf = linker.table_management.register_table_predict(linker._db_api.register(frame))
        if lk.duplicate_free_sources:
            clustered = linker.clustering.cluster_using_single_best_links(
                sdf, duplicate_free_datasets=lk.duplicate_free_sources, threshold_match_probability=lk.threshold)
        else:
            clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
                sdf, threshold_match_probability=lk.threshold)
        engine.unstage(clustered.as_spark_dataframe().select("unique_id", "cluster_id"), "clusters",
                       "_pl_spark_clusters")
        return "_pl_spark_clusters"

    return cluster


def read_model(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
