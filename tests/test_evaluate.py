"""`paperlink evaluate` on a small real run against hand-made gold: exact precision and recall."""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path

import pytest
from test_pipeline import clusters_of, write_job
from typer.testing import CliRunner

from paperlink.cli import app
from paperlink.pipeline import LinkageJob

# The run links each work of alpha (a0..a7) with its copy in beta (b0..b7, no b6): 7 predicted
# pairs.  The gold below is deliberately not the truth, so that every count is known:
GOLD_PAIRS = [
    ("alpha:a0", "beta:b0"), ("alpha:a1", "beta:b1"), ("alpha:a2", "beta:b2"),  # 3 found
    ("alpha:a3", "beta:b4"),  # Part I with Part II: missed (cross-source)
    ("alpha:a5", "alpha:a6"),  # the paper with its erratum: missed (same source)
    ("alpha:a9", "beta:b0"),  # a9 has nothing to link on and is rejected at load: missed
]
# predicted but not gold: a3-b3, a4-b4, a5-b5, a7-b7 (4 false positives)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p, r = Fraction(tp, tp + fp), Fraction(tp, tp + fn)
    return round(float(p), 4), round(float(r), 4), round(float(2 * p * r / (p + r)), 4)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("evaluate")
    job_file, _ = write_job(tmp)
    with open(tmp / "alpha.csv", "a", newline="") as fh:
        csv.writer(fh).writerow(["a9", "", "", 2001, "VLDB Journal"])
    job = LinkageJob.from_config(job_file)
    job.run()
    job.close()
    clusters = clusters_of(tmp / "out")
    assert "alpha:a9" not in clusters
    predicted = {tuple(sorted((x, y))) for x in clusters for y in clusters if x < y and clusters[x] == clusters[y]}
    assert predicted == {(f"alpha:a{i}", f"beta:b{i}") for i in (0, 1, 2, 3, 4, 5, 7)}
    pairs = tmp / "gold_pairs.csv"
    pairs.write_text("record_id_l,record_id_r\n" + "".join(f"{a},{b}\n" for a, b in GOLD_PAIRS))
    # the same gold as entity labels (each gold pair one entity; b0 and a9 join a0's entity)
    labels = tmp / "gold_labels.csv"
    rows = [("alpha:a0", "e0"), ("beta:b0", "e0"), ("alpha:a9", "e0"), ("alpha:a1", "e1"), ("beta:b1", "e1"),
            ("alpha:a2", "e2"), ("beta:b2", "e2"), ("alpha:a3", "e3"), ("beta:b4", "e3"), ("alpha:a5", "e5"),
            ("alpha:a6", "e5"), ("alpha:a4", "e4"), ("beta:b3", "e6")]
    labels.write_text("record_id,entity_id\n" + "".join(f"{r},{e}\n" for r, e in rows))
    return tmp, job_file, pairs, labels


def evaluate(job_file, gold, scope):
    job = LinkageJob.from_config(job_file)
    try:
        return job.evaluate(gold, scope=scope)
    finally:
        job.close()


def test_cluster_scores_are_exact(run):
    _, job_file, pairs, _ = run
    result = evaluate(job_file, pairs, "all")
    assert (result["tp"], result["fp"], result["fn"]) == (3, 4, 3)
    assert (result["precision"], result["recall"], result["f1"]) == prf(3, 4, 3)  # 0.4286, 0.5, 0.4615
    assert result["gold_pairs"] == 6 and result["gold_pairs_not_in_run"] == 1
    fn = {(e["record_id_l"], e["record_id_r"]) for e in result["false_negatives"]}
    assert fn == {("alpha:a3", "beta:b4"), ("alpha:a5", "alpha:a6"), ("alpha:a9", "beta:b0")}
    fp = {(e["record_id_l"], e["record_id_r"]) for e in result["false_positives"]}
    assert fp == {("alpha:a3", "beta:b3"), ("alpha:a4", "beta:b4"), ("alpha:a5", "beta:b5"), ("alpha:a7", "beta:b7")}


def test_cross_source_scope_leaves_out_pairs_within_a_source(run):
    _, job_file, pairs, _ = run
    result = evaluate(job_file, pairs, "cross_source")
    assert (result["tp"], result["fp"], result["fn"]) == (3, 4, 2)
    assert (result["precision"], result["recall"], result["f1"]) == prf(3, 4, 2)


def test_entity_labels_score_like_the_pairs_they_imply(run):
    _, job_file, pairs, labels = run
    by_labels = evaluate(job_file, labels, "all")
    # labels imply one more gold pair than the pair file: a0-a9 (a9 is in e0 with a0 and b0)
    assert (by_labels["tp"], by_labels["fp"], by_labels["fn"]) == (3, 4, 4)
    assert (by_labels["precision"], by_labels["recall"]) == prf(3, 4, 4)[:2]


def test_threshold_sweep_and_blocking_are_consistent(run):
    _, job_file, pairs, _ = run
    result = evaluate(job_file, pairs, "all")
    sweep = result["pairs_sweep"]
    assert [s["threshold"] for s in sweep] == sorted(s["threshold"] for s in sweep)
    assert all(a["tp"] >= b["tp"] for a, b in zip(sweep, sweep[1:])), "raising the threshold cannot find more pairs"
    assert result["pairs_best"]["f1"] == max(s["f1"] for s in sweep)
    # the three found pairs are blocked; the pair with the rejected record cannot be
    assert 3 / 6 <= result["pair_completeness"] <= 5 / 6
    assert result["candidate_pairs"] >= 7


def test_splink_accuracy_table_counts_the_run_s_scored_pairs(run):
    """Splink's truth table over the labelled pairs (every scored pair, plus gold pairs blocking
    missed): the gold pairs the run scored are all true positives at the lowest threshold, as in
    evaluate's own sweep, and the pair with the rejected record cannot be labelled."""
    from paperlink.charts import accuracy_table

    _, job_file, pairs, _ = run
    job = LinkageJob.from_config(job_file)
    try:
        job.evaluate(pairs)
        scored_gold = job.con.execute("""SELECT count(*) FROM predictions p JOIN gold_scoped g
            ON g.a = least(p.unique_id_l, p.unique_id_r) AND g.b = greatest(p.unique_id_l, p.unique_id_r)""").fetchall()[0][0]
        table = accuracy_table(job)
    finally:
        job.close()
    lowest = table.sort_values("truth_threshold").iloc[0]
    assert lowest["p"] == 5  # six gold pairs, one with the rejected record a9
    assert lowest["tp"] == scored_gold >= 3
    assert table["precision"].max() <= 1 and table["recall"].max() == scored_gold / 5


def test_cli_prints_json_and_a_table(run):
    tmp, job_file, pairs, _ = run
    runner = CliRunner()
    out = runner.invoke(app, ["evaluate", "-c", str(job_file), "--gold", str(pairs), "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output.strip().splitlines()[-1])
    assert {k: result[k] for k in ("precision", "recall", "f1")} == dict(zip(("precision", "recall", "f1"), prf(3, 4, 3)))
    assert {"pair_completeness", "candidate_pairs"} <= set(result)
    table = runner.invoke(app, ["evaluate", "-c", str(job_file), "--gold", str(pairs)])
    assert table.exit_code == 0, table.output
    assert "0.4286" in table.output and "1 of 6 gold pairs have a record the run does not hold" in table.output
    charts = tmp / "out" / "charts"
    assert sorted(p.name for p in charts.glob("accuracy_*")) == [
        "accuracy_precision_recall.html", "accuracy_precision_recall.png", "accuracy_threshold_selection.html"]
    assert result["charts"] and all(Path(p).exists() for p in result["charts"])
    assert "cdn.jsdelivr" not in (charts / "accuracy_precision_recall.html").read_text()
