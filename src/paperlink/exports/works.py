"""Merged work records (one per cluster) and the parquet exports, written atomically.

Survivorship rules for ``works``:
- the *best record* of a cluster is its published version: not a preprint, then with a DOI, then
  with the most authors, then the smallest record_id;
- ``title``, ``venue``, ``volume``, ``issue``, ``pages`` come from the best record that has them;
- ``authors`` from the member with the longest author list (ties: best record);
- ``year`` is the earliest year of any member (``versions`` keeps each member's year);
- ``doi`` is the most common publisher DOI (arXiv DOIs are arXiv ids), ``arxiv_id`` and ``pmid``
  the most common ones; ``dois``/``arxiv_ids``/``pmids`` list all of them.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb


def build_works(con: duckdb.DuckDBPyConnection, target: str = "works", clusters: str = "clusters") -> int:
    """Create ``target`` with one work per cluster of ``clusters`` (``paperlink link-new`` passes
    the changed clusters only)."""
    con.execute(f"""
    CREATE OR REPLACE TABLE {target} AS
    WITH m AS (
        SELECT c.cluster_id, r.*,
            (coalesce(r.work_type, '') IN ('preprint', 'posted-content') OR pl_is_preprint_doi(r.doi)
             OR (r.doi IS NULL AND r.arxiv_id IS NOT NULL)) AS is_preprint
        FROM {clusters} c JOIN records r USING (record_id)
    ), ranked AS (
        SELECT *, row_number() OVER (PARTITION BY cluster_id
            ORDER BY is_preprint, doi IS NULL, len(coalesce(authors, [])) DESC, record_id) AS rank
        FROM m
    )
    SELECT cluster_id,
        arg_min(title, rank) FILTER (WHERE title IS NOT NULL) AS title,
        arg_min(authors, (-len(coalesce(authors, [])), rank)) AS authors,
        min(year) AS year,
        arg_min(venue, rank) FILTER (WHERE venue IS NOT NULL) AS venue,
        arg_min(volume, rank) FILTER (WHERE volume IS NOT NULL) AS volume,
        arg_min(issue, rank) FILTER (WHERE issue IS NOT NULL) AS issue,
        arg_min(pages, rank) FILTER (WHERE pages IS NOT NULL) AS pages,
        mode(doi) AS doi, mode(arxiv_id) AS arxiv_id, mode(pmid) AS pmid,
        list_sort(list_distinct(list(doi))) AS dois,
        list_sort(list_distinct(list(arxiv_id))) AS arxiv_ids,
        list_sort(list_distinct(list(pmid))) AS pmids,
        list_sort(list_distinct(list(source))) AS sources,
        count(*) AS n_records,
        list({{'record_id': record_id, 'source': source, 'source_id': source_id, 'title': title,
               'year': year, 'doi': doi, 'arxiv_id': arxiv_id, 'work_type': work_type}} ORDER BY rank) AS versions
    FROM ranked GROUP BY cluster_id ORDER BY cluster_id
    """)
    return con.execute(f"SELECT count(*) FROM {target}").fetchall()[0][0]


def write_parquet(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> None:
    """COPY a query to parquet under a temporary name, flush it to disk, then rename: readers
    never see half a file, and a crash leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        con.execute(f"COPY ({query}) TO '{_sql_path(tmp)}' (FORMAT parquet, COMPRESSION zstd)")
        _fsync(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync(path.parent)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` under a temporary name, flush it to disk, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync(path.parent)


def _fsync(path: Path) -> None:
    """Flush a file (or a directory's entries, after a rename) to disk; best effort."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
