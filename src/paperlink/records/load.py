"""Land source files in DuckDB: raw items per source (``raw_<source>``), canonical ``records``
and ``rejected_records``, with every input record accounted for.

Duplicate source ids: the first occurrence (by file order, then position) is loaded; later
records with the same ``source_id`` in the same source go to ``rejected_records`` with a reason
naming the first one.  Placeholder items that are not records (a JSON ``null`` in a Semantic
Scholar batch response) are counted as ``skipped``.

No input is lost and bad input does not stop a load: a file whose format cannot be told, a
reader that fails part-way and a record whose values break the projection SQL each become
rejected items with a reason.  The counts are taken from the tables themselves (raw items read,
rows in ``records`` and ``rejected_records``), so ``input = loaded + rejected`` is a real check;
they are kept per source in ``load_counts``.  A source's rows in ``records``,
``rejected_records`` and ``load_counts`` are replaced in one transaction at the end of its load:
a load that fails or is killed leaves each source either as it was or completely reloaded.
"""

from __future__ import annotations

import glob
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from paperlink.db import register_udfs, run_sql_file
from paperlink.sources import detect_format, get_format
from paperlink.sources.base import CANONICAL_FIELDS, CheckedQuery, InputFileError, SourceFormat, sql_str, sample_file

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
    columns: dict[str, str | list[str]] = field(default_factory=dict)  # csv/parquet: field -> column(s)
    encoding: str = "auto"  # csv: the text encoding (see sources/tabular.py)
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
    con.execute(
        "CREATE TABLE IF NOT EXISTS load_counts (source VARCHAR, files INTEGER, input BIGINT, "
        "loaded BIGINT, rejected BIGINT, skipped BIGINT)"
    )


class _Unreadable(SourceFormat):
    """Stands in for the format of a file that could not be told: its one item is an error."""

    name = "unreadable"
    projection: dict[str, str] = {}


UNREADABLE = _Unreadable()


def load_sources(
    con: duckdb.DuckDBPyConnection,
    specs: list[SourceSpec],
    on_file: ProgressHook | None = None,
) -> dict[str, SourceCounts]:
    """(Re)load every source: each source's previous rows are replaced, and rows of sources no
    longer in the job are dropped.  Returns counts per source.

    With more than one DuckDB thread, sources load on as many cursors of their own as there
    are threads: the next sources are read while the previous ones are published (and a JSON
    Lines file's raw items are stored while it is projected, see :func:`_add_raw_items`).
    Sources are published to ``records`` in the job's order, so the tables come out the same
    as from a load of one source after another.  With one thread the sources load one after
    another on ``con``."""
    create_tables(con)
    counts: dict[str, SourceCounts] = {}
    threads = _threads(con)
    if threads < 2:
        for spec in specs:
            counts[spec.name] = load_source(con, spec, on_file)
        return _drop_sources_not_in(con, specs, counts)
    workers = min(len(specs), threads)
    cursors: list[duckdb.DuckDBPyConnection] = []
    published = [threading.Event() for _ in specs]
    failed = threading.Event()

    def load(k: int, spec: SourceSpec) -> SourceCounts:
        cur = con.cursor()
        cursors.append(cur)
        try:
            register_udfs(cur)
            ingested = _ingest_raw(cur, spec, on_file)
            if k:
                published[k - 1].wait()
            if failed.is_set():
                raise RuntimeError(f"source {spec.name!r} not published: an earlier source failed")
            return _publish(cur, spec, *ingested)
        except BaseException:
            failed.set()
            raise
        finally:
            published[k].set()
            cur.close()

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="paperlink-load") as pool:
        futures = [pool.submit(load, k, spec) for k, spec in enumerate(specs)]
        try:
            for spec, future in zip(specs, futures):
                counts[spec.name] = future.result()
        except BaseException:  # stop the other sources' reads rather than wait for them
            failed.set()
            for future in futures:
                future.cancel()
            for cur in list(cursors):
                try:
                    cur.interrupt()
                except duckdb.Error:
                    pass  # already closed
            raise
    return _drop_sources_not_in(con, specs, counts)


def _drop_sources_not_in(con: duckdb.DuckDBPyConnection, specs: list[SourceSpec],
                         counts: dict[str, SourceCounts]) -> dict[str, SourceCounts]:
    """Drop the rows and raw tables of sources the job no longer names; returns ``counts``."""
    names = [spec.name for spec in specs]
    stale = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'raw\\_%' ESCAPE '\\' "
        "AND table_schema = 'main'").fetchall() if r[0][4:] not in names]
    with _transaction(con):
        for table in ("records", "rejected_records", "load_counts"):
            con.execute(f"DELETE FROM {table} WHERE source NOT IN (SELECT unnest(?::VARCHAR[]))", [names])
        for table in stale:
            con.execute(f'DROP TABLE IF EXISTS "{table}"')
    return counts


def _threads(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])


class _transaction:
    """``with _transaction(con):`` BEGIN ... COMMIT, or ROLLBACK if the block raises."""

    def __init__(self, con):
        self.con = con

    def __enter__(self):
        self.con.execute("BEGIN TRANSACTION")

    def __exit__(self, exc_type, exc, tb):
        self.con.execute("COMMIT" if exc_type is None else "ROLLBACK")
        return False


def load_source(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, on_file: ProgressHook | None = None
) -> SourceCounts:
    """Load one source: its raw items into ``raw_<source>``, then its records (replacing its
    previous rows)."""
    create_tables(con)
    return _publish(con, spec, *_ingest_raw(con, spec, on_file))


def _ingest_raw(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, on_file: ProgressHook | None = None
) -> tuple[SourceCounts, dict[str, SourceFormat], list[int]]:
    """Read every file of a source into a fresh ``raw_<source>``; returns the file count, the
    formats met and the files already projected to records (see :func:`_add_raw_items`)."""
    raw_table = f"raw_{spec.name}"
    con.execute(f"DROP TABLE IF EXISTS {raw_table}")
    _drop_projected_files(con)
    con.execute(
        f"CREATE TABLE {raw_table} (file VARCHAR, file_index INTEGER, format VARCHAR, "
        "position BIGINT, raw VARCHAR USING COMPRESSION zstd, error VARCHAR)"
    )
    counts = SourceCounts()
    formats: dict[str, SourceFormat] = {}
    projected: list[int] = []
    for file_index, path in enumerate(spec.files()):
        counts.files += 1
        if path.stat().st_size == 0:
            continue  # an empty file holds no records
        try:
            fmt = get_format(spec.format, spec) if spec.format != "auto" else detect_format(path, spec)
        except InputFileError as exc:  # a file whose format cannot be told: one rejected item
            _add_error(con, raw_table, path, file_index, UNREADABLE.name, str(exc))
            continue
        formats[fmt.name] = fmt
        n = 0
        try:
            for added in _add_raw_items(con, spec, path, file_index, fmt, projected):
                n += added
                if on_file:
                    on_file(spec.name, path, n)
        except Exception as exc:  # a reader that breaks on this file: what it read stays, the rest is one item
            _add_error(con, raw_table, path, file_index, fmt.name,
                       f"reader failed after {n} items: {type(exc).__name__}: {_first_line(exc)}")
        check = getattr(fmt, "check_file", None)
        problem = check(con, path, spec) if check else None
        if problem:  # e.g. a CSV without a mapped column: every row of the file is rejected with the reason
            con.execute(f"UPDATE {raw_table} SET error = ? WHERE file_index = ? AND error IS NULL",
                        [problem, file_index])
    unreadable = con.execute(f"SELECT count(*) FROM {raw_table} WHERE format = ?", [UNREADABLE.name]).fetchall()[0][0]
    if unreadable or not formats:  # (with no format at all it only creates an empty _staged)
        formats[UNREADABLE.name] = UNREADABLE
    return counts, formats, projected


def _publish(con: duckdb.DuckDBPyConnection, spec: SourceSpec, counts: SourceCounts,
             formats: dict[str, SourceFormat], projected: list[int]) -> SourceCounts:
    """Project a source's raw items to canonical records and replace its rows in ``records``,
    ``rejected_records`` and ``load_counts`` at once.  Files in ``projected`` were projected
    while their raw items were read; the rest are projected here."""
    raw_table = f"raw_{spec.name}"
    con.execute("DROP TABLE IF EXISTS _staged")
    done = [i for i in projected if _stage_projected_file(con, spec.name, i)]
    _drop_projected_files(con)
    for fmt in formats.values():
        _project(con, spec, fmt, raw_table, done)
    _reject_duplicates(con, spec.name)
    raw_n = con.execute(f"SELECT count(*) FROM {raw_table}").fetchall()[0][0]
    counts.skipped = con.execute("SELECT count(*) FILTER (WHERE skip) FROM _staged").fetchall()[0][0]
    counts.input = raw_n - counts.skipped
    with _transaction(con):  # the source's previous rows are replaced all at once
        con.execute("DELETE FROM records WHERE source = ?", [spec.name])
        con.execute("DELETE FROM rejected_records WHERE source = ?", [spec.name])
        con.execute("DELETE FROM load_counts WHERE source = ?", [spec.name])
        con.execute(
            f"INSERT INTO records SELECT {_record_column_names()} FROM _staged "
            "WHERE reason IS NULL AND NOT skip ORDER BY file_index, position"
        )
        con.execute(
            "INSERT INTO rejected_records SELECT ?, s.file, s.position, s.reason, r.raw FROM _staged s "
            f"JOIN {raw_table} r ON r.rowid = s.raw_rowid WHERE s.reason IS NOT NULL ORDER BY s.file_index, s.position",
            [spec.name],
        )
        # counted from the tables, not from _staged: a row lost on the way shows as input != loaded + rejected
        counts.loaded = con.execute("SELECT count(*) FROM records WHERE source = ?", [spec.name]).fetchall()[0][0]
        counts.rejected = con.execute(
            "SELECT count(*) FROM rejected_records WHERE source = ?", [spec.name]).fetchall()[0][0]
        con.execute("INSERT INTO load_counts VALUES (?, ?, ?, ?, ?, ?)",
                    [spec.name, counts.files, counts.input, counts.loaded, counts.rejected, counts.skipped])
    con.execute("DROP TABLE IF EXISTS _staged")
    return counts


def _add_raw_items(con, spec: SourceSpec, path: Path, file_index: int, fmt: SourceFormat,
                   projected: list[int]):
    """Insert the raw items of one file into ``raw_<source>``; yields how many each batch or
    query added.

    A file that DuckDB reads whole (JSON Lines) is also projected to records meanwhile, straight
    from the file, into the temp table ``_projected_<file index>`` of ``con``: storing the raw
    items is a serial write (one core), so it runs on a cursor of its own beside the projection
    instead of before it.  If both read every line of the file, the file's index joins
    ``projected`` and :func:`_publish` (on the same ``con``) takes its records from there.
    """
    raw_table = f"raw_{spec.name}"

    def insert(cur, items: pa.RecordBatch | str) -> int:
        if isinstance(items, str):
            source = f"({items})"
        else:
            cur.register("_raw_batch", items)
            source = "_raw_batch"
        added = cur.execute(
            f"INSERT INTO {raw_table} SELECT ?, ?, ?, position, {fmt.raw_sql()}, error FROM {source}",
            [str(path), file_index, fmt.name],
        ).fetchall()[0][0]
        if source == "_raw_batch":
            cur.unregister("_raw_batch")
        return added

    for items in fmt.raw_items(con, path, **fmt.read_options(spec)):
        if not isinstance(items, CheckedQuery):
            yield insert(con, items)
            continue
        projection = _file_projection_sql(con, spec, fmt, path, file_index, items.unnumbered_sql)
        added, projected_rows = _insert_beside(con, lambda cur: insert(cur, items.sql), projection)
        if added is not None and added == items.expected_rows():
            if projected_rows == added:
                projected.append(file_index)
            else:
                con.execute(f"DROP TABLE IF EXISTS {_projected_table(file_index)}")
            yield added
            continue
        con.execute(f"DROP TABLE IF EXISTS {_projected_table(file_index)}")
        con.execute(f"DELETE FROM {raw_table} WHERE file_index = ?", [file_index])
        for batch in items.fallback():
            yield insert(con, batch)


def _insert_beside(con, insert: Callable, projection: str | None) -> tuple[int | None, int | None]:
    """Run ``insert(cursor)`` and, given a ``projection`` statement, that statement on ``con``
    meanwhile, the insert on a cursor of its own.  Returns the rows each added (None for a
    statement that failed or did not run)."""

    def attempt(run: Callable[[], int]) -> int | None:
        try:
            return run()
        except duckdb.Error:  # a line DuckDB cannot read, a value the SQL fails on: the careful path does it
            return None

    if projection is None:
        return attempt(lambda: insert(con)), None
    cur = con.cursor()
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="paperlink-raw") as pool:
            inserting = pool.submit(attempt, lambda: insert(cur))
            try:
                projected = attempt(lambda: con.execute(projection).fetchall()[0][0])
            except BaseException:
                cur.interrupt()
                raise
            return inserting.result(), projected
    finally:
        cur.close()


def _projected_table(file_index: int) -> str:
    return f"_projected_{file_index}"


def _file_projection_sql(con, spec: SourceSpec, fmt: SourceFormat, path: Path, file_index: int,
                         items_sql: str) -> str | None:
    """The statement projecting a file's items (``items_sql``, in file order) into
    ``_projected_<file index>``; None with one thread (nothing to run beside) or items too
    large to project in one statement (see :func:`_stage`)."""
    lines = sample_file(path, 1 << 20).lines
    avg_len = sum(map(len, lines)) / len(lines) if lines else 0
    if _threads(con) < 2 or _rows_per_statement(con, avg_len) < 2048:
        return None
    items = (f"SELECT NULL::BIGINT AS raw_rowid, {sql_str(path)} AS file, {file_index} AS file_index, "
             f"NULL::BIGINT AS position, {fmt.raw_sql()} AS raw, error FROM ({items_sql})")
    return f"CREATE OR REPLACE TEMP TABLE {_projected_table(file_index)} AS {_projection_sql(spec, fmt, items)}"


def _drop_projected_files(con) -> None:
    """Drop the ``_projected_<file index>`` tables of ``con``."""
    for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary "
                               "AND regexp_full_match(table_name, '_projected_[0-9]+')").fetchall():
        con.execute(f'DROP TABLE IF EXISTS "{name}"')


def _stage_projected_file(con, source: str, file_index: int) -> bool:
    """Append a file projected beside its raw items to ``_staged``, numbering its rows as the
    raw items were numbered; False (nothing appended) unless the raw table holds the same rows,
    without errors, at positions 1…n in row order."""
    table = _projected_table(file_index)
    first, n, misplaced = con.execute(
        f"""SELECT min(rowid), count(*), count(*) FILTER (WHERE position != rowid - first + 1 OR error IS NOT NULL)
            FROM (SELECT rowid, position, error, min(rowid) OVER () AS first FROM raw_{source} WHERE file_index = ?)""",
        [file_index]).fetchone()
    if misplaced or n != con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]:
        return False
    rows = f"SELECT * REPLACE (rowid + {first} AS raw_rowid, rowid + 1 AS position) FROM {table}"
    if _table_exists(con, "_staged"):
        con.execute(f"INSERT INTO _staged {rows}")
    else:
        con.execute(f"CREATE TEMP TABLE _staged AS {rows}")
    return True


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _add_error(con, raw_table: str, path: Path, file_index: int, fmt_name: str, error: str) -> None:
    """One error item after the file's last item."""
    con.execute(
        f"INSERT INTO {raw_table} SELECT ?, ?, ?, coalesce(max(position), 0) + 1, NULL, ? "
        f"FROM {raw_table} WHERE file_index = ?",
        [str(path), file_index, fmt_name, error, file_index],
    )


def _record_column_names() -> str:
    return ", ".join(
        c.split()[0] for c in RECORD_COLUMNS.replace("\n", " ").split(",") if c.strip()
    )


def _table_exists(con, name: str) -> bool:
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                       [name]).fetchone()[0] > 0


def _project(con, spec: SourceSpec, fmt: SourceFormat, raw_table: str, skip_files: list[int]) -> None:
    """Map the raw items of one format to canonical columns, appending to ``_staged`` (files in
    ``skip_files`` are there already)."""
    where = f"format = '{fmt.name}'"
    if skip_files:
        where += f" AND file_index NOT IN ({', '.join(map(str, skip_files))})"
    items = f"SELECT rowid AS raw_rowid, file, file_index, position, raw, error FROM {raw_table} WHERE {where} {_ROWS}"
    _stage(con, _projection_sql(spec, fmt, items), raw_table, where, create=not _table_exists(con, "_staged"))


def _projection_sql(spec: SourceSpec, fmt: SourceFormat, items: str) -> str:
    """The query mapping ``items`` (raw_rowid, file, file_index, position, raw, error) of one
    format to canonical columns, the clean-up and the reason a row is rejected."""
    projection = fmt.projection_for(spec)
    unknown = set(projection) - set(CANONICAL_FIELDS)
    if unknown:
        raise ValueError(f"format {fmt.name}: projection sets unknown columns {sorted(unknown)}")
    keys: dict[str, int] = {}
    fields = ", ".join(
        f"{c} := TRY_CAST(({_parse_once(projection[c], keys)}) AS {t})" if c in projection else f"{c} := NULL::{t}"
        for c, t in CANONICAL_FIELDS.items()
    )
    skip_sql = _parse_once(fmt.skip_item_sql(), keys)
    top = f"TRY(json_extract(raw, [{', '.join(keys)}]))" if keys else "NULL::JSON[]"
    source = spec.name  # validated: [a-z][a-z0-9_]*
    return f"""
    WITH items AS (  -- one parse: the JSON is valid if its top-level values could be read
        SELECT raw_rowid, file, file_index, position, raw, error,
               CASE WHEN error IS NULL THEN {top} END AS jk
        FROM ({items})
    ), parsed AS (  -- valid JSON that starts with '{{' is an object: no need to parse it for its type
        SELECT *, CASE WHEN error IS NOT NULL THEN NULL
                       WHEN jk IS NOT NULL AND ltrim(raw, e' \\t\\n\\r')[1] = '{{' THEN 'OBJECT'
                       ELSE json_type(TRY_CAST(raw AS JSON)) END AS jt
        FROM items
    ), with_j AS (  -- `j` for reads the rewrite leaves (the optimizer drops it when there are none)
        SELECT *, CASE WHEN jt IS NOT NULL THEN raw::JSON END AS j FROM parsed
    ), marked AS (
        SELECT *, coalesce(jt IS NOT NULL AND ({skip_sql}), false) AS skip FROM with_j
    ), projected AS (  -- items that are not records project from NULL (cheaper than a CASE around the struct)
        SELECT * REPLACE (CASE WHEN is_record THEN j END AS j, CASE WHEN is_record THEN jk END AS jk)
        FROM (SELECT *, NOT skip AND coalesce(jt = 'OBJECT', false) AS is_record FROM marked)
    ), cleaned AS (
        SELECT raw_rowid, file, file_index, position, raw, error, jt, skip, NOT is_record AS no_object,
            nullif(trim(p.source_id), '') AS sid,
            pl_strip_markup(p.title) AS title,
            pl_strip_markup_list(p.authors) AS authors,
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
        FROM (SELECT *, struct_pack({fields}) AS p FROM projected)
    )
    SELECT raw_rowid, file, file_index, position, skip,
        CASE
            WHEN error IS NOT NULL THEN error
            WHEN raw IS NULL THEN 'empty item'
            WHEN jt IS NULL THEN 'invalid JSON'
            WHEN skip THEN NULL
            WHEN no_object THEN 'not a record object (JSON ' || jt || ')'
            WHEN title IS NULL AND doi IS NULL AND arxiv_id IS NULL AND pmid IS NULL AND coalesce(len(authors), 0) = 0
                THEN 'no title, identifier or authors'
        END AS reason,
        '{source}:' || src_id AS record_id, '{source}' AS source, src_id AS source_id, '{fmt.name}' AS format,
        title, authors, year, publication_date, venue, volume, issue, pages, doi, arxiv_id, pmid,
        abstract, urls, work_type
    FROM (SELECT *, CASE WHEN sid IS NOT NULL THEN sid
                         ELSE coalesce('doi:' || doi, 'arxiv:' || arxiv_id, 'pmid:' || pmid,
                                       'md5:' || left(md5(coalesce(raw, '')), 16)) END AS src_id FROM cleaned)
    """


# how a projection reads the record `j`: `j->>'$.key…'`, `j->'$.key…'`, `fn(j, '$.key…')`, `json_type(j)`
_J_READ = re.compile(
    r"\bj\s*(?P<op>->>|->)\s*'(?P<path>(?:[^']|'')*)'"
    r"|\b(?P<fn>json_extract_string|json_extract|json_type)\(\s*j\s*,\s*'(?P<fpath>(?:[^']|'')*)'\s*\)"
    r"|\bjson_type\(\s*j\s*\)")
_TOP_KEY = re.compile(r'\$\.("[^"]*"|[^."\[\]*]+)(.*)$', re.S)


def _parse_once(sql: str, keys: dict[str, int]) -> str:
    """Rewrite the reads of the record ``j`` in a projection expression so that the record is
    parsed once: each ``$.key…`` path reads ``jk[i]``, the value of its top-level key (one
    ``json_extract(raw, [keys])`` per record, ``keys`` collects them), and ``json_type(j)`` reads
    ``jt``.  Reads the rewrite does not know keep reading ``j`` (correct, only slower)."""

    def read(m: re.Match) -> str:
        if m.group(0).startswith("json_type") and m.group("fpath") is None:
            return "jt"
        path = m.group("path") if m.group("op") else m.group("fpath")
        top = _TOP_KEY.match(path)
        if not top:
            return m.group(0)
        i = keys.setdefault(f"'$.{top.group(1)}'", len(keys) + 1)
        rest = "$" + top.group(2)
        value = f"jk[{i}]"
        if "*" in rest:  # a wildcard over a missing key gives [], as over JSON null
            value = f"coalesce({value}, 'null'::JSON)"
        if m.group("op") == "->" and rest == "$":
            return value
        if m.group("op"):
            return f"({value}{m.group('op')}'{rest}')"
        return f"{m.group('fn')}({value}, '{rest}')"

    return _J_READ.sub(read, sql)


_ROWS = "/*rows*/"
# errors that are not about the values of some rows: no point in looking for a bad row
_NOT_ROW_ERRORS = (duckdb.OutOfMemoryException, duckdb.InterruptException, duckdb.IOException,
                   duckdb.BinderException, duckdb.CatalogException, duckdb.ParserException)


def _stage(con, sql: str, raw_table: str, where: str, create: bool = False) -> None:
    """Append the projection of a format's raw items to ``_staged``, in slices of rows sized to
    the memory limit (DuckDB's JSON functions hold every parsed document of a vector, per
    expression and thread, outside what it can spill).  If some record's values make the SQL
    fail (a cast a projection does not guard), the failing rows are found by bisection and
    rejected one by one; the rest load."""
    lo, hi = con.execute(f"SELECT min(rowid), max(rowid) FROM {raw_table} WHERE {where}").fetchone()
    # the items' size from the first ones (reading every item would cost as much as a projection)
    avg_len = con.execute(f"SELECT avg(length(raw)) FROM (SELECT raw FROM {raw_table} WHERE {where} LIMIT 10000)"
                          ).fetchone()[0]
    step = _rows_per_statement(con, avg_len or 0)
    if lo is None or step >= 2048:  # a DuckDB vector: slicing finer than that is what bounds the memory
        if create:
            try:  # the common case in one statement
                con.execute(f"CREATE TEMP TABLE _staged AS {sql.replace(_ROWS, '')}")
                return
            except _NOT_ROW_ERRORS:
                raise
            except duckdb.Error:
                pass
        if lo is None:
            return
        step = hi - lo + 1
    if create:
        con.execute(f"CREATE TEMP TABLE _staged AS {sql.replace(_ROWS, '')} LIMIT 0")
    todo = [(a, min(a + step - 1, hi)) for a in range(lo + (hi - lo) // step * step, lo - 1, -step)]
    while todo:
        a, b = todo.pop()
        part = sql.replace(_ROWS, "" if (a, b) == (lo, hi) else f"AND rowid BETWEEN {a} AND {b}")
        try:
            con.execute(f"INSERT INTO _staged {part}")
        except _NOT_ROW_ERRORS:
            raise
        except duckdb.Error as exc:
            if a == b:
                con.execute(f"UPDATE {raw_table} SET error = ? WHERE rowid = ?",
                            [f"record could not be projected: {_first_line(exc)}", a])
                con.execute(f"INSERT INTO _staged {part}")
            else:  # halve the slice until the failing rows are found
                mid = (a + b) // 2
                todo += [(mid + 1, b), (a, mid)]


_UNITS = {"": 1, "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "kib": 2**10, "mib": 2**20, "gib": 2**30,
          "tib": 2**40}


def _rows_per_statement(con, avg_len: float) -> int:
    """Raw items one projection statement may take: a share of the memory limit per thread,
    at about 30 times an item's size (its parsed JSON, the values of its top-level keys and
    their parsed forms, per expression; measured: 25 times for OpenAlex snapshot works of 16 KB).
    Slicing below a vector costs the statement its parallelism, so it is kept for huge items."""
    limit, threads = con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()
    m = re.match(r"\s*([\d.]+)\s*([a-z]*)", str(limit).lower())
    limit_bytes = float(m.group(1)) * _UNITS.get(m.group(2), 1) if m else 8e9
    per_row = 30 * max(avg_len, 500)
    return max(64, int(limit_bytes * 0.3 / max(int(threads), 1) / per_row))


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
