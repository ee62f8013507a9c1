"""The loader parses each record once (``_parse_once``): every format's projection and skip test,
rewritten to read the values of the record's top-level keys, give what they give over the whole
record, on valid and structurally mutated records."""

from __future__ import annotations

import sys
from pathlib import Path
from random import Random

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import fuzzkit  # noqa: E402

from paperlink.db import connect  # noqa: E402
from paperlink.records import load  # noqa: E402
from paperlink.records.load import SourceSpec, _parse_once  # noqa: E402
from paperlink.sources import FORMATS  # noqa: E402

JSON_FORMATS = [n for n, f in fuzzkit.FORMATS.items() if f.kind == "json"]


def _docs(name: str, n: int = 80) -> list[str]:
    fmt, rnd = fuzzkit.FORMATS[name], Random(name)
    docs = []
    for i in range(n):
        value = fmt.record(i) if i % 4 == 0 else fuzzkit.mutate_json(rnd, fmt.record(i))[0]
        docs.append(fuzzkit.dumps_json(rnd, value).decode("utf-8"))
    return docs + ['{"id": null}', "{}", "[]", "null", '"x"']


def test_parse_once_rewrites_known_reads_only():
    keys: dict[str, int] = {}
    sql = _parse_once("""coalesce(j->>'$.a.b', json_extract_string(j, '$.l[*].x'), j->'$."k-1"[0]',
                         json_type(j), json_type(j, '$.a'), json_keys(j), obj->>'$.a', j->>'$[0]')""", keys)
    assert keys == {"'$.a'": 1, "'$.l'": 2, "'$.\"k-1\"'": 3}
    assert sql == """coalesce((jk[1]->>'$.b'), json_extract_string(coalesce(jk[2], 'null'::JSON), '$[*].x'), (jk[3]->'$[0]'),
                         jt, json_type(jk[1], '$'), json_keys(j), obj->>'$.a', j->>'$[0]')"""


@pytest.mark.parametrize("name", JSON_FORMATS)
def test_parse_once_gives_the_same_values(name):
    fmt = FORMATS[fuzzkit.LOADER[name]]
    exprs = dict(fmt.projection_for(SourceSpec(name="t", paths=[])), skip=fmt.skip_item_sql())
    keys: dict[str, int] = {}
    rewritten = {c: _parse_once(e, keys) for c, e in exprs.items()}
    con = connect()
    con.execute("CREATE TABLE docs (i INTEGER, raw VARCHAR)")
    con.executemany("INSERT INTO docs VALUES (?, ?)", list(enumerate(_docs(name))))
    con.execute(f"""CREATE TABLE parsed AS SELECT i, j, json_type(j) AS jt, json_extract(j, [{', '.join(keys)}]) AS jk
                    FROM (SELECT i, TRY_CAST(raw AS JSON) AS j FROM docs) WHERE j IS NOT NULL""")
    assert con.execute("SELECT count(*) FROM parsed WHERE jt = 'OBJECT'").fetchone()[0] > 40
    for column, expr in exprs.items():
        differ = con.execute(
            f"SELECT list(i) FROM parsed WHERE TRY(({expr})) IS DISTINCT FROM TRY(({rewritten[column]}))"
        ).fetchone()[0]
        assert not differ, f"{name}.{column}: records {differ}"


@pytest.mark.parametrize("name", JSON_FORMATS)
def test_json_lines_projected_beside_their_raw_items_load_as_projected_after(name, tmp_path, monkeypatch):
    """With two threads a JSON Lines file is projected straight from the file while its raw
    items are stored; the tables come out as with one thread (stored, then projected)."""
    path = tmp_path / f"{name}.jsonl"
    docs, reader = [], duckdb.connect()
    for doc in _docs(name):  # the lines DuckDB reads (the others send the whole file the careful way)
        path.write_text(doc + "\n", encoding="utf-8")
        if reader.execute(f"SELECT count(json) FROM read_ndjson_objects('{path}', ignore_errors = true)").fetchone()[0]:
            docs.append(doc)
    path.write_text("\n".join(docs + docs[:6]) + "\n", encoding="utf-8")  # repeats: duplicate ids
    staged: list[bool] = []

    def spy(*args):
        staged.append(stage(*args))
        return staged[-1]

    stage = load._stage_projected_file
    monkeypatch.setattr(load, "_stage_projected_file", spy)
    spec = SourceSpec(name="t", paths=[str(path)], format=fuzzkit.LOADER[name])
    tables = []
    for threads in (1, 2):
        con = connect(threads=threads)
        load.load_sources(con, [spec])
        tables.append([con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                       for t in ("records", "rejected_records", "load_counts", "raw_t")])
    assert staged == [True], "the file was projected beside its raw items"
    assert tables[0] == tables[1]
    assert tables[0][0] and tables[0][1], "records loaded and rejected"
