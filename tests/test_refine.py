"""Chained clusters are split: greedy additive edge contraction over every pair of a cluster."""

from __future__ import annotations

import json

import pytest

from paperlink.clusters.refine import additive_edge_contraction, split_chained_clusters
from paperlink.pipeline import LinkageJob
from paperlink.synth import generate


def test_a_chain_through_a_middle_record_is_cut_at_the_conflict():
    # b links to a and to c, but a and c are strongly different: c leaves
    parts = additive_edge_contraction([("a", "b", 5.0), ("b", "c", 4.0), ("a", "c", -20.0)])
    assert parts == [["a", "b"], ["c"]]


def test_records_sharing_an_identifier_stay_together():
    # a retitled preprint (p) and its journal version (j), tied by the record (x) carrying both
    # ids: p shares its arXiv id with x, j its DOI
    edges = [("j", "x", 12.0), ("p", "x", 6.0), ("j", "p", -25.0)]
    assert additive_edge_contraction(edges) == [["j", "x"], ["p"]]
    assert additive_edge_contraction(edges, must_link=[("p", "x")]) == [["j"], ["p", "x"]]
    assert additive_edge_contraction(edges, must_link=[("p", "x"), ("j", "x")]) == [["j", "p", "x"]]


def test_groups_join_on_the_sum_of_their_pairs():
    # each d-x pair is weakly negative, but the group {a, b, c} as a whole pulls d in
    edges = [("a", "b", 9.0), ("a", "c", 9.0), ("b", "c", 9.0), ("a", "d", 6.0), ("b", "d", -1.0), ("c", "d", -1.0)]
    assert additive_edge_contraction(edges) == [["a", "b", "c", "d"]]
    # ... unless the negative evidence outweighs the positive
    edges[-1] = ("c", "d", -8.0)
    assert additive_edge_contraction(edges) == [["a", "b", "c"], ["d"]]


def test_no_negative_pair_keeps_the_cluster_and_order_does_not_matter():
    edges = [("r1", "r2", 2.0), ("r2", "r3", 1.0), ("r1", "r3", 0.5)]
    assert additive_edge_contraction(edges) == [["r1", "r2", "r3"]]
    assert additive_edge_contraction(list(reversed(edges))) == [["r1", "r2", "r3"]]


@pytest.fixture(scope="module")
def linked_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("refine")
    generate(150, out, seed=11, processes=1)
    job = LinkageJob.from_config(out / "job.toml")
    job.config.database.path = out / "db.duckdb"
    job.config.output_dir = out / "run"
    job.run()
    yield job
    job.close()


def test_two_works_chained_into_one_cluster_are_split_back(linked_run):
    con = linked_run.con
    model = json.loads(linked_run.model_path.read_text())
    # two multi-record works with different titles, forced into one cluster as a bad chain would
    a, b = [r[0] for r in con.execute("""
        SELECT cluster_id FROM clusters WHERE cluster_size BETWEEN 2 AND 6
        GROUP BY cluster_id ORDER BY cluster_id LIMIT 2""").fetchall()]
    before = dict(con.execute("SELECT record_id, cluster_id FROM clusters").fetchall())
    con.execute("CREATE TABLE chained AS SELECT * FROM clusters")
    con.execute(f"UPDATE chained SET cluster_id = '{a}' WHERE cluster_id = '{b}'")
    report = split_chained_clusters(con, model, "chained", linked_run.config.linkage.threshold)
    after = dict(con.execute("SELECT record_id, cluster_id FROM chained").fetchall())
    assert report["clusters_split"] >= 1
    assert after == before, "the split gives back the two works, every other cluster unchanged"
    sizes = con.execute("SELECT count(*) = max(cluster_size) FROM chained GROUP BY cluster_id").fetchall()
    assert all(ok for (ok,) in sizes)


def test_refinement_is_reported_and_can_be_turned_off(linked_run):
    assert set(linked_run.report["cluster_refinement"]) >= {"clusters_checked", "clusters_split", "clusters_too_big"}
    con = linked_run.con
    model = json.loads(linked_run.model_path.read_text())
    con.execute("CREATE OR REPLACE TABLE untouched AS SELECT * FROM clusters")
    report = split_chained_clusters(con, model, "untouched", linked_run.config.linkage.threshold, max_size=2)
    assert report["clusters_checked"] == 0  # no cluster of 3 .. 2 records


def test_cliques_of_scored_pairs_are_not_scored_again(linked_run):
    """Given the scored pairs, clusters whose every pair is a link above the threshold are
    skipped (they cannot split); a chained cluster is still split back, and the result is the
    same as scoring every cluster."""
    con = linked_run.con
    model = json.loads(linked_run.model_path.read_text())
    threshold = linked_run.config.linkage.threshold
    a, b = [r[0] for r in con.execute("""
        SELECT cluster_id FROM clusters WHERE cluster_size BETWEEN 2 AND 6
        GROUP BY cluster_id ORDER BY cluster_id LIMIT 2""").fetchall()]
    for table in ("every_cluster", "non_cliques"):
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM clusters")
        con.execute(f"UPDATE {table} SET cluster_id = '{a}' WHERE cluster_id = '{b}'")
    every = split_chained_clusters(con, model, "every_cluster", threshold)
    skipping = split_chained_clusters(con, model, "non_cliques", threshold, edges="predictions")
    assert skipping["clusters_split"] >= 1
    assert 1 <= skipping["clusters_checked"] < every["clusters_checked"]
    assert (con.execute("SELECT record_id, cluster_id FROM every_cluster ORDER BY 1").fetchall()
            == con.execute("SELECT record_id, cluster_id FROM non_cliques ORDER BY 1").fetchall())


def test_connected_components_are_splinks(linked_run):
    """paperlink's connected components (igraph over record numbers) give the clusters Splink's
    SQL connected components give on the same scored pairs, singletons left out."""
    from paperlink.clusters.cluster import connected_components

    con = linked_run.con
    threshold = linked_run.config.linkage.threshold
    ours = connected_components(con, "predictions", threshold)
    linker = linked_run.linker()
    sdf = linker.table_management.register_table_predict(linker._db_api.register("predictions"))
    splinks = linker.clustering.cluster_pairwise_predictions_at_threshold(sdf, threshold_match_probability=threshold)

    def groups(table: str) -> set[tuple[str, ...]]:
        return {tuple(ids) for (ids,) in con.execute(
            f"SELECT list(unique_id ORDER BY unique_id) FROM {table} GROUP BY cluster_id HAVING count(*) > 1").fetchall()}

    assert groups(ours) == groups(splinks.physical_name)
    assert len(groups(ours)) > 20
    assert con.execute(f"SELECT count(*) FROM {ours} WHERE cluster_id > unique_id").fetchall()[0][0] == 0


def test_predictions_keep_gammas_but_not_compared_values(linked_run):
    """With the default settings (retain_matching_columns off) the run's scored pairs carry each
    comparison's gamma and weight but no compared values, and score exactly as Splink does with
    the values kept (the inspection linker, ``job.linker()``)."""
    con = linked_run.con
    cols = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'predictions'").fetchall()}
    assert {"gamma_title", "mw_title", "gamma_authors", "match_weight"} <= cols
    assert not {"title_norm_l", "author_surnames_r", "title_keys_l"} & cols
    wide = linked_run.linker().inference.predict(threshold_match_probability=linked_run.config.linkage.predict_threshold)
    assert "title_norm_l" in {r[0] for r in con.execute(
        f"SELECT column_name FROM information_schema.columns WHERE table_name = '{wide.physical_name}'").fetchall()}
    pick = "unique_id_l, unique_id_r, round(match_weight, 9), gamma_title, gamma_authors, gamma_year, mw_venue"
    narrow_rows = con.execute(f"SELECT {pick} FROM predictions ORDER BY 1, 2").fetchall()
    assert len(narrow_rows) > 100
    assert narrow_rows == con.execute(f"SELECT {pick} FROM {wide.physical_name} ORDER BY 1, 2").fetchall()
