"""Clerical decisions in clustering: a *match* decision is a must-link, a *non-match* a cannot-link.

Decisions live in the ``labels`` table (``paperlink review import``); ``unsure`` ones are ignored
here.  The rule, applied by :func:`paperlink.clusters.cluster.cluster_predictions` in full runs
and by ``paperlink link-new``:

1. **Before clustering** the scored pairs are adjusted (:func:`constrained_edges`): a pair decided
   *match* gets match probability 1 (it is added if the model never scored it), a pair decided
   *non-match* is removed.  So the job's clustering (connected components, or single best links
   for duplicate-free sources) already prefers the reviewer's links.
2. **After clustering** (:func:`enforce_decisions`):

   a. *must-link*: two clusters holding the two records of a match decision are merged (this can
      be needed with single best links, e.g. two match decisions into one duplicate-free source);
   b. *cannot-link*: a cluster that still holds both records of a non-match decision (they were
      connected through other records) is rebuilt from its own edges at the threshold, strongest
      first, match decisions first: an edge is skipped when it would put the two records of a
      non-match decision into one cluster, or (for duplicate-free sources) two records of one
      such source, unless a match decision joins them.  The skipped edges are the weakest links
      on the paths between the two records: the cut.

``paperlink review import`` refuses contradictory decisions (also through chains of matches), so
both kinds of constraint can always be met.  Should a hand-edited ``labels`` table contain a
non-match pair inside a group of match decisions, the match decisions win and the pair is
reported as unsatisfiable.  Cluster ids stay the smallest ``record_id`` of each cluster.
"""

from __future__ import annotations

import duckdb

LABELS = "labels"
EDGES = "_pl_constrained_edges"
MUST_LINK_WEIGHT = 64.0  # match weight shown for a must-link edge (probability 1)


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchall()[0][0])


def decisions(con: duckdb.DuckDBPyConnection, nodes: str = "records") -> list[tuple[str, str, str]]:
    """(a, b, decision) of every match / non-match decision whose two records are in ``nodes``."""
    if not _table_exists(con, LABELS):
        return []
    return con.execute(f"""
        SELECT l.record_id_l, l.record_id_r, l.decision FROM {LABELS} l
        SEMI JOIN {nodes} x ON x.record_id = l.record_id_l
        SEMI JOIN {nodes} y ON y.record_id = l.record_id_r
        WHERE l.decision IN ('match', 'non-match') ORDER BY 1, 2""").fetchall()


def constrained_edges(con: duckdb.DuckDBPyConnection, predictions: str, nodes: str = "records") -> str | None:
    """A temp table of ``predictions`` with the decisions applied (step 1), or None without decisions."""
    if not decisions(con, nodes):
        return None
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _pl_decisions AS
        SELECT l.record_id_l AS a, l.record_id_r AS b, l.decision, x.source AS source_a, y.source AS source_b
        FROM {LABELS} l JOIN {nodes} x ON x.record_id = l.record_id_l JOIN {nodes} y ON y.record_id = l.record_id_r
        WHERE l.decision IN ('match', 'non-match')""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {EDGES} AS
        SELECT p.* REPLACE (
                CASE WHEN d.decision = 'match' THEN 1.0 ELSE p.match_probability END AS match_probability,
                CASE WHEN d.decision = 'match' THEN greatest(p.match_weight, {MUST_LINK_WEIGHT}) ELSE p.match_weight END AS match_weight)
        FROM {predictions} p LEFT JOIN _pl_decisions d
            ON d.a = least(p.unique_id_l, p.unique_id_r) AND d.b = greatest(p.unique_id_l, p.unique_id_r)
        WHERE d.decision IS DISTINCT FROM 'non-match'""")
    cols = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [EDGES]).fetchall()}
    extra = ", source_a AS source_dataset_l, source_b AS source_dataset_r" if "source_dataset_l" in cols else ""
    con.execute(f"""
        INSERT INTO {EDGES} BY NAME
        SELECT a AS unique_id_l, b AS unique_id_r, 1.0 AS match_probability,
               {MUST_LINK_WEIGHT} AS match_weight {extra}
        FROM _pl_decisions d WHERE decision = 'match' AND NOT EXISTS (
            SELECT 1 FROM {predictions} p
            WHERE least(p.unique_id_l, p.unique_id_r) = d.a AND greatest(p.unique_id_l, p.unique_id_r) = d.b)""")
    return EDGES


class _UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> str:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra
        return ra


def split_with_constraints(members: dict[str, str], edges: list[tuple[str, str, float]],
                           must: set[tuple[str, str]], cannot: set[tuple[str, str]],
                           duplicate_free_sources: set[str]) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """Rebuild one cluster (step 2b).  ``members``: record_id -> source; ``edges`` (a, b, p) at the
    threshold; ``must``/``cannot`` pairs (a < b).  Returns the parts and the unsatisfiable
    cannot-link pairs."""
    uf = _UnionFind()
    for r in members:
        uf.find(r)
    sets = {r: {r} for r in members}  # root -> members
    banned: dict[str, set[str]] = {}
    for a, b in cannot:
        banned.setdefault(a, set()).add(b)
        banned.setdefault(b, set()).add(a)

    def conflict(ra: str, rb: str, forced: bool) -> bool:
        small, large = sorted((sets[ra], sets[rb]), key=len)
        if any(banned.get(x, set()) & large for x in small):
            return not forced
        if forced or not duplicate_free_sources:
            return False
        src_a = {members[x] for x in sets[ra]} & duplicate_free_sources
        return bool(src_a & {members[x] for x in sets[rb]})

    ordered = sorted(((a, b, 2.0) for a, b in must if a in members and b in members), key=lambda e: (e[0], e[1]))
    ordered += sorted(((a, b, p) for a, b, p in edges if (min(a, b), max(a, b)) not in must),
                      key=lambda e: (-e[2], min(e[0], e[1]), max(e[0], e[1])))
    for a, b, p in ordered:
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb or conflict(ra, rb, forced=p > 1.0):
            continue
        root = uf.union(ra, rb)
        other = rb if root == ra else ra
        sets[root] |= sets.pop(other)
    parts = sorted((sorted(s) for s in sets.values()), key=lambda s: s[0])
    unsatisfiable = sorted((a, b) for a, b in cannot if uf.find(a) == uf.find(b))
    return parts, unsatisfiable


def enforce_decisions(con: duckdb.DuckDBPyConnection, target: str, edges: str, threshold: float,
                      duplicate_free_sources: list[str], nodes: str = "records") -> dict:
    """Step 2 on the clusters table ``target`` (record_id, source, source_id, cluster_id, cluster_size)."""
    found = decisions(con, nodes)
    report = {"match_decisions": sum(d == "match" for _, _, d in found),
              "non_match_decisions": sum(d == "non-match" for _, _, d in found),
              "clusters_merged": 0, "clusters_split": 0, "unsatisfiable": []}
    if not found:
        return report
    involved = sorted({r for a, b, _ in found for r in (a, b)})
    cluster_of = dict(con.execute(
        f"SELECT record_id, cluster_id FROM {target} WHERE record_id IN (SELECT unnest(?::VARCHAR[]))",
        [involved]).fetchall())
    must = {(a, b) for a, b, d in found if d == "match" and a in cluster_of and b in cluster_of}
    cannot = {(a, b) for a, b, d in found if d == "non-match" and a in cluster_of and b in cluster_of}

    # a. must-link: merge clusters
    groups = _UnionFind()
    for a, b in must:
        if cluster_of[a] != cluster_of[b]:
            groups.union(cluster_of[a], cluster_of[b])
    merged = {c: groups.find(c) for c in list(groups.parent)}
    report["clusters_merged"] = len(merged) - len(set(merged.values()))
    group_of = lambda r: merged.get(cluster_of[r], cluster_of[r])  # noqa: E731

    # b. cannot-link: rebuild groups that hold a non-match pair
    to_split: dict[str, set[tuple[str, str]]] = {}
    for a, b in cannot:
        if group_of(a) == group_of(b):
            to_split.setdefault(group_of(a), set()).add((a, b))
    relabel: list[tuple[str, str]] = []  # (record_id, group key)
    split_groups = set(to_split)
    for cid, root in merged.items():
        if root not in split_groups:
            relabel.append((cid, root))  # whole clusters, expanded in SQL below
    con.execute("CREATE OR REPLACE TEMP TABLE _pl_relabel (record_id VARCHAR, grp VARCHAR)")
    if relabel:
        con.execute(f"""INSERT INTO _pl_relabel SELECT t.record_id, m.grp FROM {target} t
            JOIN (SELECT unnest(?::VARCHAR[]) AS cid, unnest(?::VARCHAR[]) AS grp) m ON t.cluster_id = m.cid""",
                    [[c for c, _ in relabel], [g for _, g in relabel]])
    dup_free = set(duplicate_free_sources)
    for root, pairs in sorted(to_split.items()):
        cids = [c for c, r in merged.items() if r == root] or [root]
        members = dict(con.execute(
            f"SELECT record_id, source FROM {target} WHERE cluster_id IN (SELECT unnest(?::VARCHAR[]))",
            [cids]).fetchall())
        con.execute("CREATE OR REPLACE TEMP TABLE _pl_members AS SELECT unnest(?::VARCHAR[]) AS record_id",
                    [list(members)])
        edge_rows = con.execute(f"""
            SELECT unique_id_l, unique_id_r, match_probability FROM {edges}
            WHERE match_probability >= ? AND unique_id_l IN (SELECT record_id FROM _pl_members)
              AND unique_id_r IN (SELECT record_id FROM _pl_members)""", [threshold]).fetchall()
        group_must = {(a, b) for a, b in must if a in members and b in members}
        group_cannot = {(a, b) for a, b in cannot if a in members and b in members}
        parts, unsat = split_with_constraints(members, edge_rows, group_must, group_cannot, dup_free)
        report["unsatisfiable"] += [list(p) for p in unsat]
        if len(parts) > 1:
            report["clusters_split"] += 1
        rows = [(r, f"{root}\x00{i}") for i, part in enumerate(parts) for r in part]
        con.execute("INSERT INTO _pl_relabel SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
                    [[r for r, _ in rows], [g for _, g in rows]])
    if con.execute("SELECT count(*) FROM _pl_relabel").fetchall()[0][0]:
        con.execute(f"""
            UPDATE {target} SET cluster_id = x.new_id FROM (
                SELECT record_id, min(record_id) OVER (PARTITION BY grp) AS new_id FROM _pl_relabel) x
            WHERE {target}.record_id = x.record_id""")
        con.execute(f"""CREATE OR REPLACE TABLE {target} AS
            SELECT * REPLACE (count(*) OVER (PARTITION BY cluster_id) AS cluster_size) FROM {target}
            ORDER BY cluster_id, record_id""")
    con.execute("DROP TABLE IF EXISTS _pl_relabel")
    return report
