"""Property-based fuzzing of every source loader (a fast subset; the long run is
``benchmarks/fuzz/run.py``, >= 10,000 cases per loader).

Each case is a file of a format's records (valid, duplicate, mutated, with bad bytes, broken) in
one of its containers, with file-level damage; :func:`fuzzkit.check` loads it with the real
loader and asserts: no exception, ``input = loaded + rejected``, every rejection has a reason,
intact good records load with their id and title, duplicates are rejected as duplicates, and
damage confined to one record does not cost the records after it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
import fuzzkit  # noqa: E402

from paperlink.db import connect  # noqa: E402
from paperlink.sources import FORMATS  # noqa: E402

LOADERS = fuzzkit.loaders()
JSON_LOADERS = [n for n, f in fuzzkit.FORMATS.items() if f.kind == "json"]


@pytest.fixture(scope="module")
def con():
    c = connect()
    yield c
    c.close()


def test_every_format_has_a_fuzzer():
    assert set(fuzzkit.LOADER.values()) == set(FORMATS), "a new format needs a record in tests/fuzzkit.py"


# the same cases every run, so CI is reproducible; benchmarks/fuzz/run.py explores new ones
@pytest.mark.parametrize("name", LOADERS)
@settings(max_examples=6, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(rnd=st.randoms(use_true_random=False), n=st.integers(min_value=0, max_value=25))
def test_fuzzed_files_load_without_loss(name, con, tmp_path, rnd, n):
    case = fuzzkit.make_case(rnd, name, n_items=n)
    fuzzkit.check(con, case, fuzzkit.write_case(case, tmp_path))


@pytest.mark.parametrize("name", LOADERS)
def test_empty_and_blank_files(name, con, tmp_path):
    for content in (b"", b"  \n\t\n"):
        case = fuzzkit.empty_case(name, content)
        got = fuzzkit.check(con, case, fuzzkit.write_case(case, tmp_path))
        assert got["loaded"] == 0


@pytest.mark.parametrize("name", LOADERS)
def test_a_10_mb_field_loads_beside_its_neighbours(name, con, tmp_path):
    case = fuzzkit.plain_case(name, ["good", "good", "huge", "good", "good"])
    got = fuzzkit.check(con, case, fuzzkit.write_case(case, tmp_path))
    assert got["loaded"] >= 4


@pytest.mark.parametrize("name", [n for n in LOADERS if n != "parquet"])
def test_bad_bytes_reject_only_their_record(name, con, tmp_path):
    for seed in range(2):
        case = fuzzkit.plain_case(name, ["good", "tainted", "good", "tainted", "good"], seed=seed)
        got = fuzzkit.check(con, case, fuzzkit.write_case(case, tmp_path))
        assert got["loaded"] >= 3


@pytest.mark.parametrize("name", LOADERS)
def test_duplicate_ids_are_rejected_as_duplicates(name, con, tmp_path):
    case = fuzzkit.plain_case(name, ["good", "good", "dup", "good", "dup"])
    got = fuzzkit.check(con, case, fuzzkit.write_case(case, tmp_path))
    assert (got["loaded"], got["rejected"]) == (3, 2)


@pytest.mark.parametrize("name", [n for n in LOADERS if n != "parquet"])
@pytest.mark.parametrize("keep", [0.5, 0.95])
def test_truncated_gzip_keeps_what_decompresses(name, con, tmp_path, keep):
    case = fuzzkit.truncate_gzip(fuzzkit.plain_case(name, ["good"] * 30), keep)
    got = fuzzkit.check(con, case, fuzzkit.write_case(case, tmp_path))
    assert got["rejected"] >= 1


@pytest.mark.parametrize("name", LOADERS)
def test_a_broken_record_keeps_the_records_before_it(name, con, tmp_path):
    for seed in range(2):
        kinds = ["good"] * 4 + (["mutated"] if name == "parquet" else ["broken"]) + ["good"] * 3
        case = fuzzkit.plain_case(name, kinds, seed=seed)
        got = fuzzkit.check(con, case, fuzzkit.write_case(case, tmp_path))
        assert got["loaded"] >= 4


@pytest.mark.parametrize("name", JSON_LOADERS)
@pytest.mark.parametrize("container, suffix", [("jsonl", ".json"), ("array", ".jsonl")])
def test_array_where_lines_are_expected_and_back(name, con, tmp_path, container, suffix):
    if container not in fuzzkit.FORMATS[name].containers:
        container = "page"
    case = fuzzkit.plain_case(name, ["good"] * 5, container=container)
    case.suffix = suffix
    got = fuzzkit.check(con, case, fuzzkit.write_case(case, tmp_path))
    assert got["loaded"] == 5


@pytest.mark.parametrize("name", [n for n in JSON_LOADERS if "jsonl" in fuzzkit.FORMATS[n].containers])
def test_json_lines_of_one_record(name, con, tmp_path):
    """One line, one record, no trailing newline: JSON Lines, not a page without items."""
    case = fuzzkit.plain_case(name, ["good"], container="jsonl")
    got = fuzzkit.check(con, case, fuzzkit.write_case(case, tmp_path))
    assert got["loaded"] == 1


def test_json_lines_whose_first_line_json_loads_refuses(con, tmp_path):
    """A raw control character in line 1: DuckDB reads the file as several documents without
    the page structure; they are JSON Lines, and the lines after the bad one load."""
    from paperlink.records.load import SourceSpec, load_source

    hits = [json.dumps({"@id": str(i), "info": {"key": f"journals/fz/Ctl{i}", "title": f"Title {i}",
                                                "year": "2020", "type": "Journal Articles"}}) for i in range(6)]
    hits[0] = hits[0].replace("Title 0", "Title\x01 0")
    path = tmp_path / "hits.jsonl"
    path.write_text("\n".join(hits) + "\n")
    counts = load_source(con, SourceSpec(name="ctl", format="dblp_search", paths=[str(path)]))
    assert (counts.input, counts.loaded, counts.rejected) == (6, 5, 1)
