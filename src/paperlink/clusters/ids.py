"""Stable cluster ids across runs, and the ``cluster_id_changes`` table that maps old ids to new.

A full run names each cluster after its smallest ``record_id``.  Runs that change existing
clusters (``paperlink link-new``) keep the old names where they can:

- a cluster that only **gains** records keeps its id (even when a new record has a smaller
  ``record_id``);
- **merge**: the merged cluster keeps the id of the largest old cluster in it (most records;
  ties: the smallest id); each other old id is retired, with a ``merged`` row old -> new;
- **split**: the id stays with the part holding most of the old cluster's records (ties: the
  part holding the record the id is named after, then the part with the smallest record_id);
  every other part gets a new id, with a ``split`` row old -> new;
- a new id is the part's smallest ``record_id`` that is not, and never was, a cluster id
  (``<record_id>~2``, ``~3``, ... if all are taken), so an id never names two different clusters.

``cluster_id_changes(changed_at, run, old_cluster_id, new_cluster_id, change, records)``:
``records`` is how many of the old cluster's records are now in the new one.  Rows are only
appended; an id that does not appear as ``old_cluster_id`` was never retired or split.
"""

from __future__ import annotations

from collections import Counter

import duckdb

CHANGES = "cluster_id_changes"


def ensure_changes_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"""CREATE TABLE IF NOT EXISTS {CHANGES} (changed_at TIMESTAMP, run VARCHAR,
        old_cluster_id VARCHAR, new_cluster_id VARCHAR, change VARCHAR, records BIGINT)""")


def assign_stable_ids(old: dict[str, str], parts: list[list[str]], used: set[str]) -> tuple[list[str], list[dict]]:
    """Ids for the new ``parts`` (lists of record_ids) given each record's ``old`` cluster id
    (records absent from ``old`` are new).  ``used``: ids in use elsewhere or ever retired.
    Returns one id per part and the change rows (old, new, change, records)."""
    overlap: dict[str, Counter] = {}  # old id -> part index -> records
    for i, part in enumerate(parts):
        for r in part:
            if r in old:
                overlap.setdefault(old[r], Counter())[i] += 1
    mins = [min(p) for p in parts]
    member = [set(p) for p in parts]
    winner: dict[str, int] = {}
    for oid, counts in overlap.items():
        # most of the old cluster's records; ties: the part holding the namesake record, then the smallest record_id
        winner[oid] = min(counts, key=lambda i: (-counts[i], oid not in member[i], mins[i]))
    claims: dict[int, list[str]] = {}
    for oid, i in winner.items():
        claims.setdefault(i, []).append(oid)
    ids: list[str | None] = [None] * len(parts)
    retired: dict[str, int] = {}
    for i, oids in claims.items():
        size = {o: sum(overlap[o].values()) for o in oids}
        keep = min(oids, key=lambda o: (-size[o], o))
        ids[i] = keep
        for o in oids:
            if o != keep:
                retired[o] = i
    taken = set(used) | set(winner) | {i for i in ids if i}
    for i, part in enumerate(parts):
        if ids[i] is None:
            ids[i] = _fresh(sorted(part), taken)
            taken.add(ids[i])
    changes = []
    for oid, counts in sorted(overlap.items()):
        for i, n in sorted(counts.items()):
            if ids[i] == oid:
                continue
            kind = "merged" if retired.get(oid) == i else "split"
            changes.append({"old_cluster_id": oid, "new_cluster_id": ids[i], "change": kind, "records": n})
    return ids, changes  # type: ignore[return-value]


def _fresh(members: list[str], taken: set[str]) -> str:
    for r in members:
        if r not in taken:
            return r
    k = 2
    while f"{members[0]}~{k}" in taken:
        k += 1
    return f"{members[0]}~{k}"


def used_ids(con: duckdb.DuckDBPyConnection, clusters: str = "clusters") -> set[str]:
    """Every id now in ``clusters`` or ever named in ``cluster_id_changes``."""
    ensure_changes_table(con)
    return {r[0] for r in con.execute(f"""SELECT DISTINCT cluster_id FROM {clusters}
        UNION SELECT old_cluster_id FROM {CHANGES} UNION SELECT new_cluster_id FROM {CHANGES}""").fetchall()}


def record_changes(con: duckdb.DuckDBPyConnection, changes: list[dict], run: str) -> None:
    ensure_changes_table(con)
    if changes:
        con.execute(f"""INSERT INTO {CHANGES} SELECT now(), ?, unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
            unnest(?::VARCHAR[]), unnest(?::BIGINT[])""",
                    [run, [c["old_cluster_id"] for c in changes], [c["new_cluster_id"] for c in changes],
                     [c["change"] for c in changes], [c["records"] for c in changes]])


def carry_over_ids(con: duckdb.DuckDBPyConnection, previous: str, target: str, run: str) -> dict:
    """Rename the clusters of a full clustering (``target``, ids = smallest record_id) by the rules
    above against the ``previous`` clusters (record_id, cluster_id); records both
    tables hold count as old.  Unchanged clusters (same members, no new ones) keep their id
    without further work; the rest go through :func:`assign_stable_ids`."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _pl_carry AS
        SELECT t.record_id, t.cluster_id AS new_key, p.cluster_id AS old_id
        FROM {target} t LEFT JOIN {previous} p USING (record_id)""")
    # a new cluster is simple if all its records come from one old cluster that maps only to it
    con.execute("""CREATE OR REPLACE TEMP TABLE _pl_simple AS
        WITH k AS (SELECT new_key, count(DISTINCT old_id) AS n_old, count(*) FILTER (WHERE old_id IS NULL) AS n_new,
                          min(old_id) AS old_id FROM _pl_carry GROUP BY new_key),
             o AS (SELECT old_id, count(DISTINCT new_key) AS n_keys FROM _pl_carry WHERE old_id IS NOT NULL GROUP BY old_id),
             full_old AS (SELECT p.cluster_id AS old_id, count(*) AS n FROM _pl_previous_present p GROUP BY 1),
             now_old AS (SELECT old_id, count(*) AS n FROM _pl_carry WHERE old_id IS NOT NULL GROUP BY 1)
        SELECT k.new_key, k.old_id FROM k JOIN o USING (old_id) JOIN full_old f USING (old_id) JOIN now_old n USING (old_id)
        WHERE k.n_old = 1 AND k.n_new = 0 AND o.n_keys = 1 AND f.n = n.n""".replace(
        "_pl_previous_present", f"(SELECT * FROM {previous} SEMI JOIN {target} USING (record_id))"))
    simple = dict(con.execute("SELECT new_key, old_id FROM _pl_simple").fetchall())
    rows = con.execute("""SELECT record_id, new_key, old_id FROM _pl_carry ANTI JOIN _pl_simple USING (new_key)
        ORDER BY new_key, record_id""").fetchall()
    old = {r: o for r, _, o in rows if o is not None}
    parts_by_key: dict[str, list[str]] = {}
    for r, k, _ in rows:
        parts_by_key.setdefault(k, []).append(r)
    keys = sorted(parts_by_key, key=lambda k: parts_by_key[k][0])
    ensure_changes_table(con)
    used = set(simple.values()) | {r[0] for r in con.execute(
        f"SELECT old_cluster_id FROM {CHANGES} UNION SELECT new_cluster_id FROM {CHANGES}").fetchall()}
    ids, changes = assign_stable_ids(old, [parts_by_key[k] for k in keys], used)
    mapping = {**simple, **dict(zip(keys, ids))}
    renamed = {k: v for k, v in mapping.items() if k != v}
    if renamed:
        con.execute("CREATE OR REPLACE TEMP TABLE _pl_rename AS SELECT unnest(?::VARCHAR[]) AS k, unnest(?::VARCHAR[]) AS v",
                    [list(renamed), list(renamed.values())])
        con.execute(f"UPDATE {target} SET cluster_id = r.v FROM _pl_rename r WHERE {target}.cluster_id = r.k")
        con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {target} ORDER BY cluster_id, record_id")
    record_changes(con, changes, run)
    for t in ("_pl_carry", "_pl_simple", "_pl_rename"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return {"clusters_renamed": len(renamed), "merged": sum(c["change"] == "merged" for c in changes),
            "split": sum(c["change"] == "split" for c in changes)}


PREVIOUS = "_pl_previous_clusters"


def keep_ids_before_clustering(con: duckdb.DuckDBPyConnection) -> bool:
    """Before a full clustering: if the run's ids are already stable ids (``paperlink link-new``
    extended it, so ``cluster_id_changes`` exists), snapshot the clusters so that
    :func:`carry_over_ids` can keep them; a run never extended keeps the smallest-record_id rule."""
    have = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name IN ('clusters', ?)", [CHANGES]).fetchall()}
    if have != {"clusters", CHANGES}:
        return False
    con.execute(f"CREATE OR REPLACE TEMP TABLE {PREVIOUS} AS SELECT record_id, cluster_id FROM clusters")
    return True
