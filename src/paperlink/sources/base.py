"""The one small interface every source format implements, and the readers they share.

A format turns one input file into *raw items*: ``(position, raw)`` rows where ``raw`` is one
record as JSON text (XML formats convert each record element to a JSON object first).  Every
format then maps a raw item to canonical columns with a SQL projection over the parsed JSON
``j``; :mod:`paperlink.records.load` runs that projection over the whole raw table in DuckDB and
applies the shared identifier clean-up.

Readers never hold a whole large file in Python memory: JSON Lines are read in byte chunks,
JSON arrays and documents through DuckDB's streaming JSON reader, XML with ``iterparse``.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import duckdb
import pyarrow as pa

CHUNK_BYTES = 32 * 1024 * 1024
BATCH_ROWS = 50_000

RAW_SCHEMA = pa.schema(
    [("position", pa.int64()), ("raw", pa.string()), ("error", pa.string())]
)

# Canonical columns a projection may set; anything it leaves out is NULL.
CANONICAL_FIELDS: dict[str, str] = {
    "source_id": "VARCHAR",
    "title": "VARCHAR",
    "authors": "VARCHAR[]",
    "year": "INTEGER",
    "publication_date": "VARCHAR",
    "venue": "VARCHAR",
    "volume": "VARCHAR",
    "issue": "VARCHAR",
    "pages": "VARCHAR",
    "doi": "VARCHAR",  # raw; cleaned by pl_doi()
    "arxiv_id": "VARCHAR",  # raw dedicated arXiv field; cleaned by pl_arxiv_norm()
    "pmid": "VARCHAR",
    "abstract": "VARCHAR",
    "urls": "VARCHAR[]",
    "other_ids": "VARCHAR[]",  # OAI ids, alternate DOIs, ... scanned for arXiv ids
    "work_type": "VARCHAR",
}


class InputFileError(Exception):
    """A file that cannot be read at all (missing, unknown format, unreadable)."""


@dataclass
class FileSample:
    """The first bytes of a file, decompressed, used for format detection."""

    path: Path
    text: str

    @property
    def stripped(self) -> str:
        return self.text.lstrip("\ufeff \t\r\n")

    @property
    def looks_like_xml(self) -> bool:
        return self.stripped.startswith("<")

    @property
    def looks_like_json_lines(self) -> bool:
        lines = [ln for ln in self.text.splitlines() if ln.strip()]
        if len(lines) < 2 or not lines[0].lstrip().startswith("{"):
            return False
        try:
            json.loads(lines[0])
            return True
        except ValueError:
            return False


def open_binary(path: Path):
    """Open a file for binary reading, gunzipping transparently."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")
    return open(path, "rb")


def sample_file(path: Path, n_bytes: int = 65536) -> FileSample:
    try:
        with open_binary(path) as fh:
            head = fh.read(n_bytes)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputFileError(f"{path}: cannot read file ({exc})") from exc
    return FileSample(path, head.decode("utf-8", errors="replace"))


class SourceFormat:
    """One native format of one source.

    Subclasses set ``name`` and ``projection`` and implement ``detect`` and ``raw_items``.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    # auto-detection tries formats in ascending order: specific markers first, generic last
    detect_priority: ClassVar[int] = 50
    # canonical column -> SQL expression over the parsed JSON record `j`
    projection: ClassVar[dict[str, str]]

    def detect(self, sample: FileSample) -> bool:
        """True if this format can read the file whose head is ``sample``."""
        raise NotImplementedError

    def raw_items(
        self, con: duckdb.DuckDBPyConnection, path: Path
    ) -> Iterator[pa.RecordBatch | str]:
        """Yield batches of ``RAW_SCHEMA`` (one row per input record, ``error`` set if it is
        unusable), or SQL queries with the same columns that DuckDB runs itself."""
        raise NotImplementedError

    def raw_sql(self) -> str:
        """SQL over ``raw`` applied as items land in ``raw_<source>`` (e.g. unwrap search hits)."""
        return "raw"

    def projection_for(self, spec) -> dict[str, str]:
        """The projection for one configured source (csv/parquet build theirs from ``spec.columns``)."""
        return self.projection

    def skip_item_sql(self) -> str:
        """SQL predicate over `j`: items that are not records at all (e.g. a batch ``null``)."""
        return "json_type(j) = 'NULL'"


# --------------------------------------------------------------------------- shared readers


def batch(positions: list[int], raws: list[str | None], errors: list[str | None]) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays(
        [pa.array(positions, pa.int64()), pa.array(raws, pa.string()), pa.array(errors, pa.string())],
        schema=RAW_SCHEMA,
    )


def _decode_lines(chunk: bytes) -> Iterator[tuple[str | None, str | None]]:
    try:
        text = chunk.decode("utf-8")
        for line in text.split("\n"):
            yield line, None
    except UnicodeDecodeError:
        for line in chunk.split(b"\n"):
            try:
                yield line.decode("utf-8"), None
            except UnicodeDecodeError as exc:
                yield line.decode("utf-8", errors="replace"), f"invalid UTF-8 ({exc.reason} at byte {exc.start})"


def read_json_lines(con: duckdb.DuckDBPyConnection, path: Path) -> Iterator[pa.RecordBatch | str]:
    """JSON Lines; one item per line (position = line number).

    Fast path: DuckDB's parallel newline-delimited reader, taken only when it returns exactly
    one item per line of the file (so no line was skipped).  Otherwise, or if DuckDB cannot
    read the file, the careful path below reports every bad line.
    """
    query = (f"SELECT row_number() OVER () AS position, json::VARCHAR AS raw, NULL::VARCHAR AS error "
             f"FROM read_ndjson_objects({_sql_str(path)}, ignore_errors = true, maximum_object_size = 1073741824)")
    try:
        fast = con.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0]
        if fast == _count_lines(path):
            yield query
            return
    except duckdb.Error:
        pass
    yield from _read_json_lines_carefully(path)


def _count_lines(path: Path) -> int:
    """Lines in a file (a last line without a newline counts); -1 if it has a blank line."""
    n, prev = 0, b"\n"
    try:
        with open_binary(path) as fh:
            while chunk := fh.read(CHUNK_BYTES):
                joined = prev[-2:] + chunk
                if b"\n\n" in joined or b"\n\r\n" in joined:
                    return -1
                n += chunk.count(b"\n")
                prev = chunk
    except (EOFError, OSError, zlib.error):
        return -1
    return n + (0 if prev.endswith(b"\n") else 1)


def _read_json_lines_carefully(path: Path) -> Iterator[pa.RecordBatch]:
    """JSON Lines streamed in byte chunks: one item per non-blank line, bad lines kept as errors."""
    line_no = 0
    positions: list[int] = []
    raws: list[str | None] = []
    errors: list[str | None] = []
    carry = b""
    truncated = None
    with open_binary(path) as fh:
        while True:
            try:
                chunk = fh.read(CHUNK_BYTES)
            except (EOFError, OSError, zlib.error) as exc:
                truncated = f"file truncated or corrupt after line {line_no}: {exc}"
                chunk = b""
            if not chunk:
                break
            data = carry + chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            carry = data[cut + 1 :]
            for line, err in _decode_lines(data[:cut]):
                line_no += 1
                if line.strip():
                    positions.append(line_no)
                    raws.append(line.rstrip("\r"))
                    errors.append(err)
            if len(positions) >= BATCH_ROWS:
                yield batch(positions, raws, errors)
                positions, raws, errors = [], [], []
    if carry.strip():
        for line, err in _decode_lines(carry):
            line_no += 1
            if line.strip():
                positions.append(line_no)
                raws.append(line.rstrip("\r"))
                errors.append(err)
    if truncated:
        positions.append(line_no + 1)
        raws.append(None)
        errors.append(truncated)
    if positions:
        yield batch(positions, raws, errors)


def read_json_document(
    con: duckdb.DuckDBPyConnection, path: Path, item_paths: list[str]
) -> Iterator[pa.RecordBatch]:
    """A JSON document: a top-level array (streamed by DuckDB) or an object whose records sit at
    the first of ``item_paths`` that exists (e.g. ``$.message.items``, ``$.message``); ``$`` is the
    object itself.  A document that does not parse becomes one item carrying the error.
    """
    sample = sample_file(path, 4096).stripped
    fmt = "array" if sample.startswith("[") else "unstructured"
    source = f"read_json_objects({_sql_str(path)}, format='{fmt}', maximum_object_size=1073741824)"
    if fmt == "array":
        sql = f"SELECT row_number() OVER () AS position, json::VARCHAR AS raw, NULL AS error FROM {source}"
    else:
        cases = " ".join(
            f"WHEN json_type(json, '{p}') = 'ARRAY' THEN json_extract(json, '{p}[*]') "
            f"WHEN json_type(json, '{p}') = 'OBJECT' THEN [json_extract(json, '{p}')] "
            for p in item_paths
        )
        sql = f"""
            WITH doc AS (SELECT CASE {cases} ELSE NULL END AS items FROM {source}),
                 flat AS (SELECT unnest(items) AS item FROM doc)
            SELECT row_number() OVER () AS position, item::VARCHAR AS raw, NULL AS error FROM flat"""
    try:
        table = con.sql(sql).arrow()
    except duckdb.Error as exc:
        yield batch([1], [None], [f"invalid JSON document: {_first_line(exc)}"])
        return
    if hasattr(table, "read_all"):
        table = table.read_all()
    if table.num_rows == 0:
        try:
            con.sql(f"SELECT count(*) FROM {source}").fetchall()
        except duckdb.Error as exc:
            yield batch([1], [None], [f"invalid JSON document: {_first_line(exc)}"])
            return
        # parsed fine but no records at the expected paths: an empty page or an unknown shape
        return
    for rb in table.cast(RAW_SCHEMA).to_batches(BATCH_ROWS):
        yield rb


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _sql_str(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def iter_xml_records(path: Path, tags: set[str], to_dict) -> Iterator[pa.RecordBatch]:
    """Stream XML with iterparse; each element whose local tag is in ``tags`` becomes one item
    (``to_dict(element)`` -> JSON-able dict).  A parse error ends the file with an error item."""
    from xml.etree import ElementTree as ET

    positions: list[int] = []
    raws: list[str | None] = []
    errors: list[str | None] = []
    n = 0
    try:
        with open_binary(path) as fh:
            for _event, elem in ET.iterparse(fh, events=("end",)):
                if local_name(elem.tag) not in tags:
                    continue
                n += 1
                positions.append(n)
                try:
                    raws.append(json.dumps(to_dict(elem), ensure_ascii=False))
                    errors.append(None)
                except Exception as exc:  # a record of the wrong shape: reject it, keep going
                    raws.append(None)
                    errors.append(f"unreadable record element: {exc}")
                elem.clear()
                if len(positions) >= BATCH_ROWS:
                    yield batch(positions, raws, errors)
                    positions, raws, errors = [], [], []
    except (ET.ParseError, EOFError, OSError, zlib.error) as exc:
        positions.append(n + 1)
        raws.append(None)
        errors.append(f"invalid XML after record {n}: {exc}")
    if positions:
        yield batch(positions, raws, errors)


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def xml_text(elem) -> str | None:
    """All text inside an element (markup dropped), whitespace collapsed."""
    if elem is None:
        return None
    text = " ".join("".join(elem.itertext()).split())
    return text or None


class JsonSourceFormat(SourceFormat):
    """A JSON source: API responses (one document) or bulk dumps (JSON Lines), auto-told apart.

    ``item_paths``: where records sit inside a document, tried in order (``$`` = the document).
    ``markers``: substrings of the first 64 KB that identify this source's JSON.
    ``wrapper_path``: where search hits wrap the record, if they do.
    """

    item_paths: ClassVar[list[str]] = ["$"]
    markers: ClassVar[list[str]] = []
    # search hits that wrap the record under a key (e.g. "$._source"): the record is kept
    wrapper_path: ClassVar[str | None] = None

    def raw_sql(self) -> str:
        if not self.wrapper_path:
            return "raw"
        return (f"CASE WHEN json_valid(raw) THEN coalesce(raw::JSON->'{self.wrapper_path}', raw::JSON)::VARCHAR "
                "ELSE raw END")

    def detect(self, sample: FileSample) -> bool:
        head = sample.stripped
        return head[:1] in "[{" and any(m in sample.text for m in self.markers)

    def raw_items(self, con, path):
        if sample_file(path).looks_like_json_lines:
            yield from read_json_lines(con, path)
        else:
            yield from read_json_document(con, path, self.item_paths)
