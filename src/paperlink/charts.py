"""Charts and dashboards of a finished run, as self-contained HTML (and PNG where static helps).

Everything here works offline: Splink charts are written with their JavaScript inlined
(``to_html(inline=True)``), altair charts with ``inline=True`` (vl-convert bundles Vega), and
Splink's dashboards (comparison viewer, cluster studio) inline their scripts themselves.  The
notebooks in ``notebooks/`` call the same functions and show the HTML with :func:`show`.

Inputs are the tables a run leaves in the job's DuckDB (``features``, ``predictions``,
``clusters``, ``works``) and the trained ``model.json``::

    from paperlink.pipeline import LinkageJob
    from paperlink.charts import write_all_charts
    paths = write_all_charts(LinkageJob.from_config("linkage_config/job.toml"))   # out/charts/*

Splink keeps EM training sessions in memory only, so a model reloaded from ``model.json`` has
no per-session estimates: :func:`parameter_estimates_chart` replays the job's training (λ, u,
EM sessions) on an in-memory linker to show them; it writes nothing back.
"""

from __future__ import annotations

import html
import json
import logging
import re
import warnings
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from splink import Linker
    from splink.internals.splink_dataframe import SplinkDataFrame

    from paperlink.pipeline import LinkageJob

log = logging.getLogger(__name__)

CHARTS_DIR = "charts"
# An HTML reference that would make the page load something from the network.
EXTERNAL_REF = re.compile(
    r"""<script[^>]*\ssrc\s*=\s*["']?(?:https?:)?//|<link[^>]*\shref\s*=\s*["']?(?:https?:)?//|@import\s+(?:url\()?["']?(?:https?:)?//""",
    re.IGNORECASE,
)
# A library loaded from a CDN by script (Splink's non-inline chart HTML does this with a loader,
# not a <script src>).  Bare CDN base URLs inside bundled libraries (".../npm/") are not loads.
CDN_PACKAGE = re.compile(
    r"(?:https?:)?//(?:cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|cdn\.observableusercontent\.com)/npm/[\w.-]+@",
    re.IGNORECASE,
)
# Columns of `records` shown for each record in the cluster studio.
NODE_COLUMNS = ("title", "authors", "year", "venue", "doi", "arxiv_id")

_counter = [0]


def _name(prefix: str) -> str:
    _counter[0] += 1
    return f"__paperlink_{prefix}_{_counter[0]}"


def _columns(job: LinkageJob, table: str) -> list[str]:
    return [r[0] for r in job.con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        [table]).fetchall()]


# ---------------------------------------------------------------- tables for Splink
def with_compared_values(job: LinkageJob, sql: str) -> str:
    """``sql`` (rows of ``predictions``) with both records' feature values as ``<column>_l`` /
    ``<column>_r``, as Splink's waterfall charts and dashboards expect.  The job's predictions
    leave them out unless the settings say ``retain_matching_columns``; those pass through."""
    have = set(_columns(job, "predictions"))
    missing = [c for c in _columns(job, "features") if c != "unique_id" and f"{c}_l" not in have]
    if not missing:
        return sql
    q = lambda c: '"' + c.replace('"', '""') + '"'  # noqa: E731
    values = ", ".join(f"l.{q(c)} AS {q(c + '_l')}, r.{q(c)} AS {q(c + '_r')}" for c in missing)
    return (f"SELECT p.*, {values} FROM ({sql}) p JOIN features l ON l.unique_id = p.unique_id_l "
            "JOIN features r ON r.unique_id = p.unique_id_r")


def predictions(job: LinkageJob, linker: Linker, where: str | None = None,
                max_rows: int | None = None, values: bool = True) -> SplinkDataFrame:
    """The run's ``predictions`` as a SplinkDataFrame registered as the linker's predictions.

    ``where`` filters (SQL over predictions' columns); ``max_rows`` keeps a deterministic
    subset (by a hash of the pair) so dashboards stay small on big runs (Splink issue #2318);
    ``values`` adds the compared values (:func:`with_compared_values`).
    """
    job._require("predictions", "predict")
    sql = "SELECT * FROM predictions"
    if where:
        sql += f" WHERE {where}"
    if max_rows is not None:
        sql += f" ORDER BY hash(unique_id_l, unique_id_r) LIMIT {int(max_rows)}"
    if values:
        sql = with_compared_values(job, sql)
    if sql == "SELECT * FROM predictions":
        sdf = linker._db_api.register("predictions")
    else:  # a temporary table, not a view: the comparison viewer reads `rowid`
        name = _name("pred")
        job.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        sdf = linker._db_api.register(name)
    return linker.table_management.register_table_predict(sdf)


def cluster_nodes(job: LinkageJob, linker: Linker, cluster_ids: Iterable[str] | None = None) -> SplinkDataFrame:
    """Clustered records as Splink expects them (``cluster_id``, ``unique_id``,
    ``source_dataset`` and readable record fields), optionally only some clusters."""
    job._require("clusters", "cluster")
    available = set(_columns(job, "records"))
    extra = ", ".join(f"r.{c}" for c in NODE_COLUMNS if c in available)
    where = ""
    if cluster_ids is not None:
        ids = ", ".join("'" + str(c).replace("'", "''") + "'" for c in cluster_ids) or "NULL"
        where = f"WHERE c.cluster_id IN ({ids})"
    view = _name("nodes")
    job.con.execute(f"""
        CREATE OR REPLACE TEMP VIEW {view} AS
        SELECT c.cluster_id, c.record_id AS unique_id, c.source AS source_dataset, c.cluster_size{', ' + extra if extra else ''}
        FROM clusters c JOIN records r USING (record_id) {where}""")
    return linker._db_api.register(view)


def largest_clusters(job: LinkageJob, n: int = 10, min_size: int = 2) -> list[str]:
    """Ids of the ``n`` largest clusters (ties by id), for cluster studio and inspection."""
    return [r[0] for r in job.con.execute(
        "SELECT cluster_id FROM clusters GROUP BY cluster_id HAVING count(*) >= ? "
        "ORDER BY count(*) DESC, cluster_id LIMIT ?", [min_size, n]).fetchall()]


def chosen_pairs(job: LinkageJob, linker: Linker, n_borderline: int = 1) -> list[dict[str, Any]]:
    """Scored pairs worth a waterfall chart: the highest-weight cross-source pair (or the
    highest overall where a run has one source) and the ``n_borderline`` pairs whose match
    probability is nearest the job's threshold.  Each record is a full predictions row plus
    ``pair_kind``."""
    job._require("predictions", "predict")
    threshold = job.config.linkage.threshold
    cols = set(_columns(job, "predictions"))
    cross = "source_dataset_l <> source_dataset_r" if "source_dataset_l" in cols else \
        "split_part(unique_id_l, ':', 1) <> split_part(unique_id_r, ':', 1)"
    queries = [
        ("highest-weight cross-source pair",
         f"SELECT * FROM predictions WHERE {cross} ORDER BY match_weight DESC, unique_id_l, unique_id_r LIMIT 1"),
        ("highest-weight pair", "SELECT * FROM predictions ORDER BY match_weight DESC, unique_id_l, unique_id_r LIMIT 1"),
        (f"borderline pair (threshold {threshold})",
         f"SELECT * FROM predictions ORDER BY abs(match_probability - {float(threshold)}), unique_id_l, unique_id_r "
         f"LIMIT {int(n_borderline)}"),
    ]
    out: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    for kind, sql in queries:
        if kind == "highest-weight pair" and out:
            continue  # only a fallback for runs without cross-source pairs
        records = linker.misc.query_sql(with_compared_values(job, sql), output_type="splink_df").as_record_list()
        records.sort(key=lambda r: (abs(r["match_probability"] - threshold), r["unique_id_l"], r["unique_id_r"]))
        for rec in records:
            key = (rec["unique_id_l"], rec["unique_id_r"])
            if key not in seen:
                seen.add(key)
                out.append({**rec, "pair_kind": kind})
    return out


# ---------------------------------------------------------------- charts
def match_weights_chart(linker: Linker):
    return linker.visualisations.match_weights_chart()


def m_u_parameters_chart(linker: Linker):
    return linker.visualisations.m_u_parameters_chart()


def match_weights_histogram(job: LinkageJob, linker: Linker):
    return linker.visualisations.match_weights_histogram(predictions(job, linker, values=False))


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def waterfall_chart(linker: Linker, records: list[dict[str, Any]], label_chars: int = 50):
    """Waterfall of the given predictions rows (a slider steps through them).  The value labels
    (a comparison's input columns joined, e.g. title tokens and their IDF weights) are cut to
    ``label_chars`` characters so the chart stays readable."""
    rows = [{k: v for k, v in r.items() if k != "pair_kind"} for r in records]
    chart = linker.visualisations.waterfall_chart(rows, filter_nulls=False)
    for rec in chart.raw_records:
        for side in ("value_l", "value_r"):
            if isinstance(rec.get(side), str):
                rec[side] = _short(rec[side], label_chars)
    return chart


def blocking_rules_chart(linker: Linker, record_sample_proportion: float = 1.0):
    """Marginal and cumulative candidate pairs of each prediction blocking rule."""
    return linker.blocking_analysis.chart_comparisons_from_blocking_rules(
        record_sample_proportion=record_sample_proportion)


def parameter_estimates_chart(job: LinkageJob, include_u: bool = False):
    """m (and u) estimates of each training session next to the final model.

    Replays the job's training (same rules, seed and fallback) on an in-memory linker, because
    Splink does not persist training sessions in model.json.  Returns ``(chart, summary)``;
    chart is None when no EM session ran (the input was too small and the shipped default
    model's m values were used: ``summary["m_source"]`` says so).
    """
    from paperlink.model.linker import make_linker, train
    from paperlink.pipeline import DEFAULT_MODEL

    job._require("features", "train")
    settings = job._settings()
    linker = make_linker(job.con, settings)
    fallback = json.loads(DEFAULT_MODEL.read_text()) if DEFAULT_MODEL.exists() else None
    splink_log = logging.getLogger("splink")
    level = splink_log.level
    splink_log.setLevel(logging.ERROR)  # "level not observed, unable to train m" etc.: already seen in `train`
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            summary = train(linker, job.con, job.config.linkage.training, job.config.linkage.seed, fallback)
    finally:
        splink_log.setLevel(level)
    if job.model_path.exists() and _levels(settings) != _levels(json.loads(job.model_path.read_text())):
        summary["warning"] = (f"the settings file changed since {job.model_path} was trained: "
                              "this replay is of the current settings, not of the saved model")
    chart = None
    if summary.get("em_sessions"):
        chart = linker.visualisations.parameter_estimate_comparisons_chart(include_m=True, include_u=include_u)
    linker.table_management.delete_tables_created_by_splink_from_db()
    return chart, summary


def _levels(settings: dict) -> list:
    return [(c.get("output_column_name"), [lv.get("label_for_charts") for lv in c["comparison_levels"]])
            for c in settings["comparisons"]]


def title_token_weights(job: LinkageJob):
    """IDF weight of every title token (``features.title_tokens`` / ``title_weights``) and
    the number of records whose title has it, rarest first (pandas DataFrame)."""
    job._require("features", "train")
    return job.con.execute("""
        WITH t AS (
            SELECT unnest(title_tokens) AS token, unnest(title_weights) AS weight
            FROM features WHERE title_tokens IS NOT NULL)
        SELECT token, round(max(weight), 4) AS idf_weight, count(*) AS records
        FROM t GROUP BY token ORDER BY idf_weight DESC, token""").df()


def title_token_weight_chart(job: LinkageJob, n: int = 20):
    """Altair bar charts side by side: the ``n`` most common title tokens (lowest IDF weight)
    and the ``n`` rarest (highest weight)."""
    import altair as alt

    df = title_token_weights(job)
    common = df.sort_values(["records", "token"], ascending=[False, True]).head(n)
    rare = df.head(n)

    def bars(data, title, color):
        return alt.Chart(data, title=title).mark_bar(color=color).encode(
            x=alt.X("idf_weight:Q", title="IDF weight ln(1 + N/df)"),
            y=alt.Y("token:N", sort="-x" if data is rare else "x", title=None),
            tooltip=["token", "idf_weight", "records"],
        ).properties(width=260)

    return alt.hconcat(
        bars(common, f"{len(common)} most common title tokens", "#4c78a8"),
        bars(rare, f"{len(rare)} rarest title tokens", "#f58518"),
    ).properties(title="IDF weights of title tokens: shared rare words count more in title overlap")


def cluster_sizes(job: LinkageJob):
    """Number of clusters of each size (pandas DataFrame: cluster_size, clusters, records)."""
    job._require("clusters", "cluster")
    return job.con.execute("""
        SELECT cluster_size, count(DISTINCT cluster_id) AS clusters, count(*) AS records
        FROM clusters GROUP BY cluster_size ORDER BY cluster_size""").df()


def cluster_size_chart(job: LinkageJob):
    """Altair bar chart of the cluster-size distribution (log count axis)."""
    import altair as alt

    df = cluster_sizes(job)
    return alt.Chart(df, title="Cluster sizes (records per work)").mark_bar().encode(
        x=alt.X("cluster_size:O", title="records in cluster"),
        y=alt.Y("clusters:Q", title="clusters", scale=alt.Scale(type="symlog")),
        tooltip=["cluster_size", "clusters", "records"],
    ).properties(width=480, height=260)


def graph_metrics(job: LinkageJob, linker: Linker):
    """Splink's node/edge/cluster metrics (density, centralisation; bridges need igraph) over
    the run's clusters at the job's threshold."""
    return linker.clustering.compute_graph_metrics(
        predictions(job, linker, values=False), cluster_nodes(job, linker),
        threshold_match_probability=job.config.linkage.threshold)


# ---------------------------------------------------------------- dashboards
def comparison_viewer(job: LinkageJob, linker: Linker, path: str | Path, max_rows: int = 20_000,
                      num_example_rows: int = 2) -> Path:
    """Splink's comparison viewer over (at most ``max_rows`` of) the scored pairs."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    linker.visualisations.comparison_viewer_dashboard(
        predictions(job, linker, max_rows=max_rows), str(path), overwrite=True, num_example_rows=num_example_rows)
    return make_offline(path)


def cluster_studio(job: LinkageJob, linker: Linker, path: str | Path, cluster_ids: list[str] | None = None,
                   n_clusters: int = 10) -> Path:
    """Splink's cluster studio for the given clusters (default: the ``n_clusters`` largest).
    Only the chosen clusters' records and the pairs inside them are passed to Splink."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = cluster_ids if cluster_ids is not None else largest_clusters(job, n_clusters)
    if not ids:  # every record is a singleton: show a few anyway
        ids = largest_clusters(job, n_clusters, min_size=1)
    quoted = ", ".join("'" + str(c).replace("'", "''") + "'" for c in ids)
    members = f"SELECT record_id FROM clusters WHERE cluster_id IN ({quoted})"
    pred = predictions(job, linker, where=f"unique_id_l IN ({members}) AND unique_id_r IN ({members})")
    linker.visualisations.cluster_studio_dashboard(
        pred, cluster_nodes(job, linker, ids), str(path), cluster_ids=list(ids), overwrite=True)
    return make_offline(path)


# ---------------------------------------------------------------- output
def chart_html(chart) -> str:
    """A complete, self-contained HTML document for a Splink or altair chart."""
    # SplinkChart: the bundled Vega libraries inlined; altair: vl-convert inlines vega, vega-lite, vega-embed
    return chart.to_html(inline=True)


def altair_of(chart):
    """The altair chart behind a Splink chart (data made JSON-clean: DuckDB bins can be Decimal)."""
    if not hasattr(chart, "chart_dict"):
        return chart
    import altair as alt

    return alt.Chart.from_dict(json.loads(json.dumps(chart.chart_dict, default=float)))


def save_chart(chart, out_dir: str | Path, name: str, png: bool = True) -> list[Path]:
    """Write ``<name>.html`` (self-contained) and, if ``png``, ``<name>.png``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / f"{name}.html"
    text = chart_html(chart)
    assert_offline(text, html_path)
    html_path.write_text(text, encoding="utf-8")
    paths = [html_path]
    if png:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # altair: "Automatically deduplicated selection parameter"
            altair_of(chart).save(str(out_dir / f"{name}.png"), scale_factor=2)
        paths.append(out_dir / f"{name}.png")
    return paths


# Splink's dashboards link Google Fonts ("Source Sans Pro"); offline the page falls back to the
# browser's sans-serif, so the links are dropped rather than left to fail.
FONT_LINK = re.compile(r"""<link[^>]*href\s*=\s*["']https?://fonts\.(?:googleapis|gstatic)\.com[^>]*>\s*""", re.IGNORECASE)


def make_offline(path: Path) -> Path:
    """Drop web-font links from a written dashboard, then check nothing external is left."""
    text = path.read_text(encoding="utf-8")
    cleaned = FONT_LINK.sub("", text)
    assert_offline(cleaned, path)
    if cleaned != text:
        path.write_text(cleaned, encoding="utf-8")
    return path


def external_refs(text: str) -> list[str]:
    """Script or stylesheet references to the network in an HTML document."""
    return [m.group(0) for m in EXTERNAL_REF.finditer(text)] + [m.group(0) for m in CDN_PACKAGE.finditer(text)]


def assert_offline(text: str, where: str | Path = "html") -> None:
    refs = external_refs(text)
    if refs:
        raise RuntimeError(f"{where}: references external scripts/styles: {refs[:3]}")


def show(chart_or_html, height: int = 450):
    """Display a chart (Splink or altair) or an HTML document in a notebook, offline: the
    self-contained document goes into an iframe's ``srcdoc``, so nothing loads from a CDN."""
    from IPython.display import HTML

    if isinstance(chart_or_html, (str, Path)) and str(chart_or_html).endswith(".html") and Path(chart_or_html).exists():
        doc = Path(chart_or_html).read_text(encoding="utf-8")
    elif isinstance(chart_or_html, str):
        doc = chart_or_html
    else:
        doc = chart_html(chart_or_html)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # IPython: "Consider using IPython.display.IFrame instead"
        return HTML(f'<iframe srcdoc="{html.escape(doc, quote=True)}" '
                    f'style="width:100%;height:{int(height)}px;border:0" sandbox="allow-scripts"></iframe>')


@contextmanager
def _labelled(job: LinkageJob, gold: str):
    """A linker with the trained model and the run's pairs registered as its labels table: every
    candidate pair the run scored (a match where ``gold`` has it, else a non-match) and the gold
    pairs blocking never produced (Splink counts those as missed at every threshold).  Gold pairs
    with a record the run does not hold cannot be scored and are left out."""
    from paperlink.evaluate import blocking_condition
    from paperlink.model.linker import make_linker

    job._require("predictions", "predict")
    name = _name("accuracy_labels")
    job.con.execute(f"""CREATE OR REPLACE TEMP TABLE {name} AS
        WITH scored AS (
            SELECT least(unique_id_l, unique_id_r) AS a, greatest(unique_id_l, unique_id_r) AS b FROM predictions
        ), labelled AS (
            SELECT s.a, s.b, (g.a IS NOT NULL)::DOUBLE AS clerical_match_score FROM scored s LEFT JOIN {gold} g USING (a, b)
            UNION ALL
            SELECT g.a, g.b, 1.0 FROM {gold} g ANTI JOIN scored s USING (a, b)
        )
        SELECT l.source_dataset AS source_dataset_l, t.a AS unique_id_l, r.source_dataset AS source_dataset_r,
               t.b AS unique_id_r, t.clerical_match_score
        FROM labelled t JOIN features l ON l.unique_id = t.a JOIN features r ON r.unique_id = t.b""")
    # Splink scores a labelled pair its blocking rules would not produce as -999; it cannot read
    # exploded-array rules, so it gets their union as one condition (as pair completeness counts it)
    model = job._model()
    linker = make_linker(job.con, {**model, "retain_matching_columns": True, "retain_intermediate_calculation_columns": True,
                                   "blocking_rules_to_generate_predictions": [{"blocking_rule": blocking_condition(model)}]})
    try:
        yield linker, linker.table_management.register_labels_table(linker._db_api.register(name))
    finally:
        linker.table_management.delete_tables_created_by_splink_from_db()
        job.con.execute(f"DROP TABLE IF EXISTS {name}")


def accuracy_table(job: LinkageJob, gold: str = "gold_scoped"):
    """Splink's truth table against the gold pairs in ``gold`` (left by ``job.evaluate``):
    precision, recall and F1 at every match weight."""
    with _labelled(job, gold) as (linker, labels):
        return linker.evaluation.accuracy_analysis_from_labels_table(
            labels, output_type="table", add_metrics=["f1"]).as_pandas_dataframe()


def accuracy_chart(job: LinkageJob, kind: str = "precision_recall", gold: str = "gold_scoped"):
    """Splink's accuracy chart against the gold pairs in ``gold`` (left by ``job.evaluate``):
    ``precision_recall``, ``threshold_selection`` (interactive), ``roc`` or ``accuracy``."""
    with _labelled(job, gold) as (linker, labels):
        return linker.evaluation.accuracy_analysis_from_labels_table(
            labels, output_type=kind, match_weight_round_to_nearest=0.1, add_metrics=["f1"])


def accuracy_charts(job: LinkageJob, gold: str = "gold_scoped", out_dir: str | Path | None = None,
                    png: bool = True) -> list[Path]:
    """``accuracy_precision_recall`` and the ``accuracy_threshold_selection`` tool written into
    ``<out>/charts/`` (the tool is interactive: HTML only)."""
    target = (Path(out_dir) if out_dir is not None else job.out_dir) / CHARTS_DIR
    written: list[Path] = []
    with _labelled(job, gold) as (linker, labels):
        for kind in ("precision_recall", "threshold_selection"):
            chart = linker.evaluation.accuracy_analysis_from_labels_table(
                labels, output_type=kind, match_weight_round_to_nearest=0.1, add_metrics=["f1"])
            written += save_chart(chart, target, f"accuracy_{kind}", png and kind == "precision_recall")
    return written


def write_all_charts(job: LinkageJob, out_dir: str | Path | None = None, png: bool = True,
                     replay_training: bool = True, max_viewer_rows: int = 20_000) -> list[Path]:
    """Write every chart and dashboard of a finished run into ``<out>/charts/``; returns the
    files written.  ``replay_training=False`` skips the per-session parameter chart (it reruns
    training in memory, as long as ``paperlink train``)."""
    out = Path(out_dir) if out_dir is not None else job.out_dir
    target = out / CHARTS_DIR
    target.mkdir(parents=True, exist_ok=True)
    linker = job.linker()
    written: list[Path] = []
    try:
        written += save_chart(match_weights_chart(linker), target, "match_weights", png)
        written += save_chart(m_u_parameters_chart(linker), target, "m_u_parameters", png)
        if replay_training:
            try:
                chart, summary = parameter_estimates_chart(job)
            except Exception as exc:  # e.g. features built by an older version: the other charts still help
                log.warning("parameter_estimates chart skipped: replaying training failed: %s", exc)
                chart, summary = None, {}
            if summary.get("warning"):
                log.warning("parameter_estimates: %s", summary["warning"])
            if chart is not None:
                written += save_chart(chart, target, "parameter_estimates", png)
        written += save_chart(title_token_weight_chart(job), target, "title_token_weights", png)
        written += save_chart(blocking_rules_chart(linker), target, "blocking_rules", png)
        written += save_chart(match_weights_histogram(job, linker), target, "match_weights_histogram", png)
        pairs = chosen_pairs(job, linker)
        if pairs:
            # the waterfall's slider needs a browser; the PNG shows the first pair
            written += save_chart(waterfall_chart(linker, pairs), target, "waterfall", png)
        written += save_chart(cluster_size_chart(job), target, "cluster_sizes", png)
        for name, make in (("comparison_viewer", lambda p: comparison_viewer(job, linker, p, max_viewer_rows)),
                           ("cluster_studio", lambda p: cluster_studio(job, linker, p))):
            written.append(make(target / f"{name}.html"))
    finally:
        linker.table_management.delete_tables_created_by_splink_from_db()
    return written
