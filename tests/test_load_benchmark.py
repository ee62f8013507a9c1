"""The load benchmark (benchmarks/load/run.py) at a toy size: both record shapes load whole."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from paperlink.db import connect
from paperlink.records.load import SourceSpec, load_sources

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "load" / "run.py"


@pytest.mark.parametrize("shape", ["snapshot", "compact"])
def test_load_benchmark_runs_and_reports(tmp_path, shape):
    out = subprocess.run([sys.executable, str(SCRIPT), "--records", "300", "--shape", shape, "--keep", str(tmp_path)],
                         check=True, capture_output=True, text=True, timeout=300).stdout
    m = re.search(r"(\d[\d,]*) loaded, (\d+) rejected; input ([\d,.]+) MB \(([\d.]+) KB per record\).* ([\d,.]+) MB/s", out)
    assert m, out
    assert (m.group(1), m.group(2)) == ("300", "0")
    kb = float(m.group(4))
    assert (10 < kb < 30) if shape == "snapshot" else (0.5 < kb < 2)


def test_snapshot_works_project_like_real_ones(tmp_path):
    spec = importlib.util.spec_from_file_location("load_bench", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = tmp_path / "works.jsonl"
    bench.write_corpus(path, 50, "snapshot")
    works = [json.loads(line) for line in path.read_text().splitlines()]
    first = next(w for w in works if w["abstract_inverted_index"] and w["doi"])
    con = connect()
    load_sources(con, [SourceSpec(name="openalex", format="openalex", paths=[str(path)])])
    r = con.execute("SELECT title, authors, year, doi, abstract, venue FROM records WHERE source_id = ?",
                    [first["id"].rsplit("/", 1)[1]]).fetchone()
    index = first["abstract_inverted_index"]
    words = sorted((p, w) for w, ps in index.items() for p in ps)
    assert r[0] == first["title"] and r[2] == first["publication_year"]
    assert r[1] == [a["author"]["display_name"] for a in first["authorships"]]
    assert r[3] == first["doi"].removeprefix("https://doi.org/").lower()
    assert r[4] == " ".join(w for _, w in words) and len(words) >= 60
    assert r[5] == first["primary_location"]["source"]["display_name"]
