"""Incremental linking (`paperlink link-new`): new records join existing works, ids stay stable."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from paperlink.cli import app
from paperlink.clusters.ids import assign_stable_ids
from paperlink.incremental import IncrementalError, link_new, parse_sources
from paperlink.pipeline import LinkageJob

COLUMNS = ["id", "title", "authors", "year", "doi", "arxiv"]
ALPHA = [
    ("a1", "Half-Inverse Gradients for Physical Deep Learning", "Nils Thuerey; Philipp Holl; Patrick Schnell", 2022, "", ""),
    ("a2", "Deep Residual Learning for Image Recognition", "Kaiming He; Xiangyu Zhang; Shaoqing Ren; Jian Sun", 2016,
     "10.1109/cvpr.2016.90", ""),
    ("a3", "Learning to Rank with Partially Labeled Data", "Kevin Duh; Katrin Kirchhoff", 2008, "10.1145/1390334.1390379", ""),
    ("a4", "Bigtable: A Distributed Storage System for Structured Data", "Fay Chang; Jeffrey Dean; Sanjay Ghemawat", 2006, "", ""),
    ("a5", "Mining Frequent Patterns without Candidate Generation", "Jiawei Han; Jian Pei; Yiwen Yin", 2000, "", ""),
]
BETA = [
    ("b1", "half-inverse gradients for physical deep learning", "N. Thuerey; P. Holl; P. Schnell", 2022, "", ""),
    # the preprint of a3 under another title: only its arXiv id will tie it to the published version
    ("b3", "Semi-supervised ranking via transductive feature generation", "K. Duh; K. Kirchhoff", 2007, "", "0712.01234"),
    ("b4", "Bigtable: a distributed storage system for structured data", "F. Chang; J. Dean; S. Ghemawat", 2006, "", ""),
]
NEW_ALPHA = [
    ("0", "Half-inverse gradients for physical deep learning.", "Thuerey, Nils; Holl, Philipp; Schnell, Patrick", 2022, "", ""),
    ("a5", "Mining Frequent Patterns without Candidate Generation", "Jiawei Han; Jian Pei; Yiwen Yin", 2000, "", ""),
]
NEW_BETA = [
    ("b0", "Deep residual learning for image recognition", "K. He; X. Zhang; S. Ren; J. Sun", 2016, "10.1109/cvpr.2016.90", ""),
    # has a3's DOI and b3's arXiv id: it bridges the two existing clusters
    ("b5", "Learning to Rank with Partially Labeled Data", "Kevin Duh; Katrin Kirchhoff", 2007,
     "10.1145/1390334.1390379", "0712.01234"),
    ("b9", "Dremel: Interactive Analysis of Web-Scale Datasets", "Sergey Melnik; Andrey Gubarev", 2010, "", ""),
    ("b8", "Dremel: interactive analysis of web-scale datasets", "S. Melnik; A. Gubarev", 2010, "", ""),
]


def _write(path: Path, rows) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        w.writerows(rows)


def _job_toml(tmp: Path, alpha: list[str], beta: list[str]) -> Path:
    cols = '{ source_id = "id", title = "title", authors = "authors", year = "year", doi = "doi", arxiv_id = "arxiv" }'
    text = '[database]\npath = "db/paperlink.duckdb"\n[output]\ndir = "out"\n'
    for name, paths in (("alpha", alpha), ("beta", beta)):
        text += f'[[sources]]\nname = "{name}"\nformat = "csv"\npaths = {paths!r}\ncolumns = {cols}\n'.replace("'", '"')
    (tmp / "job.toml").write_text(text)
    return tmp / "job.toml"


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    """A finished run of alpha + beta, kept pristine: tests copy it."""
    tmp = tmp_path_factory.mktemp("base")
    _write(tmp / "alpha.csv", ALPHA)
    _write(tmp / "beta.csv", BETA)
    _write(tmp / "new_alpha.csv", NEW_ALPHA)
    _write(tmp / "new_beta.csv", NEW_BETA)
    job = LinkageJob.from_config(_job_toml(tmp, ["alpha.csv"], ["beta.csv"]))
    job.run()
    job.close()
    return tmp


@pytest.fixture
def run_dir(base_run, tmp_path):
    shutil.copytree(base_run, tmp_path, dirs_exist_ok=True)
    return tmp_path


def _clusters(con) -> dict[str, str]:
    return dict(con.execute("SELECT record_id, cluster_id FROM clusters").fetchall())


def _partition(clusters: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for r, c in clusters.items():
        groups.setdefault(c, set()).add(r)
    return {frozenset(g) for g in groups.values()}


@pytest.fixture(scope="module")
def linked(base_run, tmp_path_factory):
    """The base run with new_alpha.csv and new_beta.csv linked in (shared: tests only read it)."""
    run_dir = tmp_path_factory.mktemp("linked")
    shutil.copytree(base_run, run_dir, dirs_exist_ok=True)
    job = LinkageJob.from_config(run_dir / "job.toml")
    before = _clusters(job.con)
    specs = parse_sources(["alpha=new_alpha.csv", "beta=new_beta.csv"], job.config.sources, cwd=run_dir)
    report = link_new(job, specs)
    after = _clusters(job.con)
    yield job, before, after, report
    job.close()


def test_base_run_keeps_the_preprint_apart(base_run):
    con = duckdb.connect(str(base_run / "db" / "paperlink.duckdb"), read_only=True)
    clusters = _clusters(con)
    con.close()
    assert clusters["alpha:a3"] != clusters["beta:b3"]  # what link-new's bridge record will merge
    assert clusters["alpha:a1"] == clusters["beta:b1"] == "alpha:a1"


def test_new_records_join_existing_works_and_ids_stay_stable(linked):
    job, before, after, report = linked
    # every record, old and new, in exactly one cluster; old clusters untouched by new records keep their ids
    assert set(after) == set(before) | {"alpha:0", "beta:b0", "beta:b5", "beta:b9", "beta:b8"}
    assert after["alpha:a4"] == after["beta:b4"] == before["alpha:a4"]
    # a cluster that only gains records keeps its id, although alpha:0 sorts before alpha:a1
    assert after["alpha:0"] == after["alpha:a1"] == after["beta:b1"] == "alpha:a1"
    assert after["beta:b0"] == after["alpha:a2"] == "alpha:a2"
    # new work: a new cluster named after its smallest record_id
    assert after["beta:b8"] == after["beta:b9"] == "beta:b8"
    # the record already in the run is not loaded again
    assert report["sources"]["alpha"]["already_present"] == 1
    assert report["new_records"] == 5
    assert job.con.execute("SELECT loaded FROM load_counts WHERE source = 'alpha'").fetchall()[0][0] == 6
    sizes = dict(job.con.execute("SELECT cluster_id, max(cluster_size) FROM clusters GROUP BY 1").fetchall())
    assert sizes["alpha:a1"] == 3
    works = dict(job.con.execute("SELECT cluster_id, n_records FROM works").fetchall())
    assert works["alpha:a1"] == 3 and works["beta:b8"] == 2
    assert set(works) == set(after.values())


def test_a_bridging_record_merges_clusters_and_the_change_is_recorded(linked):
    job, before, after, report = linked
    assert after["alpha:a3"] == after["beta:b3"] == after["beta:b5"]
    # merge of two one-record clusters: the smallest id survives, the other is mapped to it
    assert after["alpha:a3"] == "alpha:a3"
    changes = job.con.execute("SELECT old_cluster_id, new_cluster_id, change FROM cluster_id_changes").fetchall()
    assert changes == [("beta:b3", "alpha:a3", "merged")]
    out = job.out_dir
    assert duckdb.sql(f"SELECT old_cluster_id, new_cluster_id, change FROM '{out}/cluster_id_changes.parquet'").fetchall() == changes
    exported = dict(duckdb.sql(f"SELECT record_id, cluster_id FROM '{out}/clusters.parquet'").fetchall())
    assert exported == after
    assert report["clusters"]["merged"] == 1 and report["clusters"]["new_clusters"] == 1


def test_linking_the_same_files_again_changes_nothing(linked):
    job, _, after, _ = linked
    specs = parse_sources(["alpha=new_alpha.csv", "beta=new_beta.csv"], job.config.sources, cwd=job.config.base_dir)
    report = link_new(job, specs)
    assert report["new_records"] == 0
    assert _clusters(job.con) == after


def test_reclustering_an_extended_run_keeps_its_ids(linked, tmp_path):
    job, _, after, _ = linked
    job.con.execute("CHECKPOINT")
    shutil.copytree(job.config.base_dir, tmp_path / "copy")
    again = LinkageJob.from_config(tmp_path / "copy" / "job.toml")
    again.cluster()  # e.g. after `paperlink review import`: ids carried over, not smallest record_id
    assert _clusters(again.con) == after
    assert again.report["cluster_ids"]["clusters_renamed"] >= 1
    again.export()  # the accounting (loaded = clustered per source) holds with the new records
    assert (tmp_path / "copy" / "out" / "run_report.json").exists()
    again.close()


def test_full_rerun_on_the_union_gives_the_same_partition(linked, tmp_path):
    _, _, after, _ = linked
    union = tmp_path / "union"
    union.mkdir()
    for name in ("alpha.csv", "beta.csv", "new_alpha.csv", "new_beta.csv"):
        shutil.copy(linked[0].config.base_dir / name, union / name)
    # the union without the duplicate a5 row (a duplicate source_id would be rejected, not lost)
    _write(union / "new_alpha.csv", [r for r in NEW_ALPHA if r[0] != "a5"])
    job = LinkageJob.from_config(_job_toml(union, ["alpha.csv", "new_alpha.csv"], ["beta.csv", "new_beta.csv"]))
    job.run()
    full = _clusters(job.con)
    job.close()
    assert _partition(full) == _partition(after)
    # ids of a full run are the smallest record_id: here the incremental run kept alpha:a1
    assert full["alpha:a1"] == "alpha:0" and after["alpha:a1"] == "alpha:a1"


def test_cli_link_new_and_errors(run_dir):
    runner = CliRunner()
    res = runner.invoke(app, ["link-new", "-c", str(run_dir / "job.toml"), "--sources", str(run_dir / "new_beta.csv")])
    assert res.exit_code == 2 and "NAME=PATH" in res.output  # two csv sources: which one?
    res = runner.invoke(app, ["link-new", "-c", str(run_dir / "job.toml"), "--sources", f"beta={run_dir / 'new_beta.csv'}",
                              "--json"])
    assert res.exit_code == 0, res.output
    assert '"new_records": 4' in res.output
    assert (run_dir / "out" / "link_new_report.json").exists()


def test_link_new_needs_a_finished_run(tmp_path):
    _write(tmp_path / "alpha.csv", ALPHA)
    _write(tmp_path / "beta.csv", BETA)
    job = LinkageJob.from_config(_job_toml(tmp_path, ["alpha.csv"], ["beta.csv"]))
    job.load()
    with pytest.raises(IncrementalError, match="link-new needs a finished run"):
        link_new(job, parse_sources([f"beta={tmp_path / 'beta.csv'}"], job.config.sources))
    job.close()


def test_stable_id_rules():
    # gains records (even with a smaller record_id): keeps its id
    assert assign_stable_ids({"b": "b", "c": "b"}, [["a", "b", "c"]], set()) == (["b"], [])
    # merge: the largest old cluster's id survives, the other is retired
    ids, changes = assign_stable_ids({"d": "d", "e": "d", "b": "b"}, [["b", "d", "e", "x"]], set())
    assert ids == ["d"] and changes == [{"old_cluster_id": "b", "new_cluster_id": "d", "change": "merged", "records": 1}]
    # merge of equal sizes: the smallest id
    assert assign_stable_ids({"b": "b", "d": "d"}, [["b", "d"]], set())[0] == ["b"]
    # split: the larger part keeps the id; the other part gets a fresh id that never named a cluster
    ids, changes = assign_stable_ids({"b": "b", "c": "b", "d": "b"}, [["b"], ["c", "d"]], set())
    assert ids == ["b~2", "b"]
    assert changes == [{"old_cluster_id": "b", "new_cluster_id": "b~2", "change": "split", "records": 1}]
    # equal split: the part holding the namesake record keeps the id
    assert assign_stable_ids({"b": "b", "c": "b"}, [["c"], ["b"]], set())[0] == ["c", "b"]
    # new records only: smallest record_id not in use (or retired)
    assert assign_stable_ids({}, [["y", "z"]], {"y"})[0] == ["z"]


def test_a_failed_link_new_leaves_the_run_as_it_was(run_dir, monkeypatch):
    import paperlink.incremental as inc

    job = LinkageJob.from_config(run_dir / "job.toml")
    before = _clusters(job.con)
    n = job.con.execute("SELECT count(*) FROM records").fetchall()[0][0]
    specs = parse_sources(["beta=new_beta.csv"], job.config.sources, cwd=run_dir)

    def broken(*args, **kwargs):
        raise RuntimeError("killed while clustering")

    monkeypatch.setattr(inc, "cluster_neighbourhood", broken)
    with pytest.raises(RuntimeError):
        link_new(job, specs)
    assert job.con.execute("SELECT count(*) FROM records").fetchall()[0][0] == n
    assert _clusters(job.con) == before
    monkeypatch.undo()
    report = link_new(job, specs)  # and the same files link normally afterwards
    assert report["new_records"] == 4
    job.close()
