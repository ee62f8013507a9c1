"""Land source files in DuckDB: raw items per source (``raw_<source>``), canonical ``records``
and ``rejected_records``, with every input record accounted for.

Duplicate source ids: the first occurrence (by file order, then position) is loaded; later
records with the same ``source_id`` in the same source go to ``rejected_records`` with a reason
naming the first one.  Placeholder items that are not records (a JSON ``null`` in a Semantic
Scholar batch response) are counted as ``skipped``.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from paperlink.db import run_sql_file
from paperlink.sources import detect_format, get_format
from paperlink.sources.base import CANONICAL_FIELDS, InputFileError, SourceFormat

SOURCE_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

RECORD_COLUMNS = """
    record_id VARCHAR, source VARCHAR, source_id VARCHAR, format VARCHAR,
    title VARCHAR, authors VARCHAR[], year INTEGER, publication_date VARCHAR, venue VARCHAR,
    volume VARCHAR, issue VARCHAR, pages VARCHAR, doi VARCHAR, arxiv_id VARCHAR, pmid VARCHAR,
    abstract VARCHAR, urls VARCHAR[], work_type VARCHAR, file VARCHAR, position BIGINT"""


@dataclass
class SourceSpec:
    """One ``[[sources]]`` entry of a job: a named source, its format and its files."""

    name: str
    paths: list[str]
    format: str = "auto"
    columns: dict[str, str] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)
    base_dir: Path = Path(".")

    def __post_init__(self) -> None:
        if not SOURCE_NAME_RE.match(self.name):
            raise ValueError(
                f"source name {self.name!r} must be lower-case letters, digits and '_' (starting with a letter)"
            )

    def files(self) -> list[Path]:
        found: list[Path] = []
        for pattern in self.paths:
            full = Path(pattern) if Path(pattern).is_absolute() else self.base_dir / pattern
            matches = sorted(glob.glob(str(full), recursive=True))
            if not matches:
                raise InputFileError(f"source {self.name!r}: no file matches {full}")
            found.extend(Path(m) for m in matches if Path(m).is_file())
        return found


@dataclass
class SourceCounts:
    files: int = 0
    input: int = 0
    loaded: int = 0
    rejected: int = 0
    skipped: int = 0


ProgressHook = Callable[[str, Path, int], None]


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    run_sql_file(con, "identifiers.sql")
    con.execute(f"CREATE TABLE IF NOT EXISTS records ({RECORD_COLUMNS})")
    con.execute(
        "CREATE TABLE IF NOT EXISTS rejected_records "
        "(source VARCHAR, file VARCHAR, position BIGINT, reason VARCHAR, raw VARCHAR)"
    )


def load_sources(
    con: duckdb.DuckDBPyConnection,
    specs: list[SourceSpec],
    on_file: ProgressHook | None = None,
) -> dict[str, SourceCounts]:
    """(Re)load every source: each source's previous rows are replaced.  Returns counts per source."""
    create_tables(con)
    counts: dict[str, SourceCounts] = {}
    for spec in specs:
        counts[spec.name] = load_source(con, spec, on_file)
    return counts


def load_source(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, on_file: ProgressHook | None = None
) -> SourceCounts:
    create_tables(con)
    raw_table = f"raw_{spec.name}"
    con.execute("DROP TABLE IF EXISTS _staged")
    con.execute(f"DROP TABLE IF EXISTS {raw_table}")
    con.execute(
        f"CREATE TABLE {raw_table} (file VARCHAR, file_index INTEGER, format VARCHAR, "
        "position BIGINT, raw VARCHAR, error VARCHAR)"
    )
    con.execute("DELETE FROM records WHERE source = ?", [spec.name])
    con.execute("DELETE FROM rejected_records WHERE source = ?", [spec.name])
    counts = SourceCounts()
    formats: dict[str, SourceFormat] = {}
    for file_index, path in enumerate(spec.files()):
        fmt = get_format(spec.format, spec) if spec.format != "auto" else detect_format(path, spec)
        formats[fmt.name] = fmt
        counts.files += 1
        n = 0
        for items in fmt.raw_items(con, path):
            if isinstance(items, str):  # a query DuckDB runs itself (fast path)
                source = f"({items})"
            else:
                con.register("_raw_batch", items)
                source = "_raw_batch"
            added = con.execute(
                f"INSERT INTO {raw_table} SELECT ?, ?, ?, position, {fmt.raw_sql()}, error FROM {source}",
                [str(path), file_index, fmt.name],
            ).fetchall()[0][0]
            if source == "_raw_batch":
                con.unregister("_raw_batch")
            n += added
            if on_file:
                on_file(spec.name, path, n)
    for fmt in formats.values():
        _project(con, spec, fmt, raw_table)
    _reject_duplicates(con, spec.name)
    con.execute(
        f"INSERT INTO records SELECT {_record_column_names()} FROM _staged "
        "WHERE reason IS NULL AND NOT skip ORDER BY file_index, position"
    )
    con.execute(
        "INSERT INTO rejected_records SELECT ?, file, position, reason, raw FROM _staged "
        "WHERE reason IS NOT NULL ORDER BY file_index, position",
        [spec.name],
    )
    (counts.input, counts.loaded, counts.rejected, counts.skipped) = con.execute(
        "SELECT count(*) FILTER (WHERE NOT skip), count(*) FILTER (WHERE reason IS NULL AND NOT skip), "
        "count(*) FILTER (WHERE reason IS NOT NULL), count(*) FILTER (WHERE skip) FROM _staged"
    ).fetchall()[0]
    con.execute("DROP TABLE IF EXISTS _staged")
    return counts


def _record_column_names() -> str:
    return ", ".join(
        c.split()[0] for c in RECORD_COLUMNS.replace("\n", " ").split(",") if c.strip()
    )


def _project(con, spec: SourceSpec, fmt: SourceFormat, raw_table: str) -> None:
    """Map the raw items of one format to canonical columns, appending to ``_staged``."""
    projection = fmt.projection_for(spec)
    unknown = set(projection) - set(CANONICAL_FIELDS)
    if unknown:
        raise ValueError(f"format {fmt.name}: projection sets unknown columns {sorted(unknown)}")
    fields = ", ".join(
        f"{c} := TRY_CAST(({projection[c]}) AS {t})" if c in projection else f"{c} := NULL::{t}"
        for c, t in CANONICAL_FIELDS.items()
    )
    source = spec.name  # validated: [a-z][a-z0-9_]*
    sql = f"""
    WITH parsed AS (
        SELECT file, file_index, position, raw, error,
               CASE WHEN error IS NULL THEN TRY_CAST(raw AS JSON) END AS j
        FROM {raw_table} WHERE format = '{fmt.name}'
    ), marked AS (
        SELECT *, coalesce(j IS NOT NULL AND ({fmt.skip_item_sql()}), false) AS skip FROM parsed
    ), projected AS (
        SELECT *, CASE WHEN NOT skip AND j IS NOT NULL AND json_type(j) = 'OBJECT'
                       THEN struct_pack({fields}) END AS p
        FROM marked
    ), cleaned AS (
        SELECT file, file_index, position, raw, error, j, skip, p IS NULL AS no_object,
            nullif(trim(p.source_id), '') AS sid,
            pl_strip_markup(p.title) AS title,
            list_transform(pl_list(p.authors), lambda a: pl_strip_markup(a)) AS authors,
            coalesce(p.year, pl_year(p.publication_date)) AS year,
            nullif(trim(p.publication_date), '') AS publication_date,
            pl_strip_markup(p.venue) AS venue,
            nullif(trim(p.volume), '') AS volume, nullif(trim(p.issue), '') AS issue,
            nullif(trim(p.pages), '') AS pages,
            CASE WHEN NOT pl_is_arxiv_doi(pl_doi(p.doi)) THEN pl_doi(p.doi) END AS doi,
            coalesce(
                pl_arxiv_norm(regexp_replace(p.arxiv_id, '^\\s*arxiv:\\s*', '', 'i')),
                pl_arxiv_from_text(pl_doi(p.doi)),
                list_filter(list_transform(list_concat(coalesce(p.urls, []), coalesce(p.other_ids, [])),
                                           lambda u: pl_arxiv_from_text(u)), lambda x: x IS NOT NULL)[1]
            ) AS arxiv_id,
            pl_pmid(p.pmid) AS pmid,
            pl_strip_markup(p.abstract) AS abstract,
            list_distinct(pl_list(p.urls)) AS urls,
            lower(nullif(trim(p.work_type), '')) AS work_type
        FROM projected
    )
    SELECT file, file_index, position, raw, skip,
        CASE
            WHEN error IS NOT NULL THEN error
            WHEN raw IS NULL THEN 'empty item'
            WHEN j IS NULL THEN 'invalid JSON'
            WHEN skip THEN NULL
            WHEN no_object THEN 'not a record object (JSON ' || json_type(j) || ')'
            WHEN title IS NULL AND doi IS NULL AND arxiv_id IS NULL AND pmid IS NULL
                THEN 'no title and no identifier'
        END AS reason,
        '{source}:' || src_id AS record_id, '{source}' AS source, src_id AS source_id, '{fmt.name}' AS format,
        title, authors, year, publication_date, venue, volume, issue, pages, doi, arxiv_id, pmid,
        abstract, urls, work_type
    FROM (SELECT *, CASE WHEN sid IS NOT NULL THEN sid
                         ELSE coalesce('doi:' || doi, 'arxiv:' || arxiv_id, 'pmid:' || pmid,
                                       'md5:' || left(md5(coalesce(raw, '')), 16)) END AS src_id FROM cleaned)
    """
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = '_staged'"
    ).fetchall()[0][0]
    verb = "INSERT INTO _staged" if exists else "CREATE TEMP TABLE _staged AS"
    con.execute(f"{verb} {sql}")


def _reject_duplicates(con, source: str) -> None:
    con.execute(
        """
        UPDATE _staged SET reason = 'duplicate source_id ' || _staged.source_id || ' (first loaded from '
                                    || d.first_file || ' at position ' || d.first_position || ')'
        FROM (
            SELECT file_index, position,
                   first_value(file) OVER w AS first_file, first_value(position) OVER w AS first_position,
                   row_number() OVER w AS rn
            FROM _staged WHERE reason IS NULL AND NOT skip
            WINDOW w AS (PARTITION BY record_id ORDER BY file_index, position)
        ) d
        WHERE d.rn > 1 AND _staged.file_index = d.file_index AND _staged.position = d.position
        """
    )
