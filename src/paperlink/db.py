"""DuckDB connections with paperlink's settings and SQL macros."""

from __future__ import annotations

import html
import re
from importlib import resources
from pathlib import Path

import duckdb

SQL_PACKAGE = "paperlink.sql"


def connect(
    path: str | Path = ":memory:",
    threads: int | None = None,
    memory_limit: str | None = None,
    temp_directory: str | Path | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open (or create) a DuckDB database and install paperlink's macros."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute("SET memory_limit = ?", [str(memory_limit)])
    if temp_directory:
        Path(temp_directory).mkdir(parents=True, exist_ok=True)
        con.execute("SET temp_directory = ?", [str(temp_directory)])
    install_functions(con)
    return con


def install_functions(con: duckdb.DuckDBPyConnection) -> None:
    """Register paperlink's UDFs and SQL macros on a connection (idempotent)."""
    register_udfs(con)
    for name in ("identifiers.sql", "features.sql"):
        run_sql_file(con, name)


def register_udfs(con: duckdb.DuckDBPyConnection) -> None:
    """Register the Python UDFs, which belong to one connection (a cursor of ``con`` needs them
    again; the SQL macros are in the database's catalog)."""
    for name, function in (("pl_fix_text", _fix_text), ("pl_html_unescape", _html_unescape)):
        try:
            con.create_function(name, function, ["VARCHAR"], "VARCHAR", side_effects=False)
        except duckdb.Error:
            pass  # already registered on this connection


def _html_unescape(value: str | None) -> str | None:
    return None if value is None else html.unescape(value)


# Each byte as a page read in cp1252 shows it (Latin-1 for the five bytes cp1252 leaves undefined),
# and back.  A letter's UTF-8 bytes so read: a lead byte (Â..ô) and one to three continuation
# bytes (0x80-0xBF).
_CP1252 = {b: bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256)}
_CP1252_BYTE = {ch: b for b, ch in _CP1252.items()}
_MOJIBAKE_LETTER = re.compile(
    "[\u00c2-\u00f4][" + re.escape("".join(_CP1252[b] for b in range(0x80, 0xC0))) + "]{1,3}")


def _as_utf8(match: re.Match) -> str:
    text = match.group(0)
    try:
        return bytes(_CP1252_BYTE[ch] for ch in text).decode("utf-8")
    except UnicodeError:
        return text


def _fix_text(value: str | None) -> str | None:
    """Repair mojibake (UTF-8 read as Latin-1/cp1252, e.g. "SjÃ¶strÃ¶m") with ftfy, then the
    letters ftfy leaves as they are ("Ã…ke" for "Åke", "ÄŒapek" for "Čapek"), each one only
    where its characters are the bytes of one UTF-8 letter."""
    if value is None:
        return None
    import ftfy

    return _MOJIBAKE_LETTER.sub(_as_utf8, ftfy.fix_encoding(value))


def run_sql_file(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Run one of the package's ``sql/*.sql`` files (macro definitions)."""
    text = resources.files(SQL_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    for statement in _statements(text):
        con.execute(statement)


def _statements(text: str) -> list[str]:
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip()]
