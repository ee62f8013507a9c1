"""Clusters from scored pairs.

Connected components at the threshold chain unrelated works together through one bad link
when a source has many look-alike records.  Where sources are known to be duplicate-free
(``linkage.duplicate_free_sources``), Splink's single-best-link clustering is used instead: a
record links to at most one record of each duplicate-free source (its best match), so one
wrong edge cannot pull a second record of that source into the cluster.

Clerical decisions (table ``labels``, ``paperlink review import``) are honoured: a match decision
is a must-link, a non-match decision a cannot-link (the rule: :mod:`paperlink.clusters.constraints`).

Connected components are found by igraph over integer record numbers (one pass in C); Splink's
SQL implementation iterates joins on the string ids and took most of the clustering time at 1M
records.  The components are the same.

Cluster ids are deterministic: the smallest ``record_id`` in the cluster.
"""

from __future__ import annotations

import duckdb
import igraph
import numpy as np
import pyarrow as pa
from splink import Linker

from paperlink.clusters.constraints import constrained_edges, enforce_decisions
from paperlink.clusters.refine import split_chained_clusters


def cluster_predictions(
    linker: Linker,
    con: duckdb.DuckDBPyConnection,
    threshold: float,
    duplicate_free_sources: list[str],
    predictions: str = "predictions",
    target: str = "clusters",
    records: str = "records",
    report: dict | None = None,
    clusterer=None,
    features: str = "features",
    refine_max_size: int | None = 2000,
    refinement: dict | None = None,
) -> int:
    """Create ``target`` (record_id, source, source_id, cluster_id, cluster_size) for the records in
    ``records``; returns #clusters.  ``report`` receives what the clerical decisions changed.
    ``clusterer(edges_table) -> table`` replaces Splink-on-DuckDB clustering (the Spark backend:
    the table it returns, in ``con``, has ``unique_id`` and ``cluster_id``).  With
    ``refine_max_size`` (None: off), chained clusters of up to that many records are split
    (:mod:`paperlink.clusters.refine`, scoring their pairs over ``features``; ``refinement``
    receives its counts)."""
    edges = constrained_edges(con, predictions, records) or predictions
    if clusterer is not None:
        clustered_table = clusterer(edges)
    elif duplicate_free_sources:
        sdf = linker.table_management.register_table_predict(linker._db_api.register(edges))
        clustered_table = linker.clustering.cluster_using_single_best_links(
            sdf, duplicate_free_datasets=duplicate_free_sources, threshold_match_probability=threshold
        ).physical_name
    else:
        clustered_table = connected_components(con, edges, threshold, records)
    con.execute(f"""
        CREATE OR REPLACE TABLE {target} AS
        WITH c AS (
            SELECT r.record_id, r.source, r.source_id,
                   min(r.record_id) OVER (PARTITION BY coalesce(s.cluster_id, r.record_id)) AS cluster_id
            FROM {records} r LEFT JOIN {clustered_table} s ON s.unique_id = r.record_id
        )
        SELECT *, count(*) OVER (PARTITION BY cluster_id) AS cluster_size FROM c
        ORDER BY cluster_id, record_id
    """)
    if refine_max_size:
        refined = split_chained_clusters(con, linker.misc.save_model_to_json(None), target, threshold,
                                         features=features, max_size=refine_max_size, edges=edges)
        if refinement is not None:
            refinement.update(refined)
    if edges != predictions:
        changes = enforce_decisions(con, target, edges, threshold, duplicate_free_sources, records)
        if report is not None:
            report.update(changes)
    return con.execute(f"SELECT count(DISTINCT cluster_id) FROM {target}").fetchall()[0][0]


def connected_components(con: duckdb.DuckDBPyConnection, edges: str, threshold: float, records: str = "records",
                         target: str = "_pl_components") -> str:
    """A temp table ``target`` (unique_id, cluster_id) of every record of ``records`` linked to another
    by a pair of ``edges`` at or above ``threshold``; cluster_id is its component's smallest id."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _pl_cc_nodes AS
        SELECT record_id AS id, (row_number() OVER () - 1)::BIGINT AS k FROM {records}""")
    pairs = con.execute(f"""
        SELECT a.k AS a, b.k AS b FROM {edges} e
        JOIN _pl_cc_nodes a ON a.id = e.unique_id_l JOIN _pl_cc_nodes b ON b.id = e.unique_id_r
        WHERE e.match_probability >= {float(threshold)}""").fetchnumpy()
    nodes = con.execute("SELECT count(*) FROM _pl_cc_nodes").fetchall()[0][0]
    graph = igraph.Graph(n=nodes, edges=np.column_stack([pairs["a"], pairs["b"]]))
    component = np.asarray(graph.connected_components().membership, dtype=np.int64)
    linked = np.flatnonzero(np.bincount(component)[component] > 1)
    con.register("_pl_cc_membership", pa.table({"k": linked, "component": component[linked]}))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {target} AS
        SELECT n.id AS unique_id, min(n.id) OVER (PARTITION BY m.component) AS cluster_id
        FROM _pl_cc_membership m JOIN _pl_cc_nodes n USING (k)""")
    con.unregister("_pl_cc_membership")
    con.execute("DROP TABLE _pl_cc_nodes")
    return target
