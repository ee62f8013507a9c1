"""Fellegi–Sunter model with Splink: settings, zero-label training, scoring of candidate pairs."""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from splink import Linker
from splink.internals import predict as splink_predict
from splink.internals.blocking import (ExplodingBlockingRule, block_using_rules_sqls, combine_unique_id_input_columns,
                                       materialise_exploded_id_tables)
from splink.internals.comparison_vector_values import compute_comparison_vector_values_from_id_pairs_sqls
from splink.internals.blocking_rule_creator_utils import to_blocking_rule_creator
from splink.internals.dialects import SplinkDialect
from splink.internals.duckdb import pruned_prediction
from splink.internals.duckdb.pruned_prediction import _enqueue_pruned_inputs_with_tf
from splink.internals.linker_components import inference
from splink.internals.pipeline import CTEPipeline
from splink.internals.splink_dataframe import SplinkDataFrame
from splink.internals.unique_id_concat import _composite_unique_id_from_nodes_sql
from splink.internals.vertically_concatenate import enqueue_df_concat, vertically_concatenate_sql

from paperlink.model.sqlopt import HoistingDuckDBAPI, shared_calls

DEFAULT_SETTINGS = Path(__file__).resolve().parents[3] / "linkage_config" / "splink_settings.json"


@dataclass
class TrainingConfig:
    """How the model is trained without labels (``[linkage.training]`` in job.toml)."""

    # Rules whose pairs are almost surely matches, and the share of all matches they are
    # assumed to find: together they set the prior probability that two records match.
    deterministic_rules: list[str] = field(default_factory=lambda: [
        "l.doi = r.doi",
        "l.arxiv_id = r.arxiv_id",
        "l.title_compact = r.title_compact AND l.first_author_surname = r.first_author_surname",
    ])
    recall: float = 0.8
    u_max_pairs: float = 1e6
    # Each EM session estimates m for the comparisons its blocking rule does not use; together
    # they train every comparison.  Author blocks train the title; title blocks train the rest.
    em_blocking_rules: list[str | dict] = field(default_factory=lambda: [
        "l.first_author_surname = r.first_author_surname",
        "l.title_compact = r.title_compact",
    ])
    em_max_pairs: float = 1e6
    # EM, then u corrected for the matches among random pairs, repeated this many times.
    em_rounds: int = 2
    # No level's m goes below this: EM's m = 0 ("a match never has different titles") would
    # veto a pair outright, and noisy records (a wrong DOI, a garbled title) do occur.
    min_m_probability: float = 1e-4
    # Similarity ladders: from the named level on, a comparison's levels run from most to least
    # similar, so none may be stronger evidence than the level before it (EM on confounded
    # blocks and sparse u samples can invert them: a near-identical title must not outweigh an
    # identical one).  {comparison: first level of its ladder}
    monotone_levels: dict[str, str] = field(default_factory=lambda: {
        "title": "exact", "authors": "same authors", "year": "same year", "venue": "same venue", "pages": "same first page",
        "abstract": "jaccard >= 0.7",
    })
    # Re-estimate λ from all scored candidate pairs with the trained m and u (see refine_prior).
    refine_prior: bool = True
    # ... from the pairs among a random sample of records sized to give about this many candidate
    # pairs (all records when they give fewer): the estimate is unbiased, and big inputs are not
    # scored twice.
    refine_prior_max_pairs: float = 3e5
    # Fewer EM pairs than this: the input is too small for stable estimates, the shipped
    # default model's m values are used as they are.
    min_em_pairs: int = 2000


def load_settings(path: str | Path | None) -> dict:
    path = Path(path) if path else DEFAULT_SETTINGS
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"linkage.settings: file not found: {path}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"linkage.settings: {path} is not valid JSON ({exc})") from None
    for key in ("comparisons", "blocking_rules_to_generate_predictions"):
        if not isinstance(settings.get(key), list) or not settings[key]:
            raise ValueError(f"linkage.settings: {path}: key {key!r} must be a non-empty list")
    return settings


# Splink's own log (EM progress, "level not observed" notes): warnings for the Python API and
# notebooks; the CLI shows errors only unless --debug (run_report.json lists untrained levels).
SPLINK_LOG_LEVEL = {"level": logging.WARNING}


def make_linker(con: duckdb.DuckDBPyConnection, settings: dict | str | Path, table: str = "features",
                hoist_shared_calls: bool = True, validate_settings: bool = True) -> Linker:
    """A Splink linker over ``table``.  With ``hoist_shared_calls`` (the default) each call that
    several levels of a comparison repeat is computed once per pair (:mod:`paperlink.model.sqlopt`:
    same results, less time in u sampling, EM and predict).  ``validate_settings``: Splink's
    warnings about columns the settings name that ``table`` lacks."""
    if not isinstance(settings, dict):
        settings = load_settings(settings)
    settings = dict(settings)
    settings.setdefault("linker_uid", "paperlink")
    db_api = HoistingDuckDBAPI(con, shared_calls(settings) if hoist_shared_calls else [])
    sdf = db_api.register(table)
    return Linker(sdf, settings, log_level=SPLINK_LOG_LEVEL["level"], validate_settings=validate_settings)


def _predict_sqls_keeping_gammas(settings_obj, threshold_match_probability=None, threshold_match_weight=None,
                                 include_clerical_match_score=False):
    """Splink's ``predict_from_comparison_vectors_sqls_using_settings``, with each comparison's
    gamma kept although the compared values are not (Splink keeps gammas only with them)."""
    return splink_predict.predict_from_comparison_vectors_sqls(
        unique_id_input_columns=settings_obj.column_info_settings.unique_id_input_columns,
        core_model_settings=settings_obj.core_model_settings,
        sql_dialect=SplinkDialect.from_string(settings_obj._sql_dialect_str),
        threshold_match_probability=threshold_match_probability,
        threshold_match_weight=threshold_match_weight,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=settings_obj._retain_intermediate_calculation_columns,
        training_mode=True,  # what keeps the gammas
        additional_columns_to_retain=settings_obj._additional_columns_to_retain,
        include_clerical_match_score=include_clerical_match_score,
    )


@contextmanager
def scoring(linker: Linker):
    """Context for Splink's predict methods on ``linker``.  With ``retain_matching_columns`` off
    (the default settings) the scored pairs hold ids, weights and each comparison's gamma (the
    level that matched: pairs.parquet and review name it) but not the compared values, which
    are most of their bytes (predict at 1M records: 116 -> 90 s); charts join the values from
    ``features`` (:mod:`paperlink.charts`).  Splink drops the gammas with the values, so the SQL
    that selects the scored columns is swapped for the duration."""
    if linker._settings_obj._retain_matching_columns:
        yield
        return
    modules = (inference, pruned_prediction)
    saved = [m.predict_from_comparison_vectors_sqls_using_settings for m in modules]
    for m in modules:
        m.predict_from_comparison_vectors_sqls_using_settings = _predict_sqls_keeping_gammas
    try:
        yield
    finally:
        for m, original in zip(modules, saved):
            m.predict_from_comparison_vectors_sqls_using_settings = original


def _rule_pairs_of_left_slice(linker: Linker, slice_: tuple[int, int]) -> tuple[str, bool]:
    """Materialise the pairs every prediction rule gives for the left records of one hash slice,
    as Splink's blocking makes them but before its dedupe across rules (a ``GROUP BY`` over all of
    a slice's pairs: at 10 M records in 4 slices it ran out of a 13 GB limit).  Returns the table
    and whether it may hold a pair twice (rules with exploded arrays; the others exclude the
    pairs of the rules before them)."""
    settings = linker._settings_obj
    rules = settings._blocking_rules_to_generate_predictions
    ids = settings.column_info_settings
    common = {"link_type": settings._link_type, "blocking_rules": rules,
              "source_dataset_input_column": ids.source_dataset_input_column,
              "unique_id_input_column": ids.unique_id_input_column, "left_chunk": slice_}
    pipeline = CTEPipeline()
    enqueue_df_concat(linker, pipeline)
    materialise_exploded_id_tables(db_api=linker._db_api, splink_df_dict=linker._input_tables_dict, **common)
    try:
        union = block_using_rules_sqls(input_tablename_l="__splink__df_concat",
                                       input_tablename_r="__splink__df_concat", **common)[0]
        pipeline.enqueue_sql(union["sql"], "__paperlink_rule_pairs")
        table = "__paperlink_rule_pairs"  # temp: faster to write than a table in the database file
        linker._db_api._execute_sql_against_backend(
            f"CREATE OR REPLACE TEMP TABLE {table} AS {pipeline.generate_cte_pipeline_sql()}")
    finally:
        for rule in rules:
            if isinstance(rule, ExplodingBlockingRule):
                rule.drop_materialised_id_pairs_dataframe()
    return table, any(isinstance(rule, ExplodingBlockingRule) for rule in rules)


def predict_in_pieces(linker: Linker, con: duckdb.DuckDBPyConnection, threshold: float, pieces_per_side: int,
                      on_piece: Callable[[int, int], None] | None = None) -> tuple[str, dict[int, int]]:
    """Score the candidate pairs of the settings' blocking rules (inside :func:`scoring`) in
    ``pieces_per_side``² pieces.

    With k pieces per side, the blocking joins run k times, each for the left records of one
    hash slice; the slice's pairs are stored, then deduplicated and scored piece by piece,
    split by a hash of the right record, so that a piece holds 1/k² of the pairs and joins about
    1/k of the records on each side: the slice's left records and the right records of each hash
    are copied once, not once per piece (Splink's pruned predict; at 1 M records in 4 x 4 pieces
    predict took 126 s with the copies per piece, 58 s now).  Splink's
    own k × k chunks repeat every blocking join for every piece (10 M records in 4 × 4 chunks:
    more than an hour of predict).  ``on_piece(done, pieces)`` reports progress.  Returns the
    table of scored pairs and the candidate pairs per rule (match_key; 0 for a rule that gave
    none).
    """
    k = max(1, pieces_per_side)
    per_rule = dict.fromkeys(range(len(linker._settings_obj._blocking_rules_to_generate_predictions)), 0)
    report = on_piece or (lambda done, total: None)
    if k == 1:  # Splink blocks and scores in one go
        blocked = linker.inference.compute_blocked_pairs_for_predict()
        try:
            for key, n in con.execute(f"SELECT match_key, count(*) FROM {blocked.physical_name} GROUP BY ALL").fetchall():
                per_rule[int(key)] = n
            scored = linker.inference.predict(threshold_match_probability=threshold).physical_name
        finally:
            blocked.drop_table_from_database_and_remove_from_cache()
        report(1, 1)
        return scored, per_rule
    predictions, piece_table = "__paperlink_scored_pairs", "__paperlink_blocked_pairs_piece"
    con.execute(f"DROP TABLE IF EXISTS {predictions}")
    scorer = _scoring_linker(linker, con)
    rule_pairs, inputs = None, [f"__paperlink_piece_input_r{right}" for right in range(k)] + ["__paperlink_piece_input_l"]
    try:
        # the right records of piece (_, r): those whose id hashes to r, copied once for all pieces
        right_inputs = [_piece_input(scorer, inputs[right], f"hash({{uid}}) % {k} = {right}") for right in range(k)]
        for left in range(1, k + 1):
            rule_pairs, repeats = _rule_pairs_of_left_slice(linker, (left, k))
            left_input = _piece_input(scorer, inputs[-1], f"{{uid}} IN (SELECT join_key_l FROM {rule_pairs})")
            for right in range(k):
                piece = f"FROM {rule_pairs} WHERE hash(join_key_r) % {k} = {right}"
                con.execute(f"CREATE OR REPLACE TEMP TABLE {piece_table} AS " + (
                    f"SELECT min(match_key) AS match_key, join_key_l, join_key_r {piece} GROUP BY join_key_l, join_key_r"
                    if repeats else f"SELECT match_key, join_key_l, join_key_r {piece}"))
                for key, n in con.execute(f"SELECT match_key, count(*) FROM {piece_table} GROUP BY ALL").fetchall():
                    per_rule[int(key)] += n
                pairs = scorer._db_api.table_to_splink_dataframe("__splink__blocked_id_pairs", piece_table)
                scored = _score_piece(scorer, pairs, left_input, right_inputs[right], threshold).physical_name
                if (left, right) == (1, 0):  # renamed, not copied
                    con.execute(f"ALTER TABLE {scored} RENAME TO {predictions}")
                else:
                    con.execute(f"INSERT INTO {predictions} SELECT * FROM {scored}")
                    con.execute(f"DROP TABLE {scored}")
                report((left - 1) * k + right + 1, k * k)
            con.execute(f"DROP TABLE {rule_pairs}")
    except BaseException:
        con.execute(f"DROP TABLE IF EXISTS {predictions}")
        raise
    finally:
        con.execute(f"DROP TABLE IF EXISTS {piece_table}")
        if rule_pairs:
            con.execute(f"DROP TABLE IF EXISTS {rule_pairs}")
        for table in inputs:
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(f"DROP VIEW IF EXISTS {SCORING_INPUT}")
    return predictions, per_rule


SCORING_INPUT = "__paperlink_scoring_input"


def _scoring_linker(linker: Linker, con: duckdb.DuckDBPyConnection) -> Linker:
    """The same model over a view of the input with only the columns the comparisons read.
    The pieces' left and right records are copied from it (:func:`_piece_input`): those columns,
    not the blocking keys and block sizes as well.
    (It only scores registered pairs: its blocking rules, which read those keys, never run.)"""
    settings = linker._settings_obj
    columns = [c.unquote().name for c in settings._columns_used_by_comparisons + settings._additional_columns_to_retain]
    source = settings.column_info_settings.source_dataset_input_column
    if source is not None:
        columns.append(source.unquote().name)
    quoted = ", ".join(f'"{c}"' for c in dict.fromkeys(columns))
    (table,) = (t.physical_name for t in linker._input_tables_dict.values())  # paperlink links one table
    con.execute(f"CREATE OR REPLACE TEMP VIEW {SCORING_INPUT} AS SELECT {quoted} FROM {table}")
    return make_linker(con, linker.misc.save_model_to_json(), table=SCORING_INPUT,
                       hoist_shared_calls=bool(linker._db_api._shared_calls), validate_settings=False)


def _piece_input(scorer: Linker, name: str, where: str) -> SplinkDataFrame:
    """A temp table of the scorer's input records ``where`` a condition on ``{uid}`` (Splink's
    composite id, as the pairs' join keys hold it) holds (temp: a third of the time of a table
    in the database file)."""
    ids = scorer._settings_obj.column_info_settings
    uid = _composite_unique_id_from_nodes_sql(
        combine_unique_id_input_columns(ids.source_dataset_input_column, ids.unique_id_input_column))
    (table,) = (t.physical_name for t in scorer._input_tables_dict.values())
    scorer._db_api._execute_sql_against_backend(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {table} WHERE {where.format(uid=uid)}")
    return scorer._db_api.table_to_splink_dataframe(name, name)


def _score_piece(scorer: Linker, pairs: SplinkDataFrame, left: SplinkDataFrame, right: SplinkDataFrame,
                 threshold: float) -> SplinkDataFrame:
    """Score ``pairs`` between the ``left`` and ``right`` records that hold their ids: Splink's
    source-pruned prediction (:mod:`splink.internals.duckdb.pruned_prediction`) with the inputs
    :func:`predict_in_pieces` copied once per slice, not Splink's copies per piece."""
    settings = scorer._settings_obj
    ids = settings.column_info_settings
    pipeline = CTEPipeline([pairs, left, right])
    left_name, right_name = _enqueue_pruned_inputs_with_tf(scorer, pipeline, left, right)
    pipeline.enqueue_list_of_sqls(compute_comparison_vector_values_from_id_pairs_sqls(
        settings._columns_to_select_for_blocking, settings._columns_to_select_for_comparison_vector_values,
        input_tablename_l=left_name, input_tablename_r=right_name,
        source_dataset_input_column=ids.source_dataset_input_column, unique_id_input_column=ids.unique_id_input_column,
        link_type=settings._link_type, sql_dialect_str=scorer._sql_dialect_str))
    pipeline.enqueue_list_of_sqls(pruned_prediction.predict_from_comparison_vectors_sqls_using_settings(
        settings, threshold, None))
    return scorer._db_api.sql_pipeline_to_splink_dataframe(pipeline)


def rule_condition(rule: str | dict) -> str:
    """A blocking rule (SQL string, or Splink's dict with ``arrays_to_explode``) as one SQL
    condition over l./r. (an exploded ``l.x = r.x`` becomes "the arrays share an element")."""
    if isinstance(rule, str):
        return rule
    sql = rule["blocking_rule"]
    for col in rule.get("arrays_to_explode") or []:
        sql = sql.replace(f"l.{col} = r.{col}", f"list_has_any(l.{col}, r.{col})")
    return sql


def count_pairs(con: duckdb.DuckDBPyConnection, rule: str | dict, table: str = "features") -> int:
    """Pairs a blocking rule produces in a dedupe of ``table`` (exploded rules: summed per key)."""
    explode = rule.get("arrays_to_explode") if isinstance(rule, dict) else None
    if explode:
        return con.execute(
            f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM "
            f"(SELECT count(*) AS n FROM (SELECT unnest({explode[0]}) AS k FROM {table}) GROUP BY k)"
        ).fetchall()[0][0]
    columns = _equality_columns(rule_condition(rule))
    if columns:  # the same number without enumerating the pairs (first-author blocks: billions at 10M records)
        quoted = ", ".join(f'"{c}"' for c in columns)
        not_null = " AND ".join(f'"{c}" IS NOT NULL' for c in columns)
        return con.execute(
            f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM "
            f"(SELECT count(*) AS n FROM {table} WHERE {not_null} GROUP BY {quoted})"
        ).fetchall()[0][0]
    return con.execute(
        f"SELECT count(*) FROM {table} l JOIN {table} r ON l.unique_id < r.unique_id AND ({rule_condition(rule)})"
    ).fetchall()[0][0]


_EQUALITY = re.compile(r"^\s*l\.(\w+)\s*=\s*r\.(\w+)\s*$", re.IGNORECASE)


def _equality_columns(condition: str) -> list[str] | None:
    """``l.a = r.a AND l.b = r.b`` -> [a, b]; None for any other condition."""
    columns = []
    for part in re.split(r"\s+AND\s+", condition.strip(), flags=re.IGNORECASE):
        m = _EQUALITY.match(part)
        if not m or m.group(1) != m.group(2):
            return None
        columns.append(m.group(1))
    return columns or None


# Splink's EM probe (record_sample_proportion) enumerates this many pairs at most to size its sample.
EM_PROBE_PAIRS = 1e6


def train(linker: Linker, con: duckdb.DuckDBPyConnection, config: TrainingConfig, seed: int,
          fallback_model: dict | None = None) -> dict:
    """Estimate λ, u and m without labels.  Returns a summary of what was estimated (with the
    seconds each part took: ``seconds``)."""
    summary: dict = {"em_sessions": [], "seconds": {}}
    lap = _Lap(summary["seconds"])
    linker.training.estimate_probability_two_random_records_match(
        config.deterministic_rules, recall=config.recall
    )
    settings = linker._settings_obj
    if not 0 < settings._probability_two_random_records_match < 1:
        # the rules found no pair (e.g. records without authors or identifiers): start from one
        # match per record; refine_prior (on by default) re-estimates it from the trained model
        records = con.execute("SELECT count(*) FROM features").fetchall()[0][0]
        settings._probability_two_random_records_match = min(0.5, records / max(_total_pairs(con, settings._link_type), 1))
        summary["prior_source"] = "one match per record (the deterministic rules found no pair)"
    summary["probability_two_random_records_match"] = settings._probability_two_random_records_match
    lap("prior")
    linker.training.estimate_u_using_random_sampling(max_pairs=config.u_max_pairs, seed=seed)
    lap("u")
    em_pairs = {rule_condition(rule): count_pairs(con, rule) for rule in config.em_blocking_rules}
    summary["em_pairs"] = em_pairs
    lap("em_pairs")
    lam = linker._settings_obj._probability_two_random_records_match
    observed_u = _u_values(linker)
    if fallback_model is not None and min(em_pairs.values()) < config.min_em_pairs:
        apply_m_probabilities(linker, fallback_model)
        restrict_m_to_observed_levels(linker, observed_u)
        correct_u_for_matches(linker, observed_u, lam)
        floor_m_probabilities(linker, config.min_m_probability)
        summary["untrained_levels"] = fill_untrained_levels(linker, config.min_m_probability, config.u_max_pairs)
        summary["capped_levels"] = enforce_ladders(linker, config.monotone_levels)
        summary["m_source"] = "default model (input too small for EM)"
        if config.refine_prior:
            summary["probability_two_random_records_match"] = refine_prior(linker, con, max_pairs=config.refine_prior_max_pairs, seed=seed)
            lap("refine_prior")
        return summary
    for _round in range(config.em_rounds):
        for rule in config.em_blocking_rules:
            # probe on all records up to EM_PROBE_PAIRS pairs (exactly as before), on a sample beyond
            probe = min(1.0, math.sqrt(EM_PROBE_PAIRS / max(em_pairs[rule_condition(rule)], 1)))
            linker.training.estimate_parameters_using_expectation_maximisation(
                to_blocking_rule_creator(rule), record_sample_proportion=probe, max_pairs=config.em_max_pairs
            )
            summary["em_sessions"].append(rule_condition(rule))
        correct_u_for_matches(linker, observed_u, lam)
    floor_m_probabilities(linker, config.min_m_probability)
    summary["untrained_levels"] = fill_untrained_levels(linker, config.min_m_probability, config.u_max_pairs)
    summary["capped_levels"] = enforce_ladders(linker, config.monotone_levels)
    summary["m_source"] = "EM"
    lap("em")
    if config.refine_prior:
        lam = refine_prior(linker, con, max_pairs=config.refine_prior_max_pairs, seed=seed)
        summary["probability_two_random_records_match"] = lam
        lap("refine_prior")
    return summary


class _Lap:
    """Seconds since the previous call, recorded under a name."""

    def __init__(self, into: dict):
        self.into, self.last = into, time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.into[name] = round(self.into.get(name, 0) + now - self.last, 2)
        self.last = now


def refine_prior(linker: Linker, con: duckdb.DuckDBPyConnection, iterations: int = 50,
                 max_pairs: float | None = None, seed: int = 42) -> float:
    """Re-estimate λ with the trained m and u: λ = expected matches among all pairs / all pairs.

    The deterministic-rule estimate rests on a guessed recall; here every candidate pair is
    scored once and λ is the fixed point of λ = Σ P(match | pair, λ) / total pairs (pairs that
    no blocking rule produces count as non-matches).  Only the distinct weights are iterated.

    With ``max_pairs``, where all records give more candidate pairs than that, the pairs are
    those among a seeded random sample of records (proportion p keeps p² of all pairs and p²
    of the matching pairs alike, so the ratio is unbiased), sized to give about ``max_pairs``.
    """
    settings = linker._settings_obj
    lam0 = settings._probability_two_random_records_match
    sample = _refine_sample(linker, con, max_pairs, seed) if max_pairs else None
    table = sample or "features"
    try:
        scorer = linker if sample is None else make_linker(con, linker.misc.save_model_to_json(None), sample)
        pred = scorer.inference.predict()
        # Bayes factor of each scored pair: its match weight without the prior.
        prior0 = math.log2(lam0 / (1 - lam0))
        rows = con.execute(
            f"SELECT match_weight - {prior0} AS bf_bits, count(*) FROM {pred.physical_name} GROUP BY 1"
        ).fetchall()
        pred.drop_table_from_database_and_remove_from_cache()
        total = _total_pairs(con, settings._link_type, table)
    finally:
        if sample:
            con.execute(f"DROP TABLE IF EXISTS {sample}")
    lam = lam0
    for _ in range(iterations):
        odds = lam / (1 - lam)
        expected = sum(n * (odds * 2.0 ** b) / (1 + odds * 2.0 ** b) for b, n in rows)
        new = min(max(expected / total, 1e-9), 0.5)
        if abs(new - lam) < 1e-4 * lam:
            lam = new
            break
        lam = new
    settings._probability_two_random_records_match = lam
    return lam


REFINE_PROBE_RECORDS = 20_000  # records whose candidate pairs size the sample of refine_prior


def _record_sample(con: duckdb.DuckDBPyConnection, name: str, proportion: float, seed: int,
                   source: str = "features") -> str:
    """``name``: the records of ``source`` whose seeded hash falls below ``proportion`` (a smaller
    proportion gives a subset of a larger one's sample)."""
    cut = min(int(proportion * 2.0 ** 64), 2 ** 64 - 1)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {source} "
                f"WHERE hash(unique_id || ':' || {int(seed)}) < {cut}::UBIGINT")
    return name


def _refine_sample(linker: Linker, con: duckdb.DuckDBPyConnection, max_pairs: float, seed: int) -> str | None:
    """A sample of records with about ``max_pairs`` candidate pairs, or None (use all records).

    Candidate pairs among a proportion q of the records are about q² of all of them, so the
    blocked pairs of a probe sample of ``REFINE_PROBE_RECORDS`` records give the proportion."""
    n = con.execute("SELECT count(*) FROM features").fetchall()[0][0]
    q = REFINE_PROBE_RECORDS / n if n else 1.0
    if q >= 1:
        pairs = _blocked_pair_count(linker, con, "features")
        return None if pairs <= max_pairs else _record_sample(con, "__pl_refine_sample", math.sqrt(max_pairs / pairs), seed)
    probe = _record_sample(con, "__pl_refine_sample", q, seed)
    probe_pairs = _blocked_pair_count(linker, con, probe)
    p = q * math.sqrt(max_pairs / probe_pairs) if probe_pairs else 1.0
    if p >= 1:
        con.execute(f"DROP TABLE {probe}")
        return None
    return _record_sample(con, "__pl_refine_sample", p, seed)


def _blocked_pair_count(linker: Linker, con: duckdb.DuckDBPyConnection, table: str) -> int:
    scorer = make_linker(con, linker.misc.save_model_to_json(None), table)
    blocked = scorer.inference.compute_blocked_pairs_for_predict()
    n = con.execute(f"SELECT count(*) FROM {blocked.physical_name}").fetchall()[0][0]
    blocked.drop_table_from_database_and_remove_from_cache()
    return n


def _total_pairs(con: duckdb.DuckDBPyConnection, link_type: str, table: str = "features") -> int:
    counts = [n for (n,) in con.execute(f"SELECT count(*) FROM {table} GROUP BY source_dataset").fetchall()]
    n = sum(counts)
    if link_type == "link_only":
        return (n * n - sum(c * c for c in counts)) // 2
    return n * (n - 1) // 2


def _u_values(linker: Linker) -> dict:
    """Estimated u per level; None where u sampling never observed the level."""
    return {(c.output_column_name, lv.label_for_charts):
            lv._u_probability if isinstance(lv._u_probability, float) else None
            for c in linker._settings_obj.comparisons for lv in c.comparison_levels if not lv.is_null_level}


def correct_u_for_matches(linker: Linker, observed_u: dict, lam: float) -> None:
    """Random pairs include true matches at rate λ, so sampled u = λ·m + (1 − λ)·u.  Solve for u.

    Negligible where matches are rare (two clean sources), decisive where one source holds many
    copies of each work (Cora: 3.6% of random pairs match), where uncorrected u flattens every
    weight.  Levels with a fixed u are left alone; corrected values keep their total.
    """
    for comparison in linker._settings_obj.comparisons:
        levels = [lv for lv in comparison.comparison_levels
                  if not lv.is_null_level and not lv._fix_u_probability
                  and observed_u[(comparison.output_column_name, lv.label_for_charts)] is not None]
        if not levels:
            continue
        observed = [observed_u[(comparison.output_column_name, lv.label_for_charts)] for lv in levels]
        corrected = [max((u - lam * (lv.m_probability or 0)) / (1 - lam), u / 100)
                     for u, lv in zip(observed, levels)]
        scale = sum(observed) / sum(corrected)
        for lv, u in zip(levels, corrected):
            lv.u_probability = min(u * scale, 1.0)


def restrict_m_to_observed_levels(linker: Linker, observed_u: dict) -> None:
    """Borrowed m values renormalised over the levels this input can show at all.

    A level that random pairs of this input never reach (venues of two sources that never
    agree, titles that never recur) would otherwise take its borrowed share of m with it and
    turn the remaining levels into evidence against every pair.
    """
    for comparison in linker._settings_obj.comparisons:
        levels = [lv for lv in comparison.comparison_levels if not lv.is_null_level]
        seen = [lv for lv in levels if observed_u[(comparison.output_column_name, lv.label_for_charts)] is not None
                and not lv._fix_m_probability]
        total = sum(lv.m_probability or 0 for lv in seen)
        fixed = sum(lv.m_probability or 0 for lv in levels if lv._fix_m_probability)
        if not seen or total <= 0:
            continue
        for lv in seen:
            lv.m_probability = lv.m_probability / total * max(1 - fixed, 0.0)


def floor_m_probabilities(linker: Linker, floor: float) -> None:
    """Raise trained m values below ``floor`` to it, keeping each comparison's total."""
    for comparison in linker._settings_obj.comparisons:
        levels = [lv for lv in comparison.comparison_levels if not lv.is_null_level
                  and not lv._fix_m_probability and isinstance(lv._m_probability, float)]
        if not levels or all(lv.m_probability >= floor for lv in levels):
            continue
        total = sum(lv.m_probability for lv in levels)
        raised = [max(lv.m_probability, floor) for lv in levels]
        scale = total / sum(raised)
        for lv, m in zip(levels, raised):
            lv.m_probability = m * scale


def fill_untrained_levels(linker: Linker, floor: float, u_max_pairs: float) -> list[str]:
    """Levels neither EM nor the default model could train get m = ``floor`` (rare among
    matches), and levels u sampling never saw u = 1 / ``u_max_pairs`` (the most an unseen
    frequency can be), instead of Splink's generic defaults (a mid-range m that would make a
    rare level, e.g. a truncated title, near-certain evidence).  Returns the levels filled."""
    filled = []
    for comparison in linker._settings_obj.comparisons:
        for lv in comparison.comparison_levels:
            if lv.is_null_level:
                continue
            if not lv._fix_m_probability and not isinstance(lv._m_probability, float):
                lv.m_probability = floor
                filled.append(f"{comparison.output_column_name}: {lv.label_for_charts} (m)")
            if not lv._fix_u_probability and not isinstance(lv._u_probability, float):
                lv.u_probability = 1 / u_max_pairs
                filled.append(f"{comparison.output_column_name}: {lv.label_for_charts} (u)")
    return filled


def enforce_ladders(linker: Linker, ladders: dict[str, str]) -> list[str]:
    """Cap each ladder level's Bayes factor m/u at the previous level's (by raising its u).
    Returns the levels capped."""
    capped = []
    for comparison in linker._settings_obj.comparisons:
        levels = [lv for lv in comparison.comparison_levels if not lv.is_null_level]
        labels = [lv.label_for_charts for lv in levels]
        first = ladders.get(comparison.output_column_name)
        if first not in labels:
            continue
        ceiling = None
        for lv in levels[labels.index(first):]:
            m, u = lv.m_probability, lv.u_probability
            if not (isinstance(m, float) and isinstance(u, float) and u > 0):
                continue
            if ceiling is not None and m / u > ceiling:
                lv.u_probability = min(m / ceiling, 1.0)
                capped.append(f"{comparison.output_column_name}: {lv.label_for_charts}")
            ceiling = lv.m_probability / lv.u_probability
    return capped


def apply_m_probabilities(linker: Linker, model: dict) -> None:
    """Copy m probabilities level by level from a saved model with the same comparisons."""
    saved = {c["output_column_name"]: c["comparison_levels"] for c in model["comparisons"]}
    for comparison in linker._settings_obj.comparisons:
        levels = saved.get(comparison.output_column_name)
        if not levels:
            continue
        by_label = {lv.get("label_for_charts"): lv for lv in levels}
        for level in comparison.comparison_levels:
            src = by_label.get(level.label_for_charts)
            if src and "m_probability" in src and not level.is_null_level:
                level.m_probability = src["m_probability"]
