"""Split clusters that connected components chained together.

Connected components put two records in one work when *any* path of links above the threshold
joins them: a preprint without a year links to both a 1989 conference paper and its 1991
journal successor, and the two papers become one work.  Refinement looks at every pair inside
each cluster (scored by the same model: pairs that blocking never produced too) and re-builds
the cluster by greedy additive edge contraction, the standard heuristic for correlation
clustering: start from single records and repeatedly join the two groups whose pairs have the
largest positive sum of ``match_weight - logit2(threshold)`` (evidence beyond the threshold, in
bits); stop when no join has a positive sum.  Records that share a DOI, arXiv id or PMID are
joined first and stay together (a preprint retitled before publication is tied to its journal
version by the record that carries both ids).  A cluster with no pair below the threshold is
left as it is; a pair the model cannot compare (two records of one source in a ``link_only``
job) counts 0.  Clusters only split, so single-best-link and clerical constraints still hold
(clerical decisions are enforced afterwards, :mod:`paperlink.clusters.constraints`).

Clusters larger than ``max_size`` records are left as they are (their pairs are not scored;
the number is reported).  Given the scored pairs the clusters were made from (``edges``), a
cluster whose every pair is among them at or above the threshold (a clique, most works) is
not scored again: all its pairs are positive, so it cannot split.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict

import duckdb

from paperlink.model.linker import make_linker

CLUSTER_COLUMN = "pl_refine_cluster"
MUST_LINK = "l.doi = r.doi OR l.arxiv_id = r.arxiv_id OR l.pmid = r.pmid"  # over features columns


def split_chained_clusters(con: duckdb.DuckDBPyConnection, model: dict, target: str, threshold: float,
                           features: str = "features", max_size: int = 2000, edges: str | None = None) -> dict:
    """Refine the clusters of ``target`` (record_id, ..., cluster_id) in place; returns counts.
    ``edges``: the scored pairs (unique_id_l, unique_id_r, match_probability) the clusters were
    made from; clusters that are cliques of them are skipped (they cannot split)."""
    sized = f"SELECT cluster_id, count(*) AS n FROM {target} GROUP BY 1 HAVING count(*) BETWEEN 3 AND {max_size}"
    links = "SELECT NULL AS cluster_id, 0 AS links WHERE false"
    if edges:  # links above the threshold inside each cluster: n (n - 1) / 2 of them make a clique
        links = f"""SELECT l.cluster_id, count(*) AS links FROM {edges} e
            JOIN {target} l ON l.record_id = e.unique_id_l JOIN {target} r ON r.record_id = e.unique_id_r
            WHERE l.cluster_id = r.cluster_id AND e.match_probability >= {threshold} GROUP BY 1"""
    candidates = f"""SELECT cluster_id FROM ({sized}) LEFT JOIN ({links}) USING (cluster_id)
        WHERE coalesce(links, 0) < n * (n - 1) // 2"""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _pl_refine_features AS
        SELECT f.*, c.cluster_id AS {CLUSTER_COLUMN} FROM {features} f
        JOIN (SELECT record_id, cluster_id FROM {target}) c ON c.record_id = f.unique_id
        WHERE c.cluster_id IN ({candidates})""")
    too_big = con.execute(
        f"SELECT count(*) FROM (SELECT cluster_id FROM {target} GROUP BY 1 HAVING count(*) > {max_size})").fetchall()[0][0]
    report = {"clusters_checked": 0, "clusters_split": 0, "clusters_added": 0, "clusters_too_big": too_big}
    if not con.execute("SELECT count(*) FROM _pl_refine_features").fetchall()[0][0]:
        con.execute("DROP TABLE _pl_refine_features")
        return report
    settings = dict(model, blocking_rules_to_generate_predictions=[f"l.{CLUSTER_COLUMN} = r.{CLUSTER_COLUMN}"],
                    retain_matching_columns=False, retain_intermediate_calculation_columns=False,
                    additional_columns_to_retain=[CLUSTER_COLUMN])  # only the weights and the cluster are read
    linker = make_linker(con, settings, "_pl_refine_features")
    pairs = linker.inference.predict()
    offset = math.log2(threshold / (1 - threshold))
    # only clusters with a pair below the threshold can change
    rows = con.execute(f"""
        WITH p AS (SELECT {CLUSTER_COLUMN}_l AS cluster_id, unique_id_l AS a, unique_id_r AS b,
                          match_weight - {offset} AS w FROM {pairs.physical_name})
        SELECT p.cluster_id, p.a, p.b, p.w, coalesce({MUST_LINK}, false) FROM p
        JOIN _pl_refine_features l ON l.unique_id = p.a JOIN _pl_refine_features r ON r.unique_id = p.b
        WHERE p.cluster_id IN (SELECT cluster_id FROM p GROUP BY 1 HAVING min(w) < 0)
        ORDER BY p.cluster_id, p.a, p.b""").fetchall()
    report["clusters_checked"] = con.execute(
        f"SELECT count(DISTINCT {CLUSTER_COLUMN}) FROM _pl_refine_features").fetchall()[0][0]
    pairs.drop_table_from_database_and_remove_from_cache()
    con.execute("DROP TABLE _pl_refine_features")

    by_cluster: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    must: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for cluster_id, a, b, w, same_id in rows:
        by_cluster[cluster_id].append((a, b, w))
        if same_id:
            must[cluster_id].append((a, b))
    moved: list[tuple[str, str]] = []  # (record_id, new cluster key) of the records that left their cluster
    for cluster_id, edges in by_cluster.items():
        parts = additive_edge_contraction(edges, must[cluster_id])
        if len(parts) == 1:
            continue
        report["clusters_split"] += 1
        report["clusters_added"] += len(parts) - 1
        for part in parts:
            key = min(part)
            moved += [(r, key) for r in part]
    if moved:
        con.execute("""CREATE OR REPLACE TEMP TABLE _pl_refined AS
            SELECT unnest(?::VARCHAR[]) AS record_id, unnest(?::VARCHAR[]) AS part""",
                    [[m[0] for m in moved], [m[1] for m in moved]])
        con.execute(f"""CREATE OR REPLACE TABLE {target} AS
            WITH c AS (SELECT t.* EXCLUDE (cluster_id, cluster_size),
                              min(t.record_id) OVER (PARTITION BY coalesce(p.part, t.cluster_id)) AS cluster_id
                       FROM {target} t LEFT JOIN _pl_refined p USING (record_id))
            SELECT *, count(*) OVER (PARTITION BY cluster_id) AS cluster_size FROM c
            ORDER BY cluster_id, record_id""")
        con.execute("DROP TABLE _pl_refined")
    return report


def additive_edge_contraction(edges: list[tuple[str, str, float]],
                              must_link: list[tuple[str, str]] = ()) -> list[list[str]]:
    """Partition of the records in ``edges`` ((a, b, weight) with weights as evidence for a
    match, positive or negative): the ``must_link`` pairs are joined first, then greedily the
    two groups with the largest positive total weight between them until none is positive.
    Deterministic (ties by record id)."""
    adjacency: dict[str, dict[str, float]] = defaultdict(dict)
    for a, b, w in edges:
        adjacency[a][b] = adjacency[a].get(b, 0.0) + w
        adjacency[b][a] = adjacency[b].get(a, 0.0) + w
    members = {node: [node] for node in adjacency}
    group = {node: node for node in adjacency}  # record -> its group's key

    def join(a: str, b: str) -> str:
        keep, gone = (a, b) if a < b else (b, a)
        for r in members[gone]:
            group[r] = keep
        members[keep] += members.pop(gone)
        for other, w in adjacency.pop(gone).items():
            del adjacency[other][gone]
            if other != keep:
                total = adjacency[keep].get(other, 0.0) + w
                adjacency[keep][other] = adjacency[other][keep] = total
        return keep

    for a, b in must_link:
        if a in group and b in group and group[a] != group[b]:
            join(group[a], group[b])
    heap = [(-w, a, b) for a, nbrs in adjacency.items() for b, w in nbrs.items() if a < b and w > 0]
    heapq.heapify(heap)
    while heap:
        neg_w, a, b = heapq.heappop(heap)
        if a not in members or b not in members or adjacency[a].get(b) != -neg_w:
            continue  # stale: a group was merged away or the weight between them changed
        keep = join(a, b)
        for other, w in adjacency[keep].items():
            if w > 0:
                heapq.heappush(heap, (-w, min(keep, other), max(keep, other)))
    return sorted((sorted(m) for m in members.values()), key=lambda m: m[0])
