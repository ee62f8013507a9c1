"""Score a finished run against ground truth.

Gold is a CSV of pairs (``record_id_l,record_id_r``) or of entity labels (``record_id,entity_id``).
Scores: clusters as pairs (every pair inside a cluster is a predicted match), scored pairs at the
run's threshold and over a sweep of thresholds, blocking pair completeness (share of gold pairs
that the blocking rules produce) and the number of candidate pairs.  Every gold pair counts: one
with a record the run does not hold (rejected at load, or not given) is a missed pair.  ``scope="cross_source"``
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
                 scope: str = "all", n_examples: int = 10, candidate_pairs: int | None = None) -> dict:
    """Evaluate the run held in ``con`` (tables records, features, predictions, clusters)."""
    if scope not in ("all", "cross_source"):
        raise GoldError("scope must be 'all' or 'cross_source'")
    load_gold(con, gold)
    # every gold pair counts: one whose record is not in the run (rejected at load, or never
    # given) is a pair the run missed, not a pair to leave out of recall
    con.execute(f"""CREATE OR REPLACE TEMP TABLE gold_scoped AS
        SELECT g.* FROM gold_pairs g WHERE {_scope_filter(scope, "a", "b")}""")
    n_gold, n_outside = con.execute("""SELECT count(*), count(*) FILTER (WHERE x.record_id IS NULL OR y.record_id IS NULL)
        FROM gold_scoped g LEFT JOIN records x ON x.record_id = g.a LEFT JOIN records y ON y.record_id = g.b""").fetchall()[0]

    # clusters as pairs
    con.execute(f"""CREATE OR REPLACE TEMP TABLE cluster_pairs AS
        SELECT x.record_id AS a, y.record_id AS b FROM clusters x JOIN clusters y
        ON x.cluster_id = y.cluster_id AND x.record_id < y.record_id WHERE {_scope_filter(scope, 'x.record_id', 'y.record_id')}""")
    tp = con.execute("SELECT count(*) FROM cluster_pairs JOIN gold_scoped USING (a, b)").fetchall()[0][0]
    n_pred = con.execute("SELECT count(*) FROM cluster_pairs").fetchall()[0][0]
    result = {"scope": scope, "gold_pairs": n_gold, "gold_pairs_not_in_run": n_outside, **_prf(tp, n_pred - tp, n_gold - tp)}

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
    # Splink's count holds every candidate pair at once: a caller that counted them already
    # (chunk by chunk, benchmarks/scale/run.py) passes the number
    result["candidate_pairs"] = count_candidate_pairs(con, settings) if candidate_pairs is None else candidate_pairs
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
        SELECT s.match_weight, p.a, x.title, x.authors[1:3], x.year, p.b, y.title, y.authors[1:3], y.year
        FROM p LEFT JOIN records x ON x.record_id = p.a LEFT JOIN records y ON y.record_id = p.b
        LEFT JOIN scored s ON s.a = p.a AND s.b = p.b
        ORDER BY s.match_weight {order} NULLS LAST, p.a, p.b LIMIT {int(n)}""").fetchall()
    keys = ["match_weight", "record_id_l", "title_l", "authors_l", "year_l", "record_id_r", "title_r", "authors_r", "year_r"]
    return [dict(zip(keys, r)) for r in rows]


def to_json(result: dict) -> str:
    return json.dumps(result, indent=2, default=str)


# --------------------------------------------------------------------------- from clerical decisions

LABEL_BIN_WIDTH = 2.0  # match-weight bins in which the reviewed match rate is estimated
LABEL_PRIOR = 1.0  # pseudo-pairs of the prior rate in each bin
LABEL_POOL_MIN = 10  # reviewed pairs of one cluster status for their pooled rate to be the bins' prior


def evaluate_labels(con: duckdb.DuckDBPyConnection, threshold: float, scope: str = "all") -> dict:
    """Precision / recall estimated from the reviewed pairs in the ``labels`` table.

    Two views:

    - ``sample``: the reviewed pairs themselves (match / non-match decisions), scored as pairs at
      the threshold and as clusters.  Clusters honour the decisions (must-link / cannot-link), so
      after re-clustering the cluster view agrees by construction; the pair-score view does not.
    - ``estimate``: every candidate pair (``predictions``) and every pair inside a cluster counts;
      a reviewed pair counts as its decision, any other pair as the reviewed match rate of its
      stratum: same cluster or not (for a reviewed pair: as it was when the decision was
      imported) x match-weight bin (``LABEL_BIN_WIDTH`` wide), smoothed with ``LABEL_PRIOR``
      pseudo-pairs of a prior rate: the pooled reviewed match rate of all pairs with that cluster
      status if at least ``LABEL_POOL_MIN`` were reviewed, else the model's mean probability in
      the bin (which then carries the model's miscalibration into the estimate).
      Pairs inside a cluster that the model never scored count at the estimated precision of the
      scored ones.  Matches that blocking never proposed are invisible, so recall is recall among
      candidate pairs.  The estimate is unbiased where reviewed pairs were picked by score only
      (``uncertain``, ``random``); ``disagreement`` picks by cluster as well, so it is rougher.
    """
    if scope not in ("all", "cross_source"):
        raise GoldError("scope must be 'all' or 'cross_source'")
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'labels'").fetchall()[0][0]
    if not exists:
        raise GoldError("no reviewed pairs: the `labels` table is missing (run `paperlink review import FILE` first)")
    keep = _scope_filter(scope, "a", "b")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE lab AS
        SELECT record_id_l AS a, record_id_r AS b, decision = 'match' AS is_match FROM labels
        WHERE decision IN ('match', 'non-match') AND {keep}""")
    n_unsure = con.execute("SELECT count(*) FROM labels WHERE decision = 'unsure'").fetchall()[0][0]
    n = con.execute("SELECT count(*) FROM lab").fetchall()[0][0]
    if n == 0:
        raise GoldError("no match / non-match decisions to evaluate against (only unsure ones, or none in scope)")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE scored AS
        SELECT least(unique_id_l, unique_id_r) AS a, greatest(unique_id_l, unique_id_r) AS b,
               max(match_weight) AS match_weight, max(match_probability) AS match_probability
        FROM predictions WHERE {_scope_filter(scope, 'unique_id_l', 'unique_id_r')} GROUP BY ALL""")
    con.execute("""CREATE OR REPLACE TEMP TABLE lab_view AS
        SELECT l.*, s.match_weight, s.match_probability,
               cx.cluster_id IS NOT NULL AND cx.cluster_id = cy.cluster_id AS same_cluster
        FROM lab l LEFT JOIN scored s USING (a, b)
        LEFT JOIN clusters cx ON cx.record_id = l.a LEFT JOIN clusters cy ON cy.record_id = l.b""")

    def confusion(pred: str) -> dict:
        tp, fp, fn, tn = con.execute(f"""SELECT count(*) FILTER (WHERE is_match AND {pred}),
            count(*) FILTER (WHERE NOT is_match AND {pred}), count(*) FILTER (WHERE is_match AND NOT {pred}),
            count(*) FILTER (WHERE NOT is_match AND NOT {pred}) FROM lab_view""").fetchall()[0]
        return {**_prf(tp, fp, fn), "tn": tn}

    matches = con.execute("SELECT count(*) FILTER (WHERE is_match) FROM lab").fetchall()[0][0]
    result: dict = {"scope": scope, "reviewed_pairs": n, "matches": matches, "non_matches": n - matches,
                    "unsure": n_unsure, "threshold": threshold,
                    "sample": {"pairs_at_threshold": confusion(f"coalesce(match_probability >= {threshold}, false)"),
                               "clusters": confusion("same_cluster")}}

    # estimate over all candidate pairs and cluster pairs, in strata (same cluster?, weight bin)
    w = LABEL_BIN_WIDTH
    con.execute(f"""CREATE OR REPLACE TEMP TABLE est AS
        SELECT s.a, s.b, s.match_probability, floor(s.match_weight / {w}) AS bin, l.is_match,
               coalesce(cx.cluster_id = cy.cluster_id, false) AS same_cluster,
               coalesce(r.same_cluster_at_review, cx.cluster_id = cy.cluster_id, false) AS stratum_same
        FROM scored s LEFT JOIN lab l USING (a, b)
        LEFT JOIN labels r ON r.record_id_l = s.a AND r.record_id_r = s.b
        LEFT JOIN clusters cx ON cx.record_id = s.a LEFT JOIN clusters cy ON cy.record_id = s.b""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE bins AS
        WITH g AS (SELECT stratum_same, count(is_match) AS n, avg(is_match::DOUBLE) AS pooled FROM est GROUP BY ALL),
        b AS (SELECT stratum_same, bin, count(*) AS pairs, count(is_match) AS reviewed,
                     count(*) FILTER (WHERE is_match) AS reviewed_matches, avg(match_probability) AS model_rate
              FROM est GROUP BY ALL)
        SELECT b.*, CASE WHEN g.n >= {LABEL_POOL_MIN} THEN g.pooled ELSE b.model_rate END AS prior_rate,
               (reviewed_matches + {LABEL_PRIOR} * prior_rate) / (reviewed + {LABEL_PRIOR}) AS rate
        FROM b JOIN g USING (stratum_same)""")
    con.execute("""CREATE OR REPLACE TEMP TABLE est AS
        SELECT e.*, coalesce(e.is_match::DOUBLE, bins.rate) AS p_match FROM est e JOIN bins USING (stratum_same, bin)""")
    scoped_cluster_pairs = con.execute(f"""
        SELECT count(*) FROM clusters x JOIN clusters y ON x.cluster_id = y.cluster_id AND x.record_id < y.record_id
        WHERE {_scope_filter(scope, 'x.record_id', 'y.record_id')}""").fetchall()[0][0]
    (scored_in, exp_in, exp_all, exp_pairs_pos, n_pairs_pos) = con.execute(f"""SELECT
        count(*) FILTER (WHERE same_cluster), coalesce(sum(p_match) FILTER (WHERE same_cluster), 0), sum(p_match),
        coalesce(sum(p_match) FILTER (WHERE match_probability >= {threshold}), 0),
        count(*) FILTER (WHERE match_probability >= {threshold}) FROM est""").fetchall()[0]
    # pairs inside clusters that were never scored (linked through others), reviewed or not
    unscored = con.execute("""SELECT count(*), count(*) FILTER (WHERE is_match) FROM lab_view
        WHERE match_weight IS NULL AND same_cluster""").fetchall()[0]
    unscored_missing = con.execute("""SELECT count(*) FILTER (WHERE is_match) FROM lab_view
        WHERE match_weight IS NULL AND NOT same_cluster""").fetchall()[0][0]
    precision_scored = exp_in / scored_in if scored_in else 0.0
    n_unscored_in = max(scoped_cluster_pairs - scored_in, 0)
    exp_unscored_in = unscored[1] + (n_unscored_in - unscored[0]) * precision_scored
    tp = exp_in + exp_unscored_in
    positives = scored_in + n_unscored_in
    all_matches = exp_all + exp_unscored_in + unscored_missing

    def prf(tp_: float, pos: float, matches_: float) -> dict:
        p = tp_ / pos if pos else 0.0
        r = tp_ / matches_ if matches_ else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}

    bins = con.execute("SELECT bin * ?, pairs, reviewed, reviewed_matches, model_rate, rate, stratum_same FROM bins "
                       "ORDER BY stratum_same, bin", [w]).fetchall()
    result["estimate"] = {
        "clusters": prf(tp, positives, all_matches),
        "pairs_at_threshold": prf(exp_pairs_pos, n_pairs_pos, exp_all + unscored_missing),
        "expected_matches": round(all_matches, 1),
        "candidate_pairs": con.execute("SELECT count(*) FROM scored").fetchall()[0][0],
        "cluster_pairs": scoped_cluster_pairs,
        "bins_with_reviews": sum(1 for b in bins if b[2]),
        "bins": [{"same_cluster": b[6], "weight_from": b[0], "weight_to": b[0] + w, "pairs": b[1], "reviewed": b[2],
                  "reviewed_matches": b[3], "model_rate": round(b[4], 4), "estimated_rate": round(b[5], 4)} for b in bins],
    }
    return result
