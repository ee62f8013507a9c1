"""The scale benchmark (benchmarks/scale/run.py) end to end at a toy size: it runs and reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_scale_benchmark_toy_size(tmp_path):
    out = tmp_path / "result.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "scale" / "run.py"), "--works", "40", "--workdir", str(tmp_path),
         "--threads", "2", "--overhead", "--json", str(out)],
        check=True, capture_output=True, text=True, timeout=300)
    r = json.loads(out.read_text())
    assert r["records"] > 100
    assert set(r["steps"]) == {"load", "train", "predict", "cluster", "export"}
    assert all(s["seconds"] >= 0 and s["peak_rss_gb"] > 0 for s in r["steps"].values())
    assert r["peak_rss_gb"] > 0 and r["candidate_pairs"] >= r["scored_pairs"] > 0
    assert r["accuracy"]["f1"] > 0.8
    assert r["overhead"]["ratio"] > 0 and r["overhead"]["bare_splink"]["clusters"] > 0
    assert "python benchmarks/scale/run.py --works 40" in r["command"]
    assert not list(tmp_path.glob("run-*")), "the run directory is removed unless --keep"


def test_resume_runs_predict_cluster_export_on_a_kept_run(tmp_path):
    """``--keep`` keeps the run directory; ``--resume`` scores it again with the same result."""
    base = [sys.executable, str(ROOT / "benchmarks" / "scale" / "run.py"), "--works", "40", "--workdir", str(tmp_path),
            "--threads", "2"]
    subprocess.run(base + ["--keep", "--json", str(tmp_path / "first.json")], check=True, capture_output=True, timeout=300)
    (run_dir,) = tmp_path.glob("run-*")
    subprocess.run(base + ["--resume", str(run_dir), "--json", str(tmp_path / "again.json")],
                   check=True, capture_output=True, timeout=300)
    first, again = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("first", "again"))
    assert set(again["steps"]) == {"predict", "cluster", "export"}
    for key in ("records", "scored_pairs", "candidate_pairs", "candidate_pairs_by_rule", "clusters", "accuracy"):
        assert again[key] == first[key], key
    assert run_dir.exists()
