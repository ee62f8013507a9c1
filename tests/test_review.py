"""Clerical review: export / import round trip, validation, contradictions, and decisions used in
clustering (must-link / cannot-link), training and `evaluate --labels`."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperlink.cli import app
from paperlink.clusters.constraints import split_with_constraints
from paperlink.evaluate import evaluate_labels
from paperlink.pipeline import LinkageJob
from paperlink.review import COLUMNS, ReviewError, export_review, import_decisions, select_pairs

from test_pipeline import write_job  # noqa: E402  (tests/ is on sys.path under pytest)


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("review_base")
    job_file, truth = write_job(tmp)
    job = LinkageJob.from_config(job_file)
    job.run()
    job.close()
    (tmp / "truth.json").write_text(json.dumps(truth))
    return tmp


@pytest.fixture
def run(base_run, tmp_path):
    shutil.copytree(base_run, tmp_path, dirs_exist_ok=True)
    job = LinkageJob.from_config(tmp_path / "job.toml")
    job.truth = json.loads((tmp_path / "truth.json").read_text())
    yield job
    job.close()


def _model(job) -> dict:
    return json.loads(job.model_path.read_text())


def _write_decisions(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["doc_1_record_id", "doc_2_record_id", "decision"])
        w.writerows(rows)
    return path


def _cluster_of(job) -> dict[str, str]:
    return dict(job.con.execute("SELECT record_id, cluster_id FROM clusters").fetchall())


def test_export_writes_side_by_side_pairs_and_offline_html(run, tmp_path):
    for strategy in ("uncertain", "random", "disagreement"):
        out = tmp_path / strategy
        result = export_review(run.con, out, 5, strategy, run.config.linkage.threshold, _model(run))
        assert result["pairs"] == 5
        with open(out / "review.csv", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert list(rows[0]) == COLUMNS and len(rows) == 5
        for r in rows:
            assert r["decision"] == ""
            assert r["doc_1_title"] and r["doc_2_title"] and r["doc_1_source"] and r["match_weight"]
            assert r["top_comparisons"].count(":") >= 1
        html = (out / "review.html").read_text()
        assert "<script src" not in html and "<link" not in html and "http" not in html.split("</style>")[0]
        assert rows[0]["doc_1_record_id"] in html and "download decisions.csv" in html
    # uncertain: closest to the threshold first
    pairs = select_pairs(run.con, 0.9, 100, "uncertain")
    weights = dict(((a, b), w) for a, b, w in run.con.execute(
        "SELECT least(unique_id_l, unique_id_r), greatest(unique_id_l, unique_id_r), match_weight FROM predictions").fetchall())
    gaps = [abs(weights[(a, b)] - 3.169925) for a, b, _ in pairs]
    assert gaps == sorted(gaps)


def test_round_trip_export_fill_import(run, tmp_path):
    export_review(run.con, tmp_path, 6, "random", 0.9, _model(run), tsv=True)
    path = tmp_path / "review.tsv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for i, r in enumerate(rows):
        same = run.truth[r["doc_1_record_id"]] == run.truth[r["doc_2_record_id"]]
        r["decision"] = "" if i == 0 else ("match" if same else "Non-Match")
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, delimiter="\t")
        w.writeheader()
        w.writerows(rows)
    result = import_decisions(run.con, path)
    assert result.stored == 5 and result.not_reviewed == 1 and not result.duplicates
    stored = run.con.execute("SELECT record_id_l < record_id_r, decision FROM labels").fetchall()
    assert all(ok for ok, _ in stored) and {d for _, d in stored} <= {"match", "non-match"}
    again = import_decisions(run.con, path)  # the same file again: nothing new, nothing duplicated
    assert again.stored == 0 and again.already_stored == 5
    assert run.con.execute("SELECT count(*) FROM labels").fetchall()[0][0] == 5
    # decided pairs are not offered again
    offered = {(a, b) for a, b, _ in select_pairs(run.con, 0.9, 1000, "random")}
    decided = set(run.con.execute("SELECT record_id_l, record_id_r FROM labels").fetchall())
    assert not offered & decided


def test_bad_rows_are_named_and_nothing_is_stored(run, tmp_path):
    bad = _write_decisions(tmp_path / "bad.csv", [("alpha:a0", "beta:b0", "match"), ("alpha:a1", "beta:b1", "mtach"),
                                                  ("alpha:a2", "nosuch:x", "match")])
    with pytest.raises(ReviewError, match=r"row 2 \(line 3\): decision 'mtach' is not one of match, non-match, unsure"):
        import_decisions(run.con, bad)
    unknown = _write_decisions(tmp_path / "unknown.csv", [("alpha:a2", "nosuch:x", "match")])
    with pytest.raises(ReviewError, match=r"row 1 \(line 2\): unknown record_id 'nosuch:x'"):
        import_decisions(run.con, unknown)
    (tmp_path / "cols.csv").write_text("a,b,c\n1,2,3\n")
    with pytest.raises(ReviewError, match="expected columns doc_1_record_id, doc_2_record_id and decision"):
        import_decisions(run.con, tmp_path / "cols.csv")
    self_pair = _write_decisions(tmp_path / "self.csv", [("alpha:a2", "alpha:a2", "match")])
    with pytest.raises(ReviewError, match="paired with itself"):
        import_decisions(run.con, self_pair)
    assert not run.con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'labels'").fetchall()[0][0]


def test_duplicates_and_contradictions_are_reported_not_merged(run, tmp_path):
    dup = _write_decisions(tmp_path / "dup.csv", [("alpha:a0", "beta:b0", "match"), ("beta:b0", "alpha:a0", "yes")])
    result = import_decisions(run.con, dup)
    assert result.stored == 1 and len(result.duplicates) == 1 and "row 2" in result.duplicates[0]
    # in one file
    both = _write_decisions(tmp_path / "both.csv", [("alpha:a1", "beta:b1", "match"), ("alpha:a1", "beta:b1", "non-match")])
    with pytest.raises(ReviewError, match=r"1 contradiction.*row 2 \(line 3\) says non-match but both.csv row 1"):
        import_decisions(run.con, both)
    # against a stored decision
    flip = _write_decisions(tmp_path / "flip.csv", [("alpha:a0", "beta:b0", "non-match")])
    with pytest.raises(ReviewError, match="stored decision for alpha:a0 / beta:b0 is match"):
        import_decisions(run.con, flip)
    # through a chain of matches: a0 = b0 (stored), b0 = a4 (new), a0 != a4 (new)
    chain = _write_decisions(tmp_path / "chain.csv", [("beta:b0", "alpha:a4", "match"), ("alpha:a0", "alpha:a4", "non-match")])
    with pytest.raises(ReviewError, match="match decisions join them"):
        import_decisions(run.con, chain)
    assert run.con.execute("SELECT count(*) FROM labels").fetchall()[0][0] == 1
    # --replace supersedes the stored decision and keeps the old one in labels_history
    result = import_decisions(run.con, flip, replace=True)
    assert result.replaced == 1
    assert run.con.execute("SELECT decision FROM labels").fetchall() == [("non-match",)]
    assert run.con.execute("SELECT decision FROM labels_history").fetchall() == [("match",)]


def test_decisions_change_clusters(run, tmp_path):
    before = _cluster_of(run)
    assert before["alpha:a1"] == before["beta:b1"]  # w2 linked by the model
    assert before["alpha:a3"] != before["alpha:a4"]  # Part I / Part II kept apart
    path = _write_decisions(tmp_path / "d.csv", [("alpha:a1", "beta:b1", "non-match"), ("alpha:a3", "alpha:a4", "match"),
                                                 ("alpha:a4", "beta:b4", "match")])
    import_decisions(run.con, path)
    run.cluster()
    after = _cluster_of(run)
    assert after["alpha:a1"] != after["beta:b1"]  # cannot-link: never in one cluster
    assert after["alpha:a3"] == after["alpha:a4"] == after["beta:b4"] == after["beta:b3"]  # must-link (+ their links)
    assert run.report["clerical_decisions"]["match_decisions"] == 2
    run.export()
    assert json.loads((run.out_dir / "run_report.json").read_text())["clerical_decisions"]["non_match_decisions"] == 1


def test_cannot_link_cuts_the_weakest_edges_on_the_path():
    members = {"a": "s1", "b": "s2", "c": "s3", "d": "s1"}
    edges = [("a", "b", 0.99), ("b", "c", 0.95), ("c", "d", 0.999), ("a", "d", 0.91)]
    parts, unsat = split_with_constraints(members, edges, set(), {("a", "c")}, set())
    assert parts == [["a", "b"], ["c", "d"]] and not unsat  # b-c (0.95) and a-d (0.91) are cut
    # a match decision wins over the scores: b stays with c
    parts, _ = split_with_constraints(members, edges, {("b", "c")}, {("a", "c")}, set())
    assert parts == [["a"], ["b", "c", "d"]]
    # duplicate-free sources: a and d (both s1) are not joined by an ordinary edge
    parts, _ = split_with_constraints(members, edges, set(), {("a", "c")}, {"s1"})
    assert parts == [["a", "b"], ["c", "d"]]


def test_training_and_evaluate_use_the_decisions(run, tmp_path):
    rows = [(a, b, "match" if run.truth[a] == run.truth[b] else "non-match") for a, b in run.con.execute(
        "SELECT least(unique_id_l, unique_id_r), greatest(unique_id_l, unique_id_r) FROM predictions ORDER BY 1, 2").fetchall()]
    assert any(d == "match" for *_, d in rows) and any(d == "non-match" for *_, d in rows)
    import_decisions(run.con, _write_decisions(tmp_path / "all.csv", rows))
    zero = _model(run)
    summary = run.train()
    assert summary["labels"]["match_decisions"] == sum(d == "match" for *_, d in rows)
    assert summary["labels"]["levels_changed"] > 0
    m = lambda model: [lv.get("m_probability") for c in model["comparisons"] for lv in c["comparison_levels"]]  # noqa: E731
    assert m(_model(run)) != m(zero)
    run.predict()
    run.cluster()
    result = evaluate_labels(run.con, run.config.linkage.threshold)
    assert result["reviewed_pairs"] == len(rows)
    assert result["sample"]["clusters"]["f1"] == 1.0  # clusters honour every decision
    assert 0.9 <= result["estimate"]["clusters"]["precision"] <= 1.0
    assert 0.9 <= result["estimate"]["clusters"]["recall"] <= 1.0


def test_cli_review_commands(run, tmp_path):
    runner = CliRunner()
    job = str(run.config.path)
    run.close()  # the CLI opens the database itself
    res = runner.invoke(app, ["review", "export", "-c", job, "--out", str(tmp_path / "r"), "--n", "3",
                              "--strategy", "disagreement"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r" / "review.csv").exists() and (tmp_path / "r" / "review.html").exists()
    res = runner.invoke(app, ["review", "export", "-c", job, "--out", str(tmp_path / "r"), "--strategy", "nope"])
    assert res.exit_code == 2 and "unknown strategy 'nope'" in res.output
    bad = _write_decisions(tmp_path / "bad.csv", [("alpha:a0", "beta:b0", "perhaps")])
    res = runner.invoke(app, ["review", "import", str(bad), "-c", job])
    assert res.exit_code == 2 and "bad.csv row 1 (line 2): decision 'perhaps'" in res.output
    good = _write_decisions(tmp_path / "good.csv", [("alpha:a0", "beta:b0", "match"), ("alpha:a3", "alpha:a4", "non-match")])
    res = runner.invoke(app, ["review", "import", str(good), "-c", job, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["stored"] == 2
    res = runner.invoke(app, ["evaluate", "-c", job, "--labels", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["reviewed_pairs"] == 2
    res = runner.invoke(app, ["evaluate", "-c", job])
    assert res.exit_code == 2 and "--gold" in res.output
