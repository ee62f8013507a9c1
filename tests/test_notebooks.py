"""The notebooks in notebooks/ execute headless (nbclient) against a small run made here.

The run is passed the way a user passes one: the parameter cell reads PAPERLINK_CONFIG /
PAPERLINK_OUT (default: the demo run of `make run`).  A cell that raises fails the test.
The committed notebooks must be what notebooks/make_notebooks.py writes, without outputs.
"""

from __future__ import annotations

import html
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paperlink.charts import external_refs
from test_charts import build_small_run

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["01_model.ipynb", "02_pairs.ipynb", "03_clusters.ipynb"]

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    return build_small_run(tmp_path_factory.mktemp("notebook_run"))


def test_notebooks_are_generated_and_have_no_outputs():
    result = subprocess.run([sys.executable, str(NOTEBOOKS / "make_notebooks.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in NAMES:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), f"{name} has outputs"
        first = code[0]
        assert "parameters" in first.metadata.get("tags", []), name
        assert 'CONFIG = "../linkage_config/job.toml"' in first.source and "OUT = None" in first.source


@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes(name, small_run, monkeypatch):
    monkeypatch.setenv("PAPERLINK_CONFIG", str(small_run))
    monkeypatch.setenv("PAPERLINK_OUT", str(small_run.parent / "out"))
    monkeypatch.setenv("PAPERLINK_GOLD", str(small_run.parent / "gold.csv"))
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError on the first failing cell
    seconds = time.perf_counter() - start
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html_outputs = [o.data["text/html"] for o in outputs if o.output_type in ("display_data", "execute_result")
            and "text/html" in o.data]
    charts_shown = [h for h in html_outputs if h.startswith("<iframe srcdoc=")]
    assert charts_shown, f"{name}: no chart displayed"
    # the run given by parameter, not the demo run, was opened
    stdout = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert str(small_run.parent / "out") in stdout
    if name == "02_pairs.ipynb":  # scored against the run's ground truth, with Splink's precision-recall curve
        assert "pair completeness" in stdout and "no ground truth" not in stdout
    for h in charts_shown:  # shown offline: nothing in what the notebook displays loads from the network
        assert not external_refs(html.unescape(h))
    assert seconds < 60, f"{name} took {seconds:.1f} s"
