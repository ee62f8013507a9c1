"""Training with clerical decisions: reviewed matches refine the m probabilities.

After the zero-label training (λ from deterministic rules, u from random pairs, m by EM), the
pairs a reviewer decided are *match* are compared with Splink's
``estimate_m_from_pairwise_labels``, which gives each comparison level's share among them.  Each
m is then the blend

    m = (M · m_EM + n · m_labels) / (M + n)

with ``n`` the reviewed matches and ``M`` = ``LABEL_M_PRIOR_PAIRS`` (the EM estimate counts as
that many pseudo-matches), so a few dozen decisions nudge the model and many decisions dominate
it; levels fixed in the settings stay fixed, and every m stays at least the training floor.
Non-match decisions do not change u (random sampling measures u from far more pairs; reviewed
non-matches are hard cases, not a sample of non-matches): they act in clustering
(cannot-link) and in ``paperlink evaluate --labels``.  With ``refine_prior`` λ is re-estimated
with the blended m, as in zero-label training.
"""

from __future__ import annotations

import duckdb
from splink import Linker

from paperlink.model.linker import TrainingConfig, floor_m_probabilities, refine_prior

LABEL_M_PRIOR_PAIRS = 100.0
MIN_MATCHES = 1


def match_decisions(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'labels'").fetchall()[0][0]
    if not exists:
        return 0
    return con.execute("""SELECT count(*) FROM labels l SEMI JOIN features x ON x.unique_id = l.record_id_l
        SEMI JOIN features y ON y.unique_id = l.record_id_r WHERE decision = 'match'""").fetchall()[0][0]


def label_level_counts(linker: Linker, table: str) -> dict[str, dict[int, int]]:
    """comparison -> comparison vector value -> number of labelled pairs at that level (nulls left
    out), computed like Splink's ``estimate_m_from_pairwise_labels`` (its blocking from labels and
    comparison vectors) but returning the counts, so each comparison is weighted by the pairs
    that actually inform it."""
    from splink.internals.block_from_labels import block_from_labels
    from splink.internals.comparison_vector_values import compute_comparison_vector_values_sql
    from splink.internals.pipeline import CTEPipeline
    from splink.internals.vertically_concatenate import enqueue_df_concat_with_tf

    settings = linker._settings_obj
    pipeline = CTEPipeline()
    enqueue_df_concat_with_tf(linker, pipeline)
    pipeline.enqueue_list_of_sqls(block_from_labels(linker, table))
    pipeline.enqueue_sql(compute_comparison_vector_values_sql(settings._columns_to_select_for_comparison_vector_values),
                         "__splink__df_comparison_vectors")
    unions = " UNION ALL ".join(
        f"SELECT '{c.output_column_name}' AS comparison, {c._gamma_column_name} AS gamma, count(*) AS n "
        f"FROM __splink__df_comparison_vectors GROUP BY {c._gamma_column_name}" for c in settings.comparisons)
    pipeline.enqueue_sql(unions, "__splink__label_level_counts")
    counts = linker._db_api.sql_pipeline_to_splink_dataframe(pipeline)
    out: dict[str, dict[int, int]] = {}
    for row in counts.as_record_list():
        if row["gamma"] is not None and row["gamma"] != -1:
            out.setdefault(row["comparison"], {})[int(row["gamma"])] = int(row["n"])
    counts.drop_table_from_database_and_remove_from_cache()
    return out


def train_with_labels(linker: Linker, con: duckdb.DuckDBPyConnection, config: TrainingConfig,
                      prior_pairs: float = LABEL_M_PRIOR_PAIRS) -> dict:
    """Blend label-estimated m into the trained model (see module docstring); returns a summary."""
    n = match_decisions(con)
    summary: dict = {"match_decisions": n, "prior_pairs": prior_pairs, "levels_changed": 0}
    if n < MIN_MATCHES:
        summary["skipped"] = "no match decisions"
        return summary
    con.execute("""CREATE OR REPLACE TABLE _pl_label_pairs AS
        SELECT x.source_dataset AS source_dataset_l, l.record_id_l AS unique_id_l,
               y.source_dataset AS source_dataset_r, l.record_id_r AS unique_id_r
        FROM labels l JOIN features x ON x.unique_id = l.record_id_l JOIN features y ON y.unique_id = l.record_id_r
        WHERE l.decision = 'match' ORDER BY 2, 4""")
    try:
        counts = label_level_counts(linker, "_pl_label_pairs")
    finally:
        con.execute("DROP TABLE IF EXISTS _pl_label_pairs")
    changed = 0
    for comparison in linker._settings_obj.comparisons:
        seen = counts.get(comparison.output_column_name, {})
        levels = [lv for lv in comparison._comparison_levels_excluding_null
                  if not lv._fix_m_probability and isinstance(lv.m_probability, float)]
        total = sum(seen.get(lv.comparison_vector_value, 0) for lv in levels)  # pairs in fixed levels left out
        if not total or not levels:
            continue
        budget = sum(lv.m_probability for lv in levels)  # fixed levels keep their share
        for lv in levels:
            m_label = budget * seen.get(lv.comparison_vector_value, 0) / total
            new = (prior_pairs * lv.m_probability + total * m_label) / (prior_pairs + total)
            changed += abs(new - lv.m_probability) > 1e-12
            lv.m_probability = new
    floor_m_probabilities(linker, config.min_m_probability)
    summary["levels_changed"] = changed
    if config.refine_prior:
        summary["probability_two_random_records_match"] = refine_prior(linker, con)
    return summary
