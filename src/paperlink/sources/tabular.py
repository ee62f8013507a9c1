"""Any table (CSV or Parquet) with a column mapping, e.g. the labelled benchmarks.

``columns`` maps canonical fields to the file's column names (``{title = "title", authors =
"authors", source_id = "id"}``); a list of columns takes the first one that is not empty in a
row (``{year = ["year", "date"], venue = ["journal", "booktitle"]}``; for ``year``, the first
that holds a year).  A string author column is split into names on ``;``, `` and ``, ``&`` or,
failing those, on commas between full names; a list column is taken as is.

Bad rows do not stop a CSV: DuckDB's reject store collects them (too many or too few fields,
undecodable bytes, ...) and each becomes a rejected item with its line number and text.  A file
that lacks a mapped column rejects all its rows with a reason naming the column.

Text encoding (the source's ``encoding``): ``auto`` reads UTF-8, and a line that is not UTF-8
as Windows-1252 (Latin-1 where that has no character), so a benchmark file written in Latin-1
or a scrape that mixes both loads whole; any other Python codec name reads the whole file in it
(a line it cannot decode is rejected).  A file that needs decoding is transcoded line by line to
a temporary UTF-8 copy for DuckDB's reader, so line numbers stay those of the file.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import tempfile
import uuid
from pathlib import Path

import pyarrow as pa

from paperlink.sources.base import (
    BATCH_ROWS,
    RAW_SCHEMA,
    CANONICAL_FIELDS,
    FileSample,
    InputFileError,
    SourceFormat,
    _first_line,
    sql_str,
    batch,
    open_binary,
)

SPLIT_AUTHORS = "pl_split_authors({})"


class _Table(SourceFormat):
    reader: str
    detect_priority = 90

    def projection_for(self, spec) -> dict[str, str]:
        if not spec.columns:
            raise InputFileError(f"source {spec.name!r}: format {self.name} needs a `columns` mapping")
        projection = {}
        for field, columns in spec.columns.items():
            if field not in CANONICAL_FIELDS:
                raise InputFileError(
                    f"source {spec.name!r}: columns.{field} is not a canonical field "
                    f"(known: {', '.join(CANONICAL_FIELDS)})"
                )
            names = _column_names(columns)
            if len(names) == 1:
                projection[field] = _field_sql(field, names[0])
            elif field == "year":
                projection[field] = f"coalesce({', '.join(_field_sql(field, c) for c in names)})"
            else:  # the first column that is not empty (blank) in this row
                present = " ".join(f"WHEN nullif(trim(j->>{_path(c)}), '') IS NOT NULL THEN {_field_sql(field, c)}"
                                   for c in names)
                projection[field] = f"CASE {present} END"
        return projection

    def reader_sql(self, path, rejects: str | None = None, strict: bool = True) -> str:
        return self.reader.format(sql_str(path))

    def columns_of(self, con, path, encoding: str = "auto") -> list[str] | None:
        cur = con.cursor()
        try:
            return [r[0] for r in cur.execute(f"DESCRIBE SELECT * FROM {self.reader_sql(path)}").fetchall()]
        except Exception:  # noqa: BLE001 - unreadable: raw_items reports it
            return None
        finally:
            cur.close()

    def check_file(self, con, path, spec) -> str | None:
        """Why every row of this file is unusable (a mapped column it lacks), or None."""
        cols = self.columns_of(con, path, spec.encoding)
        if not cols:
            return None
        missing = [f"{col!r} (columns.{field})" for field, columns in spec.columns.items()
                   for col in _column_names(columns) if col.replace('"', "") not in cols]
        if not missing:
            return None
        shown = ", ".join(repr(c) for c in cols[:20]) + (", ..." if len(cols) > 20 else "")
        return f"this file has no column {', '.join(missing)}; its columns: {shown}"

    def read_options(self, spec) -> dict:
        return {"encoding": spec.encoding} if self.name == "csv" else {}

    def raw_items(self, con, path, encoding: str = "auto"):
        if self.name != "csv":
            yield from self._raw_items(con, path)
            return
        with utf8_copy(path, encoding) as (readable, broke_off):
            last = 0
            for items in self._raw_items(con, readable):
                last = max([last, *items.column(0).to_pylist()])
                yield items
        if broke_off:
            yield batch([last + 1], [None], [f"unreadable csv file after row {last}: file truncated or corrupt ({broke_off})"])

    def _raw_items(self, con, path):
        n = 0
        rejects: list[tuple] = []
        error = None
        for strict in (True, False):  # a CSV that breaks DuckDB's strict parser is read on leniently
            error, n = yield from self._read(con, path, n, strict, rejects)
            if not error or self.name != "csv" or "GZIP" in error.upper():
                break
        if error and open_binary_is_gzip(path):
            # DuckDB cannot read past a truncated gzip: read what decompresses from a copy
            with tempfile.TemporaryDirectory() as tmp:
                copy = Path(tmp) / Path(str(path)).name.removesuffix(".gz")
                ended = _gunzip_what_remains(path, copy)
                for strict in (True, False):
                    again, n = yield from self._read(con, copy, n, strict, rejects)
                    if not again:
                        break
            error = f"unreadable {self.name} file after row {n}: file truncated or corrupt ({ended})"
        if error:
            yield batch([n + 1], [None], [error])
            n += 1
        if rejects:  # rows DuckDB's reject store holds (bad field counts, invalid UTF-8, ...), one item each
            yield batch(list(range(n + 1, n + 1 + len(rejects))), [r[1] for r in rejects],
                        [f"CSV line {r[0]}: {r[2]}"[:500] for r in rejects])

    def _read(self, con, path, skip: int, strict: bool, rejects: list):
        """Yield batches of rows ``skip + 1``...; return an error text if the read broke off (else
        None) and the last row read.  Rows the reject store holds are appended to ``rejects``.
        (No state on ``self``: a format object is shared by sources loading side by side.)"""
        table = f"_pl_rejects_{uuid.uuid4().hex[:12]}"
        cur = con.cursor()
        sql = f"SELECT to_json(t)::VARCHAR AS raw FROM {self.reader_sql(path, table, strict)} t OFFSET {int(skip)}"
        n = skip
        error = None
        try:
            for rb in cur.sql(sql).to_arrow_reader(BATCH_ROWS):
                positions = pa.array(range(n + 1, n + 1 + rb.num_rows), pa.int64())
                n += rb.num_rows
                yield pa.RecordBatch.from_arrays(
                    [positions, rb.column(0).cast(pa.string()), pa.nulls(rb.num_rows, pa.string())], schema=RAW_SCHEMA)
        except Exception as exc:  # noqa: BLE001 - duckdb.Error / Arrow: a file the reader cannot parse (further)
            error = f"unreadable {self.name} file{f' after row {n}' if n else ''}: {_first_line(exc)}"
        try:
            if self.name == "csv":
                rejects += cur.execute(
                    f"SELECT line, any_value(csv_line), string_agg(DISTINCT error_type || ': ' || error_message, '; ' ORDER BY error_type || ': ' || error_message) "
                    f"FROM {table} GROUP BY line ORDER BY line").fetchall()
        except Exception:  # noqa: BLE001 - no reject store (the read failed before creating it)
            pass
        finally:
            cur.close()
        return error, n


def _column_names(columns: str | list[str]) -> list[str]:
    return [columns] if isinstance(columns, str) else list(columns)


def _path(column: str) -> str:
    """The JSON path of a column of the row object (``$."name"``) as a SQL string."""
    return sql_str("$." + '"' + str(column).replace('"', '') + '"')


def _field_sql(field: str, column: str) -> str:
    """One canonical field from one column of the row object ``j``."""
    ref = f"j->>{_path(column)}"
    if field == "authors":
        raw = f"j->{_path(column)}"
        return f"CASE WHEN json_type({raw}) = 'ARRAY' THEN json_extract_string({raw}, '$[*]') ELSE {SPLIT_AUTHORS.format(ref)} END"
    if field in ("urls", "other_ids"):
        return f"string_split({ref}, ' ')"
    if field == "year":
        return f"pl_year({ref})"
    return ref


def _latin1_where_cp1252_has_none(err: UnicodeDecodeError) -> tuple[str, int]:
    return err.object[err.start:err.end].decode("latin-1"), err.end


codecs.register_error("paperlink-latin1", _latin1_where_cp1252_has_none)


def decode_line(line: bytes) -> str:
    """One line of text as ``auto`` reads it: UTF-8, or else Windows-1252."""
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("cp1252", "paperlink-latin1")


def _is_utf8(path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open_binary(Path(str(path))) as fh:
        try:
            while chunk := fh.read(1 << 24):
                if not chunk.isascii():
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
        except Exception:  # noqa: BLE001 - unreadable or truncated: the reader reports it
            return True
    return True


@contextlib.contextmanager
def utf8_copy(path, encoding: str = "auto"):
    """Yield ``(readable, broke_off)``: ``path`` itself if it is UTF-8 (``auto``, ``utf-8``),
    else a temporary UTF-8 copy (``auto``: decoded line by line by :func:`decode_line`; a named
    codec: decoded in it, bytes it cannot decode become U+FFFD).  ``broke_off`` says why a
    damaged gzip's copy ends early (None if whole)."""
    if codecs.lookup(encoding).name == "utf-8" if encoding != "auto" else _is_utf8(path):
        yield path, None
        return
    decoder = None if encoding == "auto" else codecs.getincrementaldecoder(encoding)("replace")
    with tempfile.TemporaryDirectory(prefix="paperlink-csv-") as tmp:
        copy = Path(tmp) / Path(str(path)).name.removesuffix(".gz")
        broke_off, rest = None, b""
        with open_binary(Path(str(path))) as src, open(copy, "wb") as dst:
            while True:
                try:
                    chunk = src.read(1 << 24)
                except Exception as exc:  # noqa: BLE001 - a damaged gzip: the copy ends here
                    broke_off, chunk = f"{type(exc).__name__}: {exc}", b""
                if decoder is not None:
                    dst.write(decoder.decode(chunk, final=not chunk).encode("utf-8"))
                else:
                    if chunk:
                        lines = (rest + chunk).split(b"\n")
                        rest = lines.pop()  # the line the next chunk completes
                    else:
                        lines = [rest] if rest else []
                    dst.write(b"\n".join(decode_line(line).encode("utf-8") for line in lines) + b"\n" * bool(lines))
                if not chunk:
                    break
        yield copy, broke_off


def open_binary_is_gzip(path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _gunzip_what_remains(path, target: Path) -> str:
    """Copy what decompresses of a damaged gzip to ``target``; returns how it ended."""
    ended = "complete"
    with open_binary(Path(str(path))) as src, open(target, "wb") as dst:
        try:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        except Exception as exc:  # noqa: BLE001
            ended = f"{type(exc).__name__}: {exc}"
    return ended


def _header(path, encoding: str = "auto") -> tuple[str, list[str]] | None:
    """The delimiter (the most frequent of , tab ; | in the first line) and the column names of a
    CSV/TSV file (duplicates numbered as DuckDB does: ``id``, ``id_1``), or None if unreadable."""
    try:
        with open_binary(Path(str(path))) as fh:
            head = fh.read(1 << 20)
    except Exception:  # noqa: BLE001 - unreadable: the reader reports it
        return None
    text = decode_line(head.split(b"\n", 1)[0]) if encoding == "auto" else head.decode(encoding, "replace")
    line = text.split("\n", 1)[0].lstrip("\ufeff").rstrip("\r")
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    delim = max(counts, key=lambda d: (counts[d], d == ","))
    delim = delim if counts[delim] else ","
    names: list[str] = []
    for name in next(csv.reader([line], delimiter=delim), []) or ["column0"]:
        name = name or f"column{len(names)}"
        base, k = name, 0
        while name in names:
            k += 1
            name = f"{base}_{k}"
        names.append(name)
    return delim, names


class Csv(_Table):
    """CSV/TSV.  The dialect and the columns come from the header line, not from DuckDB's
    sniffer, which damaged rows can mislead (another delimiter, a later line taken for the
    header); a file that breaks the strict parser (mixed line ends, stray quotes) is read on in
    lenient mode."""

    name = "csv"
    description = "CSV/TSV with a column mapping"
    reader = "read_csv({}, all_varchar = true, header = true, max_line_size = 134217728)"

    def columns_of(self, con, path, encoding: str = "auto") -> list[str] | None:
        header = _header(path, encoding)
        return header[1] if header else None

    def reader_sql(self, path, rejects: str | None = None, strict: bool = True) -> str:
        header = _header(path)
        if header is None:
            return self.reader.format(sql_str(path))
        delim, names = header
        columns = "{" + ", ".join(f"{sql_str(c)}: 'VARCHAR'" for c in names) + "}"
        sql = (f"read_csv({sql_str(path)}, auto_detect = false, header = true, delim = {sql_str(delim)}, "
               f"quote = '\"', escape = '\"', columns = {columns}, max_line_size = 134217728, "
               f"strict_mode = {str(strict).lower()}")
        if rejects:
            sql += f", store_rejects = true, rejects_table = '{rejects}', rejects_scan = '{rejects}_scan'"
        return sql + ")"

    def detect(self, sample: FileSample) -> bool:
        return sample.path.name.lower().removesuffix(".gz").endswith((".csv", ".tsv"))


class Parquet(_Table):
    name = "parquet"
    description = "Parquet with a column mapping"
    reader = "read_parquet({})"

    def detect(self, sample: FileSample) -> bool:
        return sample.path.suffix.lower() == ".parquet"
