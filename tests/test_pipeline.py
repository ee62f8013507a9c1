"""The real pipeline end to end on small data: load -> train -> predict -> cluster -> export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from paperlink.config import ConfigError, load_job
from paperlink.pipeline import LinkageJob

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared (fixtures, benchmarks) not present")

# A few hand-written works, each in two sources with typical variation, plus hard negatives.
WORKS = [
    # (entity, title, authors, year, venue)
    ("w1", "Half-Inverse Gradients for Physical Deep Learning", "Nils Thuerey; Philipp Holl; Patrick Schnell", 2022, "ICLR"),
    ("w2", "Deep Residual Learning for Image Recognition", "Kaiming He; Xiangyu Zhang; Shaoqing Ren; Jian Sun", 2016, "CVPR"),
    ("w3", "Attention Is All You Need", "Ashish Vaswani; Noam Shazeer; Niki Parmar; Illia Polosukhin", 2017, "NeurIPS"),
    ("w4", "Query Optimization for Distributed Databases: Part I", "Maria Rossi; Jan Novak", 2001, "VLDB Journal"),
    ("w5", "Query Optimization for Distributed Databases: Part II", "Maria Rossi; Jan Novak", 2001, "VLDB Journal"),
    ("w6", "Mining Frequent Patterns without Candidate Generation", "Jiawei Han; Jian Pei; Yiwen Yin", 2000, "SIGMOD"),
    ("w7", "Erratum: Mining Frequent Patterns without Candidate Generation", "Jiawei Han; Jian Pei; Yiwen Yin", 2000, "SIGMOD"),
    ("w8", "Bigtable: A Distributed Storage System for Structured Data", "Fay Chang; Jeffrey Dean; Sanjay Ghemawat", 2006, "OSDI"),
]
VARIANTS = {  # how the second source garbles each work
    "w1": ("half-inverse gradients for physical deep learning", "N. Thuerey; P. Holl; P. Schnell", 2022),
    "w2": ("DEEP RESIDUAL LEARNING FOR IMAGE RECOGNITION", "K. He; X. Zhang; S. Ren", 2015),
    "w3": ("Attention is all you need", "A. Vaswani; N. Shazeer; I. Polosukhin", 2017),
    "w4": ("Query optimization for distributed databases, part I", "M. Rossi; J. Novak", 2001),
    "w5": ("Query optimization for distributed databases, part II", "M. Rossi; J. Novak", 2001),
    "w6": ("Mining frequent patterns without candidate generation", "J. Han; J. Pei; Y. Yin", 2000),
    "w8": ("Bigtable: a distributed storage system for structured data", "F. Chang; J. Dean; S. Ghemawat", 2006),
}


def write_job(tmp: Path) -> tuple[Path, dict[str, str]]:
    truth: dict[str, str] = {}
    for name in ("alpha", "beta"):
        with open(tmp / f"{name}.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "title", "authors", "year", "venue"])
            for i, (entity, title, authors, year, venue) in enumerate(WORKS):
                if name == "beta":
                    if entity not in VARIANTS:
                        continue
                    title, authors, year = VARIANTS[entity]
                w.writerow([f"{name[0]}{i}", title, authors, year, venue])
                truth[f"{name}:{name[0]}{i}"] = entity
    (tmp / "job.toml").write_text(f"""
[database]
path = "db/paperlink.duckdb"
[output]
dir = "out"
[linkage]
threshold = 0.9
[[sources]]
name = "alpha"
format = "csv"
paths = ["alpha.csv"]
columns = {{ source_id = "id", title = "title", authors = "authors", year = "year", venue = "venue" }}
[[sources]]
name = "beta"
format = "csv"
paths = ["beta.csv"]
columns = {{ source_id = "id", title = "title", authors = "authors", year = "year", venue = "venue" }}
""")
    return tmp / "job.toml", truth


def clusters_of(out: Path) -> dict[str, str]:
    rows = duckdb.sql(f"SELECT record_id, cluster_id FROM '{out}/clusters.parquet'").fetchall()
    return dict(rows)


def test_small_run_links_variants_and_keeps_hard_negatives_apart(tmp_path):
    job_file, truth = write_job(tmp_path)
    job = LinkageJob.from_config(job_file)
    report = job.run()
    job.close()
    out = tmp_path / "out"
    for name in ("clusters.parquet", "works.parquet", "pairs.parquet", "model.json", "run_report.json"):
        assert (out / name).exists(), name
    clusters = clusters_of(out)
    assert set(clusters) == set(truth)  # every loaded record in exactly one cluster
    by_entity: dict[str, set[str]] = {}
    for rid, entity in truth.items():
        by_entity.setdefault(entity, set()).add(clusters[rid])
    for entity, cids in by_entity.items():
        assert len(cids) == 1, f"{entity} split over {cids}"
    assert by_entity["w4"] != by_entity["w5"], "Part I and Part II merged"
    assert by_entity["w6"] != by_entity["w7"], "paper and its erratum merged"
    assert report["records"]["alpha"]["loaded"] == report["records"]["alpha"]["clustered"] == len(WORKS)
    by_rule = report["candidate_pairs_by_rule"]  # every prediction rule named, with the pairs it added
    assert len(by_rule) == len(json.loads((out / "model.json").read_text())["blocking_rules_to_generate_predictions"])
    assert sum(by_rule.values()) == report["candidate_pairs"] >= report["candidate_pairs_scored"] > 0
    works = duckdb.sql(f"SELECT n_records, sources FROM '{out}/works.parquet' WHERE n_records = 2").fetchall()
    assert len(works) == len(VARIANTS)


def test_sources_with_titles_only_still_train_and_link(tmp_path):
    """Records with a title and nothing else (no authors, year or identifiers: the rules that
    estimate λ find no pair) train from a prior of one match per record and link."""
    job_file, truth = write_job(tmp_path)
    text = job_file.read_text().replace(', authors = "authors", year = "year", venue = "venue"', "")
    job_file.write_text(text)
    job = LinkageJob.from_config(job_file)
    report = job.run()
    job.close()
    assert report["training"]["prior_source"].startswith("one match per record")
    clusters = clusters_of(tmp_path / "out")
    assert set(clusters) == set(truth)
    assert clusters["alpha:a2"] == clusters["beta:b2"]  # "Attention Is All You Need", two casings
    assert clusters["alpha:a3"] != clusters["alpha:a4"]  # Part I and Part II


def test_records_without_a_title_link_by_authors_and_first_page(tmp_path):
    """A citation whose title was lost (authors, year, venue and pages left) is loaded, not
    rejected, and joins its work through the first-author + first-page block (it has no year
    either, so the first-author + year block cannot pair it); a record with
    nothing to link on (no title, identifier or authors) is rejected with that reason."""
    job_file, _ = write_job(tmp_path)
    for name, rows in (("alpha", [["p1", "Instance-Based Learning Algorithms", "David W. Aha; Dennis Kibler; Marc K. Albert", 1991, "Machine Learning", "37-66"]]),
                       ("beta", [["q1", "", "Aha, D. W.; Kibler, D.; Albert, M. K.", "", "Machine Learning", "pp. 37-66"],
                                 ["q2", "", "", 1991, "Machine Learning", "37-66"]])):
        with open(tmp_path / f"{name}.csv", newline="") as fh:
            table = list(csv.reader(fh))
        table[0].append("pages")
        table[1:] = [r + [""] for r in table[1:]] + rows
        with open(tmp_path / f"{name}.csv", "w", newline="") as fh:
            csv.writer(fh).writerows(table)
    job_file.write_text(job_file.read_text().replace('venue = "venue" }', 'venue = "venue", pages = "pages" }'))
    job = LinkageJob.from_config(job_file)
    job.run()
    rejected = job.con.execute("SELECT source, reason FROM rejected_records").fetchall()
    job.close()
    assert rejected == [("beta", "no title, identifier or authors")]
    clusters = clusters_of(tmp_path / "out")
    assert clusters["beta:q1"] == clusters["alpha:p1"]


def test_shipped_default_model_has_the_default_settings_levels():
    """The fallback model for small inputs is regenerated with the settings
    (``python -m paperlink.model.default_model``): the same comparisons and levels, in order."""
    from paperlink.model.default_model import DEFAULT_MODEL
    from paperlink.model.linker import DEFAULT_SETTINGS

    def levels(model: dict) -> list:
        return [(c["output_column_name"], [(lv["sql_condition"], lv.get("label_for_charts")) for lv in c["comparison_levels"]])
                for c in model["comparisons"]]
    assert levels(json.loads(DEFAULT_MODEL.read_text())) == levels(json.loads(DEFAULT_SETTINGS.read_text()))


def test_rerun_gives_identical_clusters_and_weights(tmp_path):
    job_file, _ = write_job(tmp_path)
    results = []
    for _ in range(2):
        job = LinkageJob.from_config(job_file)
        job.run()
        job.close()
        out = tmp_path / "out"
        model = json.loads((out / "model.json").read_text())
        weights = [(lv.get("m_probability"), lv.get("u_probability"))
                   for c in model["comparisons"] for lv in c["comparison_levels"]]
        # every row of clusters.parquet and works.parquet, every column, in file order
        rows = {name: duckdb.sql(f"SELECT * FROM '{out}/{name}'").fetchall()
                for name in ("clusters.parquet", "works.parquet")}
        results.append((clusters_of(out), weights, rows, (out / "clusters.parquet").read_bytes()))
    assert results[0][:3] == results[1][:3]
    assert results[0][3] == results[1][3], "clusters.parquet differs byte for byte between reruns"


def test_config_errors_name_the_key(tmp_path):
    bad = tmp_path / "job.toml"
    bad.write_text('[linkage]\nthreshhold = 0.9\n[[sources]]\nname = "a"\npaths = ["x.csv"]\n')
    with pytest.raises(ConfigError, match="linkage.threshhold"):
        load_job(bad)
    bad.write_text('[[sources]]\nname = "a; DROP TABLE records"\npaths = ["x.csv"]\n')
    with pytest.raises(ConfigError, match="sources\\[0\\].name"):
        load_job(bad)


@needs_shared
def test_dblp_acm_sample_links_with_high_accuracy(tmp_path):
    """A 600-record slice of DBLP-ACM through the real pipeline and `evaluate`."""
    from paperlink.evaluate import evaluate_run

    bench = SHARED / "benchmarks" / "dblp_acm"
    con = duckdb.connect()
    gold = con.execute(f"SELECT idDBLP, idACM FROM read_csv('{bench}/DBLP-ACM_perfectMapping.csv', all_varchar=true) "
                       "ORDER BY idDBLP LIMIT 300").fetchall()
    for name, col, ids in (("dblp", 0, [g[0] for g in gold]), ("acm", 1, [g[1] for g in gold])):
        src = "DBLP2.csv" if name == "dblp" else "ACM.csv"
        con.execute(f"COPY (SELECT * FROM read_csv('{bench}/{src}', all_varchar=true) WHERE id IN (SELECT unnest(?))) "
                    f"TO '{tmp_path}/{name}.csv' (HEADER)", [ids])
    with open(tmp_path / "gold.csv", "w") as fh:
        fh.write("record_id_l,record_id_r\n" + "".join(f"dblp:{a},acm:{b}\n" for a, b in gold))
    cols = '{ source_id = "id", title = "title", authors = "authors", venue = "venue", year = "year" }'
    (tmp_path / "job.toml").write_text(f"""
[database]
path = "paperlink.duckdb"
[linkage]
link_type = "link_only"
duplicate_free_sources = ["dblp", "acm"]
[[sources]]
name = "dblp"
format = "csv"
paths = ["dblp.csv"]
columns = {cols}
[[sources]]
name = "acm"
format = "csv"
paths = ["acm.csv"]
columns = {cols}
""")
    job = LinkageJob.from_config(tmp_path / "job.toml")
    job.run()
    result = evaluate_run(job.con, tmp_path / "gold.csv", job._settings(), 0.9, scope="cross_source")
    job.close()
    assert result["pair_completeness"] >= 0.99
    assert result["f1"] >= 0.95, result


def test_trained_weights_are_complete_and_never_invert_a_similarity_ladder(tmp_path):
    job_file, _ = write_job(tmp_path)
    job = LinkageJob.from_config(job_file)
    job.run()
    ladders = job.config.linkage.training.monotone_levels
    job.close()
    model = json.loads((tmp_path / "out" / "model.json").read_text())
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        assert all(isinstance(lv.get("m_probability"), float) and isinstance(lv.get("u_probability"), float)
                   for lv in levels), f"{comparison['output_column_name']}: a level without m or u"
        labels = [lv["label_for_charts"] for lv in levels]
        first = ladders.get(comparison["output_column_name"])
        if first in labels:
            factors = [lv["m_probability"] / lv["u_probability"] for lv in levels[labels.index(first):]]
            assert all(b <= a * (1 + 1e-9) for a, b in zip(factors, factors[1:])), (comparison["output_column_name"], factors)


def test_duplicate_free_source_in_a_dedupe_job_keeps_its_records_apart(tmp_path):
    """Declaring a curated source duplicate-free works with the default (dedupe_only) settings:
    two issues' "Editor's Notes" of one editor stay two works, each joined by its scraped copy."""
    job_file, _ = write_job(tmp_path)
    with open(tmp_path / "alpha.csv", "a", newline="") as fh:
        csv.writer(fh).writerows([["n1", "Editor's Notes", "Michael J. Franklin", 2000, "SIGMOD Record"],
                                  ["n2", "Editor's Notes", "Michael J. Franklin", 2000, "SIGMOD Record"]])
    with open(tmp_path / "beta.csv", "a", newline="") as fh:
        csv.writer(fh).writerow(["n9", "Editor's notes", "M. Franklin", 2000, "SIGMOD Record"])
    text = job_file.read_text().replace("threshold = 0.9", 'threshold = 0.9\nduplicate_free_sources = ["alpha"]')
    job_file.write_text(text)
    job = LinkageJob.from_config(job_file)
    job.run()
    job.close()
    clusters = clusters_of(tmp_path / "out")
    assert clusters["alpha:n1"] != clusters["alpha:n2"]
    assert clusters["beta:n9"] in (clusters["alpha:n1"], clusters["alpha:n2"])


def test_evaluate_refuses_outputs_of_another_job(tmp_path):
    """`paperlink evaluate --out` of one job with the --config of another is an error, not a
    score of the wrong database."""
    from typer.testing import CliRunner

    from paperlink.cli import app

    first, second = tmp_path / "first", tmp_path / "second"
    for d in (first, second):
        d.mkdir()
        write_job(d)
    with open(second / "beta.csv", "a", newline="") as fh:
        csv.writer(fh).writerow(["extra", "A Paper Only The Second Job Has", "Ann Other", 2020, "JCDL"])
    for d in (first, second):
        job = LinkageJob.from_config(d / "job.toml")
        job.run()
        job.close()
    gold = tmp_path / "gold.csv"
    gold.write_text("record_id_l,record_id_r\nalpha:a0,beta:b0\n")
    runner = CliRunner()
    ok = runner.invoke(app, ["evaluate", "-c", str(first / "job.toml"), "--out", str(first / "out"), "--gold", str(gold), "--json"])
    assert ok.exit_code == 0, ok.output
    wrong = runner.invoke(app, ["evaluate", "-c", str(first / "job.toml"), "--out", str(second / "out"), "--gold", str(gold)])
    assert wrong.exit_code != 0
    assert "give the --config of the job that wrote" in wrong.output
