"""The one small interface every source format implements, and the readers they share.

A format turns one input file into *raw items*: ``(position, raw)`` rows where ``raw`` is one
record as JSON text (XML formats convert each record element to a JSON object first).  Every
format then maps a raw item to canonical columns with a SQL projection over the parsed JSON
``j``; :mod:`paperlink.records.load` runs that projection over the whole raw table in DuckDB and
applies the shared identifier clean-up.

Readers never hold a whole large file in Python memory: JSON Lines are read in byte chunks,
JSON arrays and documents through DuckDB's streaming JSON reader, XML with ``iterparse``.

Damaged input never stops a load.  Each reader turns what it cannot use into items that carry an
``error`` (they land in ``rejected_records``) and keeps every good record it can reach:

* JSON Lines: each line stands alone (invalid JSON or UTF-8 rejects that line only).
* JSON documents (an array, an API page): if DuckDB cannot read the whole document it is
  streamed again in Python; the records before the point where it breaks off load and the rest
  of the file becomes one rejected item.  Invalid UTF-8 and raw control characters inside a
  record's strings reject that record only.
* XML: the same, per record element (a parse error ends the file with one rejected item).
* Truncated or corrupt gzip: what decompresses is read, then one rejected item says where it ended.
"""

from __future__ import annotations

import codecs
import gzip
import json
import re
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import duckdb
import pyarrow as pa

CHUNK_BYTES = 32 * 1024 * 1024
BATCH_ROWS = 50_000
JSON_LINES_MAX_OBJECT = 64 * 1024 * 1024  # bytes of the longest line DuckDB reads itself (see read_json_lines)

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
    def lines(self) -> list[str]:
        """The non-blank lines of the sample."""
        return [ln for ln in self.text.lstrip("\ufeff").split("\n") if ln.strip(" \t\r")]

    @property
    def looks_like_json_lines(self) -> bool:
        """One JSON object per line: two or more non-blank lines, the first an object that parses
        on its own (a pretty-printed page's first line does not).  A JSON Lines file whose first
        line is damaged is read as a document first; see :meth:`JsonSourceFormat.raw_items`."""
        lines = self.lines
        if len(lines) < 2 or not lines[0].lstrip().startswith("{"):
            return False
        try:
            json.loads(lines[0])
            return True
        except (ValueError, RecursionError):
            return False


class _SafeGzip:
    """A gzip stream that hands out everything that decompresses before it breaks off.

    ``gzip.GzipFile.read(n)`` drops what it decompressed when the stream turns out truncated or
    corrupt; this reads block by block, returns what it got and raises on the next read.
    """

    def __init__(self, path: Path):
        self._fh = gzip.open(path, "rb")
        self._error: BaseException | None = None

    def read(self, n: int = -1) -> bytes:
        if self._error is not None:
            raise self._error
        parts: list[bytes] = []
        size = 0
        try:
            while n is None or n < 0 or size < n:
                chunk = self._fh.read1(1 << 20 if n is None or n < 0 else min(n - size, 1 << 20))
                if not chunk:
                    break
                parts.append(chunk)
                size += len(chunk)
        except (EOFError, OSError, zlib.error) as exc:
            self._error = exc
            if not parts:
                raise
        return b"".join(parts)

    def close(self) -> None:
        self._fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_binary(path: Path):
    """Open a file for binary reading, gunzipping transparently (a truncated gzip gives what it has)."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return _SafeGzip(path)
    return open(path, "rb")


def sample_file(path: Path, n_bytes: int = 65536, whole_lines: int = 0, max_bytes: int = 1 << 26) -> FileSample:
    """The first ``n_bytes`` of a file, decompressed (a truncated gzip gives what it has).  With
    ``whole_lines``, read on (up to ``max_bytes``) until that many lines are complete, so a first
    line longer than ``n_bytes`` is seen whole."""
    head = b""
    try:
        with open_binary(path) as fh:
            while chunk := fh.read(max(n_bytes, len(head)) if head else n_bytes):
                head += chunk
                if not whole_lines or head.count(b"\n") >= whole_lines or len(head) >= max_bytes:
                    break
    except (EOFError, zlib.error, gzip.BadGzipFile):
        pass  # a truncated or corrupt gzip: the sample is what decompressed (the reader reports the rest)
    except OSError as exc:
        if not head:
            raise InputFileError(f"{path}: cannot read file ({exc})") from exc
    return FileSample(path, head.decode("utf-8", errors="replace"))


@dataclass
class CheckedQuery:
    """A query that DuckDB runs itself, giving a whole file's raw items: its rows stand only if
    there are ``expected_rows()`` of them, else they are dropped and the file's items are
    ``fallback()`` instead (also when the query fails).

    ``unnumbered_sql`` gives the same items without ``position``, in file order (row *i* is
    position *i* + 1): numbering rows makes DuckDB run a statement on one thread, so statements
    that can do without the number (a projection into a table, whose row ids keep the order)
    read this one."""

    sql: str
    expected_rows: Callable[[], int]
    fallback: Callable[[], Iterator[pa.RecordBatch]]
    unnumbered_sql: str


class SourceFormat:
    """One native format of one source.

    Subclasses set ``name`` and ``projection`` and implement ``detect`` and ``raw_items``.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    # auto-detection tries formats in ascending order: specific markers first, generic last
    detect_priority: ClassVar[int] = 50
    # canonical column -> SQL expression over the parsed JSON record `j`; reads written as
    # j->>'$.key…', j->'$.key…' or json_*(j, '$.key…') cost no extra parse of the record
    projection: ClassVar[dict[str, str]]

    def detect(self, sample: FileSample) -> bool:
        """True if this format can read the file whose head is ``sample``."""
        raise NotImplementedError

    def raw_items(
        self, con: duckdb.DuckDBPyConnection, path: Path
    ) -> Iterator[pa.RecordBatch | CheckedQuery]:
        """Yield batches of ``RAW_SCHEMA`` (one row per input record, ``error`` set if it is
        unusable), or a :class:`CheckedQuery` with the same columns."""
        raise NotImplementedError

    def raw_sql(self) -> str:
        """SQL over ``raw`` applied as items land in ``raw_<source>`` (e.g. unwrap search hits)."""
        return "raw"

    def read_options(self, spec) -> dict:
        """Keyword arguments of :meth:`raw_items` from one configured source (csv: its ``encoding``)."""
        return {}

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


_BLANK = " \t\r"  # a line of only these is blank (not an item); anything else is one


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


def read_json_lines(con: duckdb.DuckDBPyConnection, path: Path) -> Iterator[CheckedQuery]:
    """JSON Lines; one item per line (position = line number).

    Fast path: DuckDB's parallel newline-delimited reader, whose items stand only if it parsed
    exactly one per line of the file (the lines are counted in a thread meanwhile).  Otherwise,
    or if DuckDB cannot read the file, the careful path below reports every bad line.
    """
    # ignore_errors turns a bad line into a NULL row, which fails the query.  DuckDB reads the
    # file in buffers the size of the largest object allowed, one thread per buffer: lines above
    # JSON_LINES_MAX_OBJECT go the careful way, which takes any length
    items = ("SELECT CASE WHEN json IS NULL THEN error('a line DuckDB cannot parse') ELSE json::VARCHAR END AS raw, "
             f"NULL::VARCHAR AS error FROM read_ndjson_objects({sql_str(path)}, ignore_errors = true, "
             f"maximum_object_size = {JSON_LINES_MAX_OBJECT})")
    query = f"SELECT row_number() OVER () AS position, raw, error FROM ({items})"
    with ThreadPoolExecutor(1) as pool:
        lines = pool.submit(_count_lines, path)
        yield CheckedQuery(query, lines.result, lambda: _read_json_lines_carefully(path), unnumbered_sql=items)


_BLANK_LINE = re.compile(rb"\n\r?\n")


def _count_lines(path: Path) -> int:
    """Lines in a file (a last line without a newline counts); -1 if it has a blank line."""
    n, prev = 0, b"\n"
    try:
        with open_binary(path) as fh:
            while chunk := fh.read(CHUNK_BYTES):
                if _BLANK_LINE.search(chunk) or _BLANK_LINE.search(prev[-2:] + chunk[:2]):
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
                if line_no == 1:
                    line = line.removeprefix("\ufeff")
                if line.strip(_BLANK):
                    positions.append(line_no)
                    raws.append(line.rstrip("\r"))
                    errors.append(err)
            if len(positions) >= BATCH_ROWS:
                yield batch(positions, raws, errors)
                positions, raws, errors = [], [], []
    if carry.strip(_BLANK.encode()):
        for line, err in _decode_lines(carry):
            line_no += 1
            if line_no == 1:
                line = line.removeprefix("\ufeff")
            if line.strip(_BLANK):
                positions.append(line_no)
                raws.append(line.rstrip("\r"))
                errors.append(err)
    if truncated:
        positions.append(line_no + 1)
        raws.append(None)
        errors.append(truncated)
    if positions:
        yield batch(positions, raws, errors)


NO_ITEMS = "no records at"  # the error item of a JSON document without any of its item paths


def read_json_document(
    con: duckdb.DuckDBPyConnection, path: Path, item_paths: list[str]
) -> Iterator[pa.RecordBatch]:
    """A JSON document: a top-level array (streamed by DuckDB) or an object whose records sit at
    the first of ``item_paths`` that exists (e.g. ``$.message.items``, ``$.message``); ``$`` is the
    object itself.  A document that DuckDB cannot read is streamed again by
    :func:`salvage_json_document` (records up to the damage, then one error item); a document
    with none of the item paths is one error item.
    """
    sample = sample_file(path, 4096).stripped
    fmt = "array" if sample.startswith("[") else "unstructured"
    source = f"read_json_objects({sql_str(path)}, format='{fmt}', maximum_object_size=1073741824)"
    if fmt == "array":
        sql = f"SELECT row_number() OVER () AS position, json::VARCHAR AS raw, NULL AS error FROM {source}"
    else:
        cases = " ".join(
            f"WHEN json_type(json, '{p}') = 'ARRAY' THEN json_extract(json, '{p}[*]') "
            f"WHEN json_type(json, '{p}') = 'OBJECT' THEN [json_extract(json, '{p}')] "
            for p in item_paths
        )
        missing = sql_str(f"{NO_ITEMS} {', '.join(item_paths)}: the document is JSON ")
        sql = f"""
            WITH doc AS (SELECT CASE {cases} ELSE NULL END AS items, json_type(json) AS t FROM {source}),
                 flat AS (SELECT unnest(coalesce(items, [NULL::JSON])) AS item, items IS NULL AS missing, t FROM doc)
            SELECT row_number() OVER () AS position, item::VARCHAR AS raw,
                   CASE WHEN missing THEN {missing} || t END AS error FROM flat"""
    try:
        table = con.sql(sql).arrow()
        if hasattr(table, "read_all"):
            table = table.read_all()  # a stream: parse errors surface here
    except Exception:  # duckdb.Error or the Arrow stream's error: read it again, carefully
        yield from salvage_json_document(path, item_paths)
        return
    for rb in table.cast(RAW_SCHEMA).to_batches(BATCH_ROWS):
        yield rb


class _Rows:
    """Raw items collected into ``RAW_SCHEMA`` batches."""

    def __init__(self) -> None:
        self.positions: list[int] = []
        self.raws: list[str | None] = []
        self.errors: list[str | None] = []

    def add(self, position: int, raw: str | None, error: str | None = None) -> None:
        self.positions.append(position)
        self.raws.append(raw)
        self.errors.append(error)

    @property
    def full(self) -> bool:
        return len(self.positions) >= BATCH_ROWS

    def take(self) -> pa.RecordBatch:
        b = batch(self.positions, self.raws, self.errors)
        self.positions, self.raws, self.errors = [], [], []
        return b


# Bytes that are not UTF-8 and raw control characters become SENTINEL while a document is parsed
# (they would end the parse there); a record that still holds one is rejected on its own.
SENTINEL = "\ufdd0"  # a Unicode noncharacter: never in real text
TAINTED = "invalid UTF-8 or a control character in the record"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
codecs.register_error("paperlink-sentinel", lambda exc: (SENTINEL, exc.end))


def clean_text_chunks(chunks: Iterator[bytes], encoding: str = "utf-8") -> Iterator[str]:
    """Decode byte chunks incrementally; undecodable bytes and C0 control characters (but tab,
    newline, return) become :data:`SENTINEL`."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="paperlink-sentinel")
    for chunk in chunks:
        text = decoder.decode(chunk)
        if text:
            yield _CONTROL.sub(SENTINEL, text)
    tail = decoder.decode(b"", final=True)
    if tail:
        yield _CONTROL.sub(SENTINEL, tail)


def read_chunks(fh, size: int = 1 << 20) -> Iterator[bytes]:
    while chunk := fh.read(size):
        yield chunk


class _ChunkReader:
    """A file-like ``read(n)`` over an iterator of str chunks (as UTF-8 bytes), for ijson."""

    def __init__(self, chunks: Iterator[str]):
        self._chunks = chunks
        self._buf = b""
        self._error: BaseException | None = None

    def read(self, n: int = -1) -> bytes:
        if self._error is not None and not self._buf:
            raise self._error
        while self._error is None and (n < 0 or len(self._buf) < n):
            try:
                chunk = next(self._chunks, None)
            except Exception as exc:  # noqa: BLE001 - hand out what was read first, raise next time
                self._error = exc
                if not self._buf:
                    raise
                break
            if chunk is None:
                break
            self._buf += chunk.encode("utf-8")
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out


def _json_default(value):
    """Numbers the pure-Python JSON parser returns as Decimal (beyond float/int64 range)."""
    import decimal

    if isinstance(value, decimal.Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return float(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def _record_text(value) -> tuple[str | None, str | None]:
    """A parsed record as (raw JSON, error): records holding the sentinel are rejected."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=_json_default)
    except (ValueError, TypeError, RecursionError) as exc:
        return None, f"unreadable record: {exc}"
    if SENTINEL in text:
        return text.replace(SENTINEL, "\ufffd"), TAINTED
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (an escaped "\ud800"): not text
        return json.dumps(value, default=_json_default), "invalid Unicode in the record (a lone surrogate)"
    return text, None


def _error_text(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip() and "right here" not in ln]
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:300]


def ijson_salvage(path: Path, one_pass) -> Iterator[pa.RecordBatch]:
    """Run ``one_pass(reader, backend, skip, rows)`` (a generator of batches returning
    ``(records, docs, exception)``) over the file's cleaned text with ijson's fast C parser; if it
    stops at a number beyond its range, go on with the pure-Python parser (the records already
    read are skipped).  Where the file breaks off is one error item."""
    import ijson

    backends = [ijson]  # the best backend available (yajl2_c)
    if ijson.backend != "python":
        backends.append(ijson.get_backend("python"))
    rows = _Rows()
    n, docs, exc = 0, 0, None
    for backend in backends:
        with open_binary(path) as fh:
            reader = _ChunkReader(clean_text_chunks(read_chunks(fh), "utf-8-sig"))
            n, docs, exc = yield from one_pass(reader, backend, n, rows)
        if exc is None or "overflow" not in str(exc):
            break
    if exc is not None:
        rows.add(n + 1, None, f"invalid JSON document after record {n} ({docs} complete JSON values before it): "
                              f"{_error_text(exc)}")
    if rows.positions:
        yield rows.take()


def salvage_json_document(path: Path, item_paths: list[str]) -> Iterator[pa.RecordBatch]:
    """Stream a JSON file that DuckDB could not read as a whole, with the same item paths as
    :func:`read_json_document` (a top-level array: its elements).  Every record completed
    before the point where the file breaks off is an item; that point is one error item.
    Several concatenated documents are read one after another."""
    yield from ijson_salvage(path, lambda reader, backend, skip, rows: _document_pass(
        reader, backend, skip, rows, item_paths))


def _document_pass(reader, backend, skip: int, rows: _Rows, item_paths: list[str]):
    from ijson.common import ObjectBuilder

    cands = ["" if p == "$" else p.removeprefix("$.") for p in item_paths]
    n = 0
    depth = 0  # containers open before the current event
    top = None  # first event of the current document
    seen = len(cands)  # best rank of an item path met in this document (len: none yet)
    whole: ObjectBuilder | None = None  # the document itself, while "$" may still be its record
    open_arrays: dict[str, int] = {}  # item-path arrays open now: prefix -> rank
    builders: list[tuple[int, int, ObjectBuilder]] = []  # records being built: (depth, rank, builder)
    docs = 0  # complete top-level JSON values

    def emit(value) -> None:
        nonlocal n
        n += 1
        if n > skip:
            rows.add(n, *_record_text(value))

    try:
        for prefix, event, value in backend.parse(reader, multiple_values=True, use_float=backend.backend != "python"):
            starts = event in ("start_map", "start_array")
            ends = event in ("end_map", "end_array")
            scalar = event in ("string", "number", "boolean", "null")
            if depth == 0:  # a new document
                top, seen, builders, open_arrays = event, len(cands), [], {}
                whole = ObjectBuilder() if event == "start_map" and "" in cands else None
                if scalar:
                    emit(value)  # a bare scalar: rejected later as "not a record object"
                    docs += 1
                    continue
            elif starts or scalar:
                rank = None  # the rank of the record this event starts, if it starts one
                if top == "start_array":
                    rank = 0 if depth == 1 and prefix == "item" else None
                elif prefix in cands and prefix and starts:
                    r = cands.index(prefix)
                    seen = min(seen, r)
                    if event == "start_array":
                        open_arrays[prefix] = r  # its elements are the records
                    else:
                        rank = r  # the object is the record
                elif prefix.endswith(".item") and prefix[:-5] in open_arrays:
                    rank = open_arrays[prefix[:-5]]
                if rank is not None and rank <= seen:
                    if starts:
                        builders.append((depth, rank, ObjectBuilder()))
                    else:
                        emit(value)  # a scalar element
                if whole is not None and seen < len(cands) and cands[seen]:
                    whole = None  # a better item path exists: the document is not the record
            for _, _, b in builders:
                b.event(event, value)
            if whole is not None:
                whole.event(event, value)
            if starts:
                depth += 1
            elif ends:
                depth -= 1
                if event == "end_array":
                    open_arrays.pop(prefix, None)
                while builders and builders[-1][0] == depth:
                    _, rank, b = builders.pop()
                    if rank <= seen:
                        emit(b.value)
                if depth == 0:
                    docs += 1
                    if whole is not None:
                        emit(whole.value)
                    elif top == "start_map" and seen == len(cands):
                        n += 1
                        if n > skip:
                            rows.add(n, None, f"{NO_ITEMS} {', '.join(item_paths)}: the document is JSON OBJECT")
            if rows.full:
                yield rows.take()
    except Exception as exc:  # noqa: BLE001 - the parse error, a truncated gzip, ...: the rest is one item
        return n, docs, exc
    return n, docs, None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def sql_str(value: object) -> str:
    """``value`` as a SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def xml_encoding(head: bytes) -> str:
    """The encoding an XML file declares (BOM or ``<?xml encoding=...?>``), UTF-8 by default."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    m = re.match(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", head)
    if m:
        try:
            return codecs.lookup(m.group(1).decode("ascii")).name
        except LookupError:
            pass
    return "utf-8"


def iter_xml_records(path: Path, tags: set[str], to_dict, transform=None) -> Iterator[pa.RecordBatch]:
    """Stream XML; each element whose local tag is in ``tags`` becomes one item
    (``to_dict(element)`` -> JSON-able dict).  ``transform(binary file)`` may rewrite the bytes
    first (DBLP's entities).  The text is decoded here, so invalid UTF-8 and control characters
    reject their record only (see :data:`SENTINEL`); a parse error ends the file with an error item.
    """
    from xml.etree import ElementTree as ET

    rows = _Rows()
    n = 0
    root = None
    parser = ET.XMLPullParser(events=("start", "end"))

    def records():
        nonlocal n, root
        for event, elem in parser.read_events():
            if root is None:
                root = elem
            if event != "end" or local_name(elem.tag) not in tags:
                continue
            n += 1
            try:
                rows.add(n, *_record_text(to_dict(elem)))
            except Exception as exc:  # a record of the wrong shape: reject it, keep going
                rows.add(n, None, f"unreadable record element: {exc}")
            elem.clear()
            if elem is not root:
                root.clear()  # drop finished records from the root
            if rows.full:
                yield rows.take()

    try:
        with open_binary(path) as fh:
            chunks = transform(fh) if transform else read_chunks(fh)
            first = next(chunks, b"")
            encoding = xml_encoding(first[:1024])

            def all_chunks():
                yield first
                yield from chunks

            for text in clean_text_chunks(all_chunks(), encoding):
                parser.feed(text)  # str: the parser takes it as decoded, whatever the declaration
                yield from records()
            parser.close()
            yield from records()
    except Exception as exc:  # noqa: BLE001 - ParseError, a truncated gzip, ...
        rows.add(n + 1, None, f"invalid XML after record {n}: {exc}")
    if rows.positions:
        yield rows.take()


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
        if sample_file(path, whole_lines=2).looks_like_json_lines:
            yield from read_json_lines(con, path)
            return
        batches = list(read_json_document(con, path, self.item_paths))
        broken = _broken_after(batches)
        if broken is not None and (broken[1] >= 2 or _json_object_lines(path, broken[0]) > broken[0]):
            # JSON values one after another (JSON Lines whose first line is damaged): read line
            # by line, every line after the damage survives
            yield from read_json_lines(con, path)
        elif _values_without_items(batches, path):
            # objects without the page structure: JSON Lines (whose first line json.loads
            # refused, or a file of one line), every line read as a record
            yield from read_json_lines(con, path)
        else:
            yield from batches


def _values_without_items(batches: list, path: Path) -> bool:
    """The document read found only top-level values without any item path, and either several
    of them (a page is one value) or a file of one line."""
    errors = [e for b in batches for e in b.column("error").to_pylist()]
    if not errors or not all((e or "").startswith(NO_ITEMS) for e in errors):
        return False
    return len(errors) >= 2 or len(sample_file(path, whole_lines=2).lines) == 1


def _broken_after(batches: list) -> tuple[int, int] | None:
    """(records, complete JSON values) before the damage if a document read broke off, else None."""
    if not batches or not isinstance(batches[-1], pa.RecordBatch) or not batches[-1].num_rows:
        return None
    last = batches[-1].column(2)[-1].as_py() or ""
    m = re.match(r"invalid JSON document after record (\d+) \((\d+) complete", last)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _json_object_lines(path: Path, enough: int) -> int:
    """How many lines of the file are a JSON object on their own (counting stops above ``enough``,
    or early when the lines clearly are not JSON Lines)."""
    good = seen = 0
    try:
        with open_binary(path) as fh:
            carry = b""
            for chunk in read_chunks(fh):
                lines = (carry + chunk).split(b"\n")
                carry = lines.pop()
                for line in lines:
                    if not line.strip():
                        continue
                    seen += 1
                    try:
                        good += isinstance(json.loads(line.decode("utf-8", "replace"), strict=False), dict)
                    except (ValueError, RecursionError):
                        pass
                    if good > enough or (seen >= 1000 and good * 2 < seen):
                        return good
            if carry.strip():
                try:
                    good += isinstance(json.loads(carry.decode("utf-8", "replace"), strict=False), dict)
                except (ValueError, RecursionError):
                    pass
    except Exception:  # noqa: BLE001 - a truncated gzip: what was read counts
        pass
    return good
