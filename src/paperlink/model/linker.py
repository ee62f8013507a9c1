"""Fellegi–Sunter model with Splink: settings, zero-label training, scoring of candidate pairs."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from splink import DuckDBAPI, Linker
from splink.internals.blocking_rule_creator_utils import to_blocking_rule_creator

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
    em_max_pairs: float = 2e6
    # EM, then u corrected for the matches among random pairs, repeated this many times.
    em_rounds: int = 2
    # No level's m goes below this: EM's m = 0 ("a match never has different titles") would
    # veto a pair outright, and noisy records (a wrong DOI, a garbled title) do occur.
    min_m_probability: float = 1e-4
    # Re-estimate λ from all scored candidate pairs with the trained m and u (see refine_prior).
    refine_prior: bool = True
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


def make_linker(con: duckdb.DuckDBPyConnection, settings: dict | str | Path, table: str = "features") -> Linker:
    db_api = DuckDBAPI(con)
    sdf = db_api.register(table)
    if isinstance(settings, dict):
        settings = dict(settings)
        settings.setdefault("linker_uid", "paperlink")
    return Linker(sdf, settings, log_level=logging.WARNING)


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
    return con.execute(
        f"SELECT count(*) FROM {table} l JOIN {table} r ON l.unique_id < r.unique_id AND ({rule_condition(rule)})"
    ).fetchall()[0][0]


def train(linker: Linker, con: duckdb.DuckDBPyConnection, config: TrainingConfig, seed: int,
          fallback_model: dict | None = None) -> dict:
    """Estimate λ, u and m without labels.  Returns a summary of what was estimated."""
    summary: dict = {"em_sessions": []}
    linker.training.estimate_probability_two_random_records_match(
        config.deterministic_rules, recall=config.recall
    )
    summary["probability_two_random_records_match"] = linker._settings_obj._probability_two_random_records_match
    linker.training.estimate_u_using_random_sampling(max_pairs=config.u_max_pairs, seed=seed)
    em_pairs = {rule_condition(rule): count_pairs(con, rule) for rule in config.em_blocking_rules}
    summary["em_pairs"] = em_pairs
    lam = linker._settings_obj._probability_two_random_records_match
    observed_u = _u_values(linker)
    if fallback_model is not None and min(em_pairs.values()) < config.min_em_pairs:
        apply_m_probabilities(linker, fallback_model)
        restrict_m_to_observed_levels(linker, observed_u)
        correct_u_for_matches(linker, observed_u, lam)
        floor_m_probabilities(linker, config.min_m_probability)
        summary["m_source"] = "default model (input too small for EM)"
        if config.refine_prior:
            summary["probability_two_random_records_match"] = refine_prior(linker, con)
        return summary
    for _round in range(config.em_rounds):
        for rule in config.em_blocking_rules:
            linker.training.estimate_parameters_using_expectation_maximisation(
                to_blocking_rule_creator(rule), record_sample_proportion=1.0, max_pairs=config.em_max_pairs
            )
            summary["em_sessions"].append(rule_condition(rule))
        correct_u_for_matches(linker, observed_u, lam)
    floor_m_probabilities(linker, config.min_m_probability)
    summary["m_source"] = "EM"
    if config.refine_prior:
        lam = refine_prior(linker, con)
        summary["probability_two_random_records_match"] = lam
    return summary


def refine_prior(linker: Linker, con: duckdb.DuckDBPyConnection, iterations: int = 50) -> float:
    """Re-estimate λ with the trained m and u: λ = expected matches among all pairs / all pairs.

    The deterministic-rule estimate rests on a guessed recall; here every candidate pair is
    scored once and λ is the fixed point of λ = Σ P(match | pair, λ) / total pairs (pairs that
    no blocking rule produces count as non-matches).  Only the distinct weights are iterated.
    """
    settings = linker._settings_obj
    lam0 = settings._probability_two_random_records_match
    pred = linker.inference.predict()
    # Bayes factor of each scored pair: its match weight without the prior.
    prior0 = math.log2(lam0 / (1 - lam0))
    rows = con.execute(
        f"SELECT match_weight - {prior0} AS bf_bits, count(*) FROM {pred.physical_name} GROUP BY 1"
    ).fetchall()
    pred.drop_table_from_database_and_remove_from_cache()
    total = _total_pairs(con, settings._link_type)
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
