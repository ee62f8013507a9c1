"""The Spark backend (paperlink.backends.spark): the same small synthetic job on DuckDB and on
Spark local mode gives the same comparison vectors and (nearly) the same clusters.

Why "nearly": u sampling picks its random pairs by each engine's own hash function, so the u
estimates (and hence the weights) differ slightly between the engines; a pair close to the
threshold may fall on the other side.  The comparison vectors (gamma values) of every pair both
engines score must be identical.

Skipped when pyspark or a Java runtime is missing, and unless PAPERLINK_TEST_SPARK=1: the Spark
run takes one to four minutes on a 2-core machine (JVM start, hundreds of small Spark jobs), so
a plain ``pytest`` leaves it out; ``make test`` (CI) installs pyspark and Java 17 and sets it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from paperlink.backends.spark import spark_settings, to_spark_sql
from paperlink.config import load_job
from paperlink.pipeline import LinkageJob
from paperlink.synth import generate


def _why_no_spark() -> str | None:
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'paperlink[spark]')"
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        return "no Java runtime for Spark (Java 17)"
    if os.environ.get("PAPERLINK_TEST_SPARK") != "1":
        return "the Spark run takes minutes: set PAPERLINK_TEST_SPARK=1 to run it"
    return None


SPARK_RUN = pytest.mark.skipif(_why_no_spark() is not None, reason=_why_no_spark() or "")

WORKS = 60


def _job(corpus: Path, name: str, backend: str) -> LinkageJob:
    config = load_job(corpus / "job.toml")
    config.database.path = corpus / name / "paperlink.duckdb"
    config.engine.backend = backend
    config.engine.master = "local[2]"
    config.engine.work_dir = corpus / name / "spark"
    return LinkageJob(config, corpus / name / "out")


def _cluster_pairs(con) -> set[tuple[str, str]]:
    return set(con.execute(
        "SELECT x.record_id, y.record_id FROM clusters x JOIN clusters y "
        "ON x.cluster_id = y.cluster_id AND x.record_id < y.record_id").fetchall())


def test_translation_of_paperlink_macros():
    assert to_spark_sql("pl_overlap(a_l, a_r) >= 0.5") == (
        "(size(array_intersect(a_l, a_r)) / nullif(least(size(a_l), size(a_r)), 0)) >= 0.5")
    assert to_spark_sql("pl_jaccard(a_l, a_r) >= 0.7") == (
        "(size(array_intersect(a_l, a_r)) / nullif(size(a_l) + size(a_r) - size(array_intersect(a_l, a_r)), 0)) >= 0.7")
    assert "zip_with(t_l, w_l" in to_spark_sql("pl_weighted_jaccard(t_l, w_l, s_l, t_r, s_r) >= 0.9")
    assert to_spark_sql("jaro_winkler_similarity(x_l, x_r) > 0.9 AND (y_l IS NULL)") == "jaro_winkler(x_l, x_r) > 0.9 AND (y_l IS NULL)"
    assert to_spark_sql("len(list_intersect(a_l, a_r)) / len(list_distinct(list_concat(a_l, a_r)))") == (
        "size(array_intersect(a_l, a_r)) / size(array_distinct(concat(a_l, a_r)))")
    assert to_spark_sql("name_l = 'len(x)'") == "name_l = 'len(x)'"
    assert to_spark_sql("list_transform(a_l, lambda x: left(x, 4)) = list_filter(b_r, lambda y, i: i > 1)") == (
        "transform(a_l, x -> left(x, 4)) = filter(b_r, (y, i) -> i > 1)")
    assert to_spark_sql("starts_with(t_l, t_r)") == "startswith(t_l, t_r)"
    settings = spark_settings({"comparisons": [{"output_column_name": "c", "comparison_levels": [
        {"sql_condition": "pl_overlap(a_l, a_r) > 0"}, {"sql_condition": "ELSE"}]}],
        "blocking_rules_to_generate_predictions": ["l.a = r.a"], "sql_dialect": "duckdb"})
    assert "pl_overlap" not in settings["comparisons"][0]["comparison_levels"][0]["sql_condition"]
    assert "sql_dialect" not in settings


@SPARK_RUN
def test_spark_backend_matches_duckdb(tmp_path):
    generate(WORKS, tmp_path, seed=3, processes=1)
    duck = _job(tmp_path, "duckdb", "duckdb")
    duck.run()
    spark = _job(tmp_path, "spark", "spark")
    spark.run()

    # the same outputs, in the same layout
    for name in ("clusters.parquet", "works.parquet", "pairs.parquet", "model.json", "run_report.json"):
        assert (spark.out_dir / name).exists(), name
    cols = lambda job: [r[0] for r in job.con.execute("DESCRIBE SELECT * FROM clusters").fetchall()]  # noqa: E731
    assert cols(spark) == cols(duck)
    assert spark.report["training"]["backend"] == "spark"

    # identical comparison vectors on every pair both engines scored
    gammas = [r[0] for r in duck.con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'predictions' "
        "AND column_name LIKE 'gamma_%'").fetchall()]
    spark.con.register("duck_predictions", duck.con.sql("SELECT * FROM predictions").to_arrow_table())
    both, differ = spark.con.execute(f"""
        SELECT count(*), count(*) FILTER (WHERE {' OR '.join(f's.{g} <> d.{g}' for g in gammas)})
        FROM predictions s JOIN duck_predictions d USING (unique_id_l, unique_id_r)""").fetchall()[0]
    assert both > 100 and differ == 0

    # (nearly) the same clusters: pairwise agreement of the two clusterings
    a, b = _cluster_pairs(duck.con), _cluster_pairs(spark.con)
    agreement = 2 * len(a & b) / (len(a) + len(b))
    assert agreement >= 0.98, (len(a), len(b), len(a & b))
    duck.close()
    spark.close()
