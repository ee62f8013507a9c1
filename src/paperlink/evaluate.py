"""Score a finished run against ground truth.

Gold is a CSV of pairs (``record_id_l,record_id_r``) or of entity labels (``record_id,entity_id``).
Scores: clusters as pairs (every pair inside a cluster is a predicted match), scored pairs at the
run's threshold and over a sweep of thresholds, blocking pair completeness (share of gold pairs
that the blocking rules produce) and the number of candidate pairs.  ``scope="cross_source"``
scores only pairs of records from different sources (record linkage); ``"all"`` every pair.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

SWEEP = [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999]


class GoldError(ValueError):
    pass


def load_gold(con: duckdb.DuckDBPyConnection, path: str | Path) -> int:
    """Create table ``gold_pairs(a, b)`` (a < b) from a pairs or labels CSV; returns #pairs."""
    path = Path(path)
    if not path.exists():
        raise GoldError(f"gold file not found: {path}")
    cols = [c[0] for c in con.execute(
        "DESCRIBE SELECT * FROM read_csv(?, all_varchar = true, header = true)", [str(path)]
    ).fetchall()]
    if {"record_id_l", "record_id_r"} <= set(cols):
        sql = "SELECT DISTINCT least(record_id_l, record_id_r) AS a, greatest(record_id_l, record_id_r) AS b FROM g WHERE record_id_l <> record_id_r"
    elif {"record_id", "entity_id"} <= set(cols):
        sql = ("SELECT DISTINCT x.record_id AS a, y.record_id AS b FROM g x JOIN g y "
               "ON x.entity_id = y.entity_id AND x.record_id < y.record_id")
    else:
        raise GoldError(f"{path}: expected columns record_id_l,record_id_r or record_id,entity_id; found {cols}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE gold_pairs AS WITH g AS (SELECT * FROM read_csv(?, all_varchar = true, header = true)) {sql}", [str(path)])
    return con.execute("SELECT count(*) FROM gold_pairs").fetchall()[0][0]


def _scope_filter(scope: str, a: str, b: str) -> str:
    if scope == "cross_source":
        return f"split_part({a}, ':', 1) <> split_part({b}, ':', 1)"
    return "true"


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def blocking_condition(settings: dict) -> str:
    """The union of the prediction blocking rules as one SQL condition over l./r."""
    parts = []
    for rule in settings["blocking_rules_to_generate_predictions"]:
        sql = rule["blocking_rule"] if isinstance(rule, dict) else rule
        for col in (rule.get("arrays_to_explode") or []) if isinstance(rule, dict) else []:
            sql = sql.replace(f"l.{col} = r.{col}", f"list_has_any(l.{col}, r.{col})")
        parts.append(f"({sql})")
    return " OR ".join(parts)


def evaluate_run(con: duckdb.DuckDBPyConnection, gold: str | Path, settings: dict, threshold: float,
                 scope: str = "all", n_examples: int = 10) -> dict:
    """Evaluate the run held in ``con`` (tables records, features, predictions, clusters)."""
    if scope not in ("all", "cross_source"):
        raise GoldError("scope must be 'all' or 'cross_source'")
    load_gold(con, gold)
    keep = _scope_filter(scope, "a", "b")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE gold_scoped AS
        SELECT g.* FROM gold_pairs g JOIN records x ON x.record_id = g.a JOIN records y ON y.record_id = g.b
        WHERE {keep}""")
    n_gold = con.execute("SELECT count(*) FROM gold_scoped").fetchall()[0][0]

    # clusters as pairs
    con.execute(f"""CREATE OR REPLACE TEMP TABLE cluster_pairs AS
        SELECT x.record_id AS a, y.record_id AS b FROM clusters x JOIN clusters y
        ON x.cluster_id = y.cluster_id AND x.record_id < y.record_id WHERE {_scope_filter(scope, 'x.record_id', 'y.record_id')}""")
    tp = con.execute("SELECT count(*) FROM cluster_pairs JOIN gold_scoped USING (a, b)").fetchall()[0][0]
    n_pred = con.execute("SELECT count(*) FROM cluster_pairs").fetchall()[0][0]
    result = {"scope": scope, "gold_pairs": n_gold, **_prf(tp, n_pred - tp, n_gold - tp)}

    # scored pairs: at the threshold and over a sweep
    con.execute(f"""CREATE OR REPLACE TEMP TABLE scored AS
        SELECT least(unique_id_l, unique_id_r) AS a, greatest(unique_id_l, unique_id_r) AS b,
               match_weight, match_probability FROM predictions
        WHERE {_scope_filter(scope, 'unique_id_l', 'unique_id_r')}""")
    sweep = []
    for t in sorted(set(SWEEP + [threshold])):
        tp_t, n_t = con.execute(
            "SELECT count(g.a), count(*) FROM scored s LEFT JOIN gold_scoped g USING (a, b) WHERE match_probability >= ?",
            [t]).fetchall()[0]
        sweep.append({"threshold": t, **_prf(tp_t, n_t - tp_t, n_gold - tp_t)})
    result["pairs_at_threshold"] = next(s for s in sweep if s["threshold"] == threshold)
    result["pairs_best"] = max(sweep, key=lambda s: s["f1"])
    result["pairs_sweep"] = sweep

    # blocking
    cond = blocking_condition(settings)
    blocked = con.execute(f"""SELECT count(*) FROM gold_scoped g JOIN features l ON l.unique_id = g.a
        JOIN features r ON r.unique_id = g.b WHERE {cond}""").fetchall()[0][0]
    result["pair_completeness"] = round(blocked / n_gold, 4) if n_gold else 1.0
    result["candidate_pairs"] = count_candidate_pairs(con, settings)
    result["false_positives"] = _examples(con, "SELECT a, b FROM cluster_pairs EXCEPT SELECT a, b FROM gold_scoped", n_examples, "DESC")
    result["false_negatives"] = _examples(con, "SELECT a, b FROM gold_scoped EXCEPT SELECT a, b FROM cluster_pairs", n_examples, "ASC")
    return result


def count_candidate_pairs(con: duckdb.DuckDBPyConnection, settings: dict, table: str = "features") -> int:
    """Pairs the prediction blocking rules produce (each pair once), counted by Splink."""
    from splink import DuckDBAPI
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    sdf = DuckDBAPI(con).register(table)
    counts = count_comparisons_from_blocking_rules(
        sdf, blocking_rules=settings["blocking_rules_to_generate_predictions"],
        link_type=settings.get("link_type", "dedupe_only"), source_dataset_column_name="source_dataset",
        record_sample_proportion=1.0)
    return int(counts[-1]["cumulative_comparison_count"]) if counts else 0


def _examples(con, pairs_sql: str, n: int, order: str) -> list[dict]:
    rows = con.execute(f"""
        WITH p AS ({pairs_sql})
        SELECT s.match_weight, x.record_id, x.title, x.authors[1:3], x.year, y.record_id, y.title, y.authors[1:3], y.year
        FROM p JOIN records x ON x.record_id = p.a JOIN records y ON y.record_id = p.b
        LEFT JOIN scored s ON s.a = p.a AND s.b = p.b
        ORDER BY s.match_weight {order} NULLS LAST, p.a, p.b LIMIT {int(n)}""").fetchall()
    keys = ["match_weight", "record_id_l", "title_l", "authors_l", "year_l", "record_id_r", "title_r", "authors_r", "year_r"]
    return [dict(zip(keys, r)) for r in rows]


def to_json(result: dict) -> str:
    return json.dumps(result, indent=2, default=str)
