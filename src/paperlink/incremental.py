"""Incremental linking: new records join an existing run with the saved model, without retraining.

``paperlink link-new --sources NEW`` (:func:`link_new`):

1. **load** the new files into a scratch database with the job's loaders (same canonical
   records, same rejections); records whose ``record_id`` the run already holds are skipped
   (``already_present``), the rest are appended to ``records`` (``load_counts`` and
   ``rejected_records`` are updated, so the accounting of ``paperlink export`` still holds);
2. **features** of the new records are computed over the union of old and new records (the
   corpus statistics -- title word IDF, blocking keys, title frequencies -- are those a full run
   on the union would use) and appended to ``features``; the old records' features are kept;
3. **score** with the saved ``model.json``: Splink's ``predict_between`` (existing x new) and
   ``predict_within`` (new x new), with the model's blocking rules and link type; the pairs are
   appended to ``predictions``;
4. **cluster the neighbourhood**: the existing clusters that a new pair at the threshold reaches,
   plus the new records, are clustered again with all their pairs, by the job's rule (connected
   components, or single best links for duplicate-free sources) and the clerical decisions
   (must-link / cannot-link).  So a new record joins the cluster it links to, or starts a new
   one; **a new record that links several existing clusters merges them** exactly when a full
   run's rule would (connected components: always; single best links: when its best links into
   the duplicate-free sources lie in different clusters), and a better match from a
   duplicate-free source can take a record's place (a split).  Clusters the new records do not
   reach are left as they are;
5. **ids** follow :mod:`paperlink.clusters.ids`: a cluster that only gains records keeps its id
   (even if a new record has a smaller ``record_id``); merges and splits are recorded in
   ``cluster_id_changes``;
6. **export**: ``clusters.parquet``, ``works.parquet``, ``pairs.parquet``,
   ``cluster_id_changes.parquet`` and ``link_new_report.json`` in the output directory (works are
   rebuilt for the changed clusters only).

A full rerun on the union (``paperlink run`` with the new files added to the job) retrains the
model and recomputes every feature and pair, so its partition can differ slightly from the
incremental one, and its ids are the smallest ``record_id`` of each cluster (a full run starts
afresh; ``cluster_id_changes`` belongs to incremental runs).  ``benchmarks/incremental/run.py``
measures both the time and the difference.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict
from pathlib import Path

import duckdb

from paperlink.clusters.cluster import cluster_predictions
from paperlink.clusters.ids import CHANGES, assign_stable_ids, ensure_changes_table, record_changes, used_ids
from paperlink.db import connect
from paperlink.exports.works import build_works, write_parquet, write_text_atomic
from paperlink.model.features import build_features
from paperlink.model.linker import make_linker, scoring
from paperlink.records.load import SourceSpec, load_sources


class IncrementalError(ValueError):
    """New sources that cannot be linked (no run to link into, unknown source); the message says why."""


# --------------------------------------------------------------------------- sources

def parse_sources(values: list[str], job_sources: list[SourceSpec], cwd: Path | None = None) -> list[SourceSpec]:
    """``--sources`` values: a job-like TOML file (its ``[[sources]]``), ``name=glob`` (the job's
    source ``name``: its format and columns; a new name: format auto) or a bare glob (the job's
    source whose format the first file has)."""
    from paperlink.config import ConfigError, load_job
    from paperlink.sources import detect_format

    cwd = cwd or Path.cwd()
    by_name = {s.name: s for s in job_sources}
    specs: list[SourceSpec] = []
    for value in values:
        if value.endswith(".toml"):
            path = Path(value) if Path(value).is_absolute() else cwd / value
            try:
                specs += load_job(path).sources
            except ConfigError as exc:
                raise IncrementalError(f"--sources {value}: {exc}") from None
            continue
        name, sep, pattern = value.partition("=")
        if not sep:
            name, pattern = "", value
        if name:
            base = by_name.get(name)
            specs.append(SourceSpec(name=name, paths=[pattern], format=base.format if base else "auto",
                                    columns=dict(base.columns) if base else {},
                                    encoding=base.encoding if base else "auto", base_dir=cwd))
            continue
        probe = SourceSpec(name="new", paths=[pattern], base_dir=cwd)
        files = probe.files()
        if not files:
            raise IncrementalError(f"--sources {value}: no file matches")
        fmt = detect_format(files[0]).name
        matches = [s for s in job_sources if s.format == fmt or (s.format == "auto" and s.name == fmt)]
        if len(matches) != 1:
            names = ", ".join(s.name for s in matches) or "none"
            raise IncrementalError(f"--sources {value}: {files[0].name} is {fmt}; job sources of that format: {names}; "
                                   "say which with NAME=PATH")
        base = matches[0]
        specs.append(SourceSpec(name=base.name, paths=[pattern], format=base.format, columns=dict(base.columns),
                                encoding=base.encoding, base_dir=cwd))
    merged: dict[str, SourceSpec] = {}
    for s in specs:  # one spec per source name (a source may be given several times)
        if s.name in merged:
            merged[s.name].paths += [str(Path(p) if Path(p).is_absolute() else s.base_dir / p) for p in s.paths]
        else:
            merged[s.name] = SourceSpec(name=s.name, format=s.format, columns=s.columns, encoding=s.encoding,
                                        paths=[str(Path(p) if Path(p).is_absolute() else s.base_dir / p) for p in s.paths])
    if not merged:
        raise IncrementalError("--sources: give at least one file or sources TOML")
    return list(merged.values())


# --------------------------------------------------------------------------- the steps

def _exists(con, table: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchall()[0][0])


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        [table]).fetchall()]


def _q(c: str) -> str:
    return '"' + c.replace('"', '""') + '"'


def load_new(con: duckdb.DuckDBPyConnection, specs: list[SourceSpec], on_file=None) -> dict:
    """Step 1: new canonical records into temp table ``_pl_new_records``; returns counts."""
    scratch = connect(":memory:")
    try:
        counts = load_sources(scratch, specs, on_file)
        new = scratch.sql("SELECT * FROM records ORDER BY source, file, position").to_arrow_table()
        rejected = scratch.sql("SELECT * FROM rejected_records").to_arrow_table()
    finally:
        scratch.close()
    con.register("_pl_new_arrow", new)
    con.register("_pl_rejected_arrow", rejected)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _pl_loaded AS SELECT {', '.join(_columns(con, 'records'))} FROM _pl_new_arrow")
    con.execute("CREATE OR REPLACE TEMP TABLE _pl_new_records AS SELECT * FROM _pl_loaded ANTI JOIN records USING (record_id)")
    con.execute("CREATE OR REPLACE TEMP TABLE _pl_new_rejected AS SELECT * FROM _pl_rejected_arrow")
    con.unregister("_pl_new_arrow")
    con.unregister("_pl_rejected_arrow")
    present = dict(con.execute("""SELECT source, count(*) FROM _pl_loaded SEMI JOIN records USING (record_id)
        GROUP BY source""").fetchall())
    out = {}
    for name, c in counts.items():
        out[name] = {**asdict(c), "already_present": present.get(name, 0),
                     "new": c.loaded - present.get(name, 0)}
    return out


def commit_records(con: duckdb.DuckDBPyConnection, counts: dict) -> None:
    """Append the new records, their rejections and counts to the run's tables (the caller holds
    the transaction)."""
    con.execute("INSERT INTO records SELECT * FROM _pl_new_records")
    con.execute("INSERT INTO rejected_records SELECT * FROM _pl_new_rejected")
    con.execute("""CREATE TABLE IF NOT EXISTS load_counts (source VARCHAR, files INTEGER, input BIGINT,
        loaded BIGINT, rejected BIGINT, skipped BIGINT)""")
    for name, c in counts.items():
        # records already in the run count as input that is neither newly loaded nor rejected: drop them
        row = [c["files"], c["input"] - c["already_present"], c["new"], c["rejected"], c["skipped"]]
        if con.execute("SELECT count(*) FROM load_counts WHERE source = ?", [name]).fetchall()[0][0]:
            con.execute("""UPDATE load_counts SET files = files + ?, input = input + ?, loaded = loaded + ?,
                rejected = rejected + ?, skipped = skipped + ? WHERE source = ?""", row + [name])
        else:
            con.execute("INSERT INTO load_counts VALUES (?, ?, ?, ?, ?, ?)", [name] + row)


class _transaction:
    def __init__(self, con):
        self.con = con

    def __enter__(self):
        self.con.execute("BEGIN TRANSACTION")

    def __exit__(self, exc_type, exc, tb):
        self.con.execute("COMMIT" if exc_type is None else "ROLLBACK")
        return False


def new_features(con: duckdb.DuckDBPyConnection) -> int:
    """Step 2: ``_pl_new_features`` for the new records, with the union's corpus statistics."""
    con.execute("""CREATE OR REPLACE TEMP TABLE _pl_union_records AS
        SELECT * FROM records ANTI JOIN _pl_new_records USING (record_id) UNION ALL SELECT * FROM _pl_new_records""")
    build_features(con, "_pl_union_records", "_pl_union_features")
    cols = ", ".join(_q(c) for c in _columns(con, "features"))
    con.execute(f"""CREATE OR REPLACE TABLE _pl_new_features AS SELECT {cols} FROM _pl_union_features
        SEMI JOIN _pl_new_records r ON r.record_id = _pl_union_features.unique_id ORDER BY unique_id""")
    con.execute("DROP TABLE IF EXISTS _pl_union_features")
    con.execute("DROP TABLE IF EXISTS _pl_union_records")
    return con.execute("SELECT count(*) FROM _pl_new_features").fetchall()[0][0]


def score_new(con: duckdb.DuckDBPyConnection, model: dict, predict_threshold: float) -> dict:
    """Step 3: existing x new and new x new pairs into ``_pl_new_predictions``."""
    linker = make_linker(con, model, "features")
    db = linker._db_api
    new_sdf = db.register("_pl_new_features")
    old_sdf = db.register("features")
    with scoring(linker):
        between = linker.inference.predict_between(old_sdf, new_sdf, threshold_match_probability=predict_threshold,
                                                   warning_mode="never")
        within = linker.inference.predict_within(new_sdf, threshold_match_probability=predict_threshold,
                                                 warning_mode="never")
    cols = [c for c in _columns(con, "predictions")]
    out = {}
    con.execute("DROP TABLE IF EXISTS _pl_new_predictions")
    for name, sdf in (("between", between), ("within", within)):
        have = set(_columns(con, sdf.physical_name))
        select = ", ".join(_q(c) if c in have else f"NULL AS {_q(c)}" for c in cols)
        verb = "CREATE TABLE _pl_new_predictions AS" if name == "between" else "INSERT INTO _pl_new_predictions"
        con.execute(f"{verb} SELECT {select} FROM {sdf.physical_name}")
        out[name] = con.execute(f"SELECT count(*) FROM {sdf.physical_name}").fetchall()[0][0]
        sdf.drop_table_from_database_and_remove_from_cache()
    return out


def cluster_neighbourhood(con: duckdb.DuckDBPyConnection, model: dict, threshold: float,
                          duplicate_free_sources: list[str], run: str, refine_max_size: int = 2000) -> dict:
    """Steps 4-5: re-cluster the reached clusters plus the new records into ``_pl_sub_rows`` (rows
    for ``clusters``, committed by :func:`link_new`)."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _pl_touched AS
        WITH ends AS (SELECT unique_id_l AS record_id FROM _pl_new_predictions WHERE match_probability >= {threshold}
                      UNION SELECT unique_id_r FROM _pl_new_predictions WHERE match_probability >= {threshold})
        SELECT DISTINCT c.cluster_id FROM ends JOIN clusters c USING (record_id)""")
    con.execute("""CREATE OR REPLACE TABLE _pl_sub_records AS
        SELECT r.record_id, r.source, r.source_id FROM clusters c JOIN records r USING (record_id)
        WHERE c.cluster_id IN (SELECT cluster_id FROM _pl_touched)
        UNION ALL SELECT record_id, source, source_id FROM _pl_new_records""")
    con.execute("""CREATE OR REPLACE TABLE _pl_sub_features AS
        SELECT * FROM (SELECT f.* FROM features f SEMI JOIN _pl_sub_records s ON s.record_id = f.unique_id
                       UNION ALL SELECT * FROM _pl_new_features) ORDER BY unique_id""")
    con.execute("""CREATE OR REPLACE TABLE _pl_sub_predictions AS
        SELECT p.* FROM predictions p SEMI JOIN _pl_sub_records a ON a.record_id = p.unique_id_l
        SEMI JOIN _pl_sub_records b ON b.record_id = p.unique_id_r
        UNION ALL SELECT * FROM _pl_new_predictions""")
    decisions: dict = {}
    linker = make_linker(con, model, "_pl_sub_features")
    cluster_predictions(linker, con, threshold, duplicate_free_sources, predictions="_pl_sub_predictions",
                        target="_pl_sub_clusters", records="_pl_sub_records", report=decisions,
                        features="_pl_sub_features", refine_max_size=refine_max_size)
    old = dict(con.execute("""SELECT c.record_id, c.cluster_id FROM clusters c
        SEMI JOIN _pl_sub_records s USING (record_id)""").fetchall())
    parts_by_key: dict[str, list[str]] = {}
    for rid, cid in con.execute("SELECT record_id, cluster_id FROM _pl_sub_clusters ORDER BY record_id").fetchall():
        parts_by_key.setdefault(cid, []).append(rid)
    parts = sorted(parts_by_key.values(), key=lambda p: p[0])
    touched = {r[0] for r in con.execute("SELECT cluster_id FROM _pl_touched").fetchall()}
    used = used_ids(con) - touched  # ids of the reached clusters are reassigned by the rule
    ensure_changes_table(con)
    used |= {r[0] for r in con.execute(f"SELECT old_cluster_id FROM {CHANGES} UNION SELECT new_cluster_id FROM {CHANGES}").fetchall()}
    ids, changes = assign_stable_ids(old, parts, used)
    rows = [(r, ids[i], len(p)) for i, p in enumerate(parts) for r in p]
    con.execute("""CREATE OR REPLACE TEMP TABLE _pl_sub_final AS SELECT unnest(?::VARCHAR[]) AS record_id,
        unnest(?::VARCHAR[]) AS cluster_id, unnest(?::BIGINT[]) AS cluster_size""",
                [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]])
    cluster_cols = _columns(con, "clusters")
    select = ", ".join({"record_id": "f.record_id", "source": "s.source", "source_id": "s.source_id",
                        "cluster_id": "f.cluster_id", "cluster_size": "f.cluster_size"}.get(c, f"NULL AS {_q(c)}")
                       for c in cluster_cols)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _pl_sub_rows AS SELECT {select} FROM _pl_sub_final f
        JOIN _pl_sub_records s USING (record_id)""")
    new_ids = set(ids)
    new_only = sum(1 for i, p in enumerate(parts) if not any(r in old for r in p))
    joined = sum(1 for i, p in enumerate(parts) if ids[i] in touched and any(r not in old for r in p))
    for t in ("_pl_sub_features", "_pl_sub_predictions", "_pl_sub_clusters"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return {
        "_changes": changes,
        "clusters_reached": len(touched),
        "clusters_after": len(parts),
        "new_clusters": new_only,
        "existing_clusters_gaining_records": joined,
        "merged": sum(c["change"] == "merged" for c in changes),
        "split": sum(c["change"] == "split" for c in changes),
        "changed_ids": changes[:50],
        "affected_ids": sorted(new_ids | touched),
        "clerical_decisions": decisions or None,
    }


def update_works(con: duckdb.DuckDBPyConnection, affected: list[str]) -> None:
    """Rebuild ``works`` rows of the affected cluster ids only (all of them if there is no table yet)."""
    if not _exists(con, "works"):
        build_works(con)
        return
    con.execute("CREATE OR REPLACE TEMP TABLE _pl_affected AS SELECT unnest(?::VARCHAR[]) AS cluster_id", [affected])
    con.execute("""CREATE OR REPLACE TEMP VIEW _pl_affected_clusters AS
        SELECT * FROM clusters SEMI JOIN _pl_affected USING (cluster_id)""")
    build_works(con, "_pl_works_delta", clusters="_pl_affected_clusters")
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM works WHERE cluster_id IN (SELECT cluster_id FROM _pl_affected)")
        con.execute("INSERT INTO works BY NAME SELECT * FROM _pl_works_delta")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    con.execute("DROP TABLE IF EXISTS _pl_works_delta")


def link_new(job, specs: list[SourceSpec], on_step=None, on_file=None) -> dict:
    """Link the records of ``specs`` into the run of ``job`` (a LinkageJob); returns the report."""
    con = job.con
    for table, step in (("records", "load"), ("features", "train"), ("predictions", "predict"),
                        ("clusters", "cluster")):
        if not _exists(con, table):
            raise IncrementalError(f"no `{table}` table in {job.config.database.path}: link-new needs a finished "
                                   f"run (`paperlink run`); run `paperlink {step}` first")
    if not job.model_path.exists():
        raise IncrementalError(f"no saved model at {job.model_path}: link-new scores with the run's model.json")
    model = json.loads(job.model_path.read_text(encoding="utf-8"))
    lk = job.config.linkage
    run = f"link-new {time.strftime('%Y-%m-%dT%H:%M:%S')} {uuid.uuid4().hex[:6]}"
    timings: dict[str, float] = {}
    report: dict = {"run": run}

    def step(name, fn):
        if on_step:
            on_step(name)
        start = time.perf_counter()
        result = fn()
        timings[name] = round(time.perf_counter() - start, 3)
        return result

    counts = step("load", lambda: load_new(con, specs, on_file))
    report["sources"] = counts
    n_new = con.execute("SELECT count(*) FROM _pl_new_records").fetchall()[0][0]
    report["new_records"] = n_new
    if n_new == 0:
        report["seconds"] = timings
        report["note"] = "no new records (all already in the run, or rejected)"
        with _transaction(con):
            commit_records(con, counts)
        return report
    step("features", lambda: new_features(con))
    report["pairs_scored"] = step("predict", lambda: score_new(con, model, lk.predict_threshold))
    clustered = step("cluster", lambda: cluster_neighbourhood(con, model, lk.threshold, lk.duplicate_free_sources, run,
                                                              lk.refine_max_cluster_size))
    affected = clustered.pop("affected_ids")
    changes = clustered.pop("_changes")
    report["clusters"] = clustered

    def _commit():  # the run's tables change together, only once everything above has succeeded
        with _transaction(con):
            commit_records(con, counts)
            con.execute("INSERT INTO features SELECT * FROM _pl_new_features")
            con.execute("INSERT INTO predictions SELECT * FROM _pl_new_predictions")
            con.execute("DELETE FROM clusters WHERE record_id IN (SELECT record_id FROM _pl_sub_records)")
            con.execute("INSERT INTO clusters SELECT * FROM _pl_sub_rows")
            record_changes(con, changes, run)
    step("commit", _commit)
    con.execute("DROP TABLE IF EXISTS _pl_sub_records")
    job._check_clustered()
    step("works", lambda: update_works(con, affected))
    step("export", lambda: export_outputs(job))
    con.execute("DROP TABLE IF EXISTS _pl_new_features")
    con.execute("DROP TABLE IF EXISTS _pl_new_predictions")
    con.execute("CHECKPOINT")
    report["seconds"] = timings
    report["seconds_total"] = round(sum(timings.values()), 3)
    write_text_atomic(job.write_dir / "link_new_report.json", json.dumps(report, indent=2, default=str))
    return report


def export_outputs(job) -> None:
    """clusters / works / pairs / cluster_id_changes parquet in the output directory."""
    con = job.con
    out = job.write_dir
    write_parquet(con, "SELECT * FROM clusters ORDER BY cluster_id, record_id", out / "clusters.parquet")
    write_parquet(con, "SELECT * FROM works ORDER BY cluster_id", out / "works.parquet")
    gammas = [c for c in _columns(con, "predictions") if c.startswith(("gamma_", "mw_"))]
    write_parquet(con, f"""
        SELECT unique_id_l AS record_id_l, unique_id_r AS record_id_r, match_weight, match_probability,
               {', '.join(_q(g) for g in gammas)}, match_key
        FROM predictions WHERE match_probability >= {job.config.linkage.threshold}
        ORDER BY record_id_l, record_id_r""", out / "pairs.parquet")
    ensure_changes_table(con)
    write_parquet(con, f"SELECT * FROM {CHANGES} ORDER BY changed_at, old_cluster_id, new_cluster_id",
                  out / "cluster_id_changes.parquet")
