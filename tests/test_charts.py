"""Charts and dashboards of a small run: written offline, and seen rendered in headless Chromium.

The browser tests need Chromium (Debian's ``chromium``: ``make browser`` installs it) and the
``playwright`` package, which drives that Chromium (it never downloads a browser of its own).
The network is blocked twice: Chromium gets a dead proxy, and every request that is not a
local file is aborted and recorded.  Screenshots go to ``<tmp>/screenshots`` (kept by pytest
for the last runs; the path is printed with ``-s``).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperlink import charts
from paperlink.pipeline import LinkageJob

EXPECTED_HTML = {
    "match_weights", "m_u_parameters", "title_token_weights", "blocking_rules", "match_weights_histogram",
    "waterfall", "cluster_sizes", "comparison_viewer", "cluster_studio",
}  # + parameter_estimates where an EM session ran
DASHBOARDS = {"comparison_viewer", "cluster_studio"}


def build_small_run(directory: Path, works: int = 80) -> Path:
    """A finished run of a synthetic multi-source corpus (about 5 s); returns its job file."""
    from paperlink.synth import generate

    generate(works, directory, seed=11, processes=1)
    job = LinkageJob.from_config(directory / "job.toml")
    job.run()
    job.close()
    return directory / "job.toml"


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    return build_small_run(tmp_path_factory.mktemp("charts_run"))


@pytest.fixture(scope="module")
def written(small_run) -> tuple[list[Path], float]:
    job = LinkageJob.from_config(small_run)
    start = time.perf_counter()
    try:
        paths = charts.write_all_charts(job)
    finally:
        job.close()
    return paths, time.perf_counter() - start


def test_write_all_charts_writes_self_contained_html_and_png(written):
    paths, seconds = written
    html = {p.stem: p for p in paths if p.suffix == ".html"}
    png = {p.stem: p for p in paths if p.suffix == ".png"}
    assert EXPECTED_HTML <= set(html), EXPECTED_HTML - set(html)
    assert set(png) == set(html) - DASHBOARDS
    assert all(p.parent.name == charts.CHARTS_DIR for p in paths)
    for name, path in html.items():
        text = path.read_text(encoding="utf-8")
        lower = text.lower()
        assert '<script src="http' not in lower and "<script src='http" not in lower, name
        assert '<link href="http' not in lower and 'rel="stylesheet" href="http' not in lower, name
        assert charts.external_refs(text) == [], (name, charts.external_refs(text))
        assert "vega" in lower and len(text) > 200_000, f"{name}: libraries not inlined"
    for name, path in png.items():
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000, name
    assert seconds < 60, f"write_all_charts took {seconds:.1f} s"


def test_external_refs_detects_network_scripts_and_styles():
    assert charts.external_refs('<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>')
    assert charts.external_refs("<link href='//fonts.googleapis.com/css' rel=stylesheet>")
    assert charts.external_refs("<style>@import url('https://x.org/a.css');</style>")
    # Splink's non-inline HTML loads Vega by a script loader from the CDN: caught too
    assert charts.external_refs('<script>var paths = {"vega": "https://cdn.jsdelivr.net/npm/vega@5.31.0?noext"};</script>')
    assert not charts.external_refs('<script>var u = "https://vega.github.io/schema/vega/v5.json";</script>')
    assert not charts.external_refs('<script>const base = "https://cdn.jsdelivr.net/npm/";</script>')
    assert not charts.external_refs('<svg xmlns="http://www.w3.org/2000/svg"></svg>')


def test_chosen_pairs_and_token_weights(small_run):
    job = LinkageJob.from_config(small_run)
    try:
        linker = job.linker()
        pairs = charts.chosen_pairs(job, linker, n_borderline=2)
        kinds = [p["pair_kind"] for p in pairs]
        assert kinds[0] == "highest-weight cross-source pair"
        assert pairs[0]["source_dataset_l"] != pairs[0]["source_dataset_r"]
        assert any(k.startswith("borderline") for k in kinds)
        weights = charts.title_token_weights(job)
        assert len(weights) > 50 and weights.idf_weight.is_monotonic_decreasing
        sizes = charts.cluster_sizes(job)
        n_records = job.con.execute("SELECT count(*) FROM records").fetchall()[0][0]
        assert int(sizes.records.sum()) == n_records and sizes.cluster_size.max() >= 2
    finally:
        job.close()


def test_cli_charts_command(small_run, tmp_path):
    from paperlink.cli import app

    out = tmp_path / "out"
    shutil.copytree(small_run.parent / "out", out, ignore=shutil.ignore_patterns(charts.CHARTS_DIR))
    result = CliRunner().invoke(app, ["charts", "--config", str(small_run), "--out", str(out),
                                      "--no-png", "--no-replay-training"])
    assert result.exit_code == 0, result.output
    written = {p.stem for p in (out / charts.CHARTS_DIR).iterdir()}
    assert EXPECTED_HTML <= written
    assert not list((out / charts.CHARTS_DIR).glob("*.png"))


# ---------------------------------------------------------------- headless Chromium
def find_chromium() -> str | None:
    for candidate in (os.environ.get("PAPERLINK_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
]

# Rendered: an SVG with data marks (altair charts), or a canvas with coloured pixels (Splink's
# charts and dashboards draw with Vega's canvas renderer; axes and text are grey, marks are not).
RENDER_STATE_JS = """() => {
  const marks = document.querySelectorAll('svg .role-mark > *').length;
  let colored = 0;
  for (const c of document.querySelectorAll('canvas')) {
    if (!c.width || !c.height) continue;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4) {
      const mx = Math.max(d[i], d[i+1], d[i+2]), mn = Math.min(d[i], d[i+1], d[i+2]);
      if (d[i+3] > 0 && mx - mn > 40) colored++;
    }
  }
  return {svg_marks: marks, canvas_colored_pixels: colored,
          canvases: document.querySelectorAll('canvas').length};
}"""
RENDERED_JS = "(s) => s.svg_marks > 0 || s.canvas_colored_pixels > 500"


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("chromium not found (install it with `make browser`, i.e. apt-get install chromium, "
                    "or set PAPERLINK_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install -e '.[test]')")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000})
        network: list[str] = []

        def route(r):
            if r.request.url.startswith(("file:", "data:", "blob:", "about:")):
                r.continue_()
            else:
                network.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        yield context, network
        context.close()


def open_and_check(context, network: list[str], url: str, screenshot: Path, frame_index: int | None = None) -> dict:
    """Open ``url``; wait until a chart is drawn; return the render state, errors and requests."""
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    before = len(network)
    try:
        page.goto(url, wait_until="load")
        target = page if frame_index is None else page.frames[frame_index]
        state_js = RENDER_STATE_JS
        try:
            target.wait_for_function(f"() => ({RENDERED_JS})(({state_js})())", timeout=15_000)
        except Exception:  # report the state below instead of a bare timeout
            pass
        state = target.evaluate(state_js)
        page.screenshot(path=str(screenshot), full_page=True)
    finally:
        page.close()
    return {**state, "errors": errors, "requests": network[before:]}


def test_charts_render_in_headless_chromium_offline(written, browser_context, tmp_path_factory):
    context, network = browser_context
    paths, _ = written
    shots = tmp_path_factory.mktemp("screenshots")
    failures = {}
    for path in (p for p in paths if p.suffix == ".html"):
        shot = shots / f"{path.stem}.png"
        state = open_and_check(context, network, path.as_uri(), shot)
        rendered = state["svg_marks"] > 0 or state["canvas_colored_pixels"] > 500
        if not rendered or state["errors"] or state["requests"]:
            failures[path.stem] = state
        assert shot.stat().st_size > 10_000, path.stem
    print(f"\nscreenshots in {shots}")
    assert not failures, failures


def test_notebook_display_iframe_renders_offline(written, browser_context, tmp_path):
    """`charts.show()` (what the notebooks display) renders in a browser without a network."""
    context, network = browser_context
    paths, _ = written
    waterfall = next(p for p in paths if p.name == "waterfall.html")
    page = tmp_path / "notebook_output.html"
    page.write_text("<!DOCTYPE html><html><body>" + charts.show(waterfall, height=600).data + "</body></html>",
                    encoding="utf-8")
    state = open_and_check(context, network, page.as_uri(), tmp_path / "notebook_output.png", frame_index=1)
    assert state["canvas_colored_pixels"] > 500, state
    assert not state["errors"] and not state["requests"], state
