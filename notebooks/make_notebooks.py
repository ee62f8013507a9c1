"""Writes the notebooks in this folder (without outputs): ``python notebooks/make_notebooks.py``.

Edit the cells here, not in the .ipynb files; tests/test_notebooks.py checks that the committed
notebooks are what this script writes, and executes them against a small run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

PARAMETERS = '''\
# Parameters: the run to inspect.  Default: the demo run of `make run`.
CONFIG = "../linkage_config/job.toml"   # the job file of the run
OUT = None                              # its output directory (None: the job's [output] dir)

GOLD = "../work/demo/gold.csv"          # ground truth, if there is any (02_pairs scores the run against it)

# A run given from outside (tests, CI, papermill -p): PAPERLINK_CONFIG / PAPERLINK_OUT / PAPERLINK_GOLD.
import os
CONFIG = os.environ.get("PAPERLINK_CONFIG", CONFIG)
OUT = os.environ.get("PAPERLINK_OUT", OUT)
GOLD = os.environ.get("PAPERLINK_GOLD", GOLD)'''

SETUP = '''\
import json
import warnings

import pandas as pd
from IPython.display import display

from paperlink import charts
from paperlink.pipeline import LinkageJob

warnings.filterwarnings("ignore", message="Automatically deduplicated selection parameter")
pd.set_option("display.max_colwidth", 80)

job = LinkageJob.from_config(CONFIG, OUT)
linker = job.linker()          # the trained Splink linker over the `features` table
print("database:", job.config.database.path)
print("outputs: ", job.out_dir)
report = job.out_dir / "run_report.json"
if report.exists():
    r = json.loads(report.read_text())
    print("threshold:", r.get("threshold"), "| works:", r.get("works"), "| scored pairs:", r.get("candidate_pairs_scored"))'''

OFFLINE_NOTE = (
    "Charts are shown with `charts.show(...)`: each is a self-contained HTML document (Vega inlined) in an "
    "iframe, so the notebook renders without a network; nothing is loaded from a CDN."
)


def intro(title: str, text: str) -> list:
    return [
        new_markdown_cell(f"# {title}\n\n{text}\n\n"
                          "The first code cell names the run: by default the demo run of `make run` "
                          "(`linkage_config/job.toml`, outputs in `out/`); set `CONFIG`/`OUT` there, or the "
                          "environment variables `PAPERLINK_CONFIG`/`PAPERLINK_OUT`, to open another finished run "
                          "(`paperlink run --config ...`).\n\n" + OFFLINE_NOTE),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(SETUP),
    ]


def model() -> nbformat.NotebookNode:
    cells = intro("The trained model", "What the zero-label Fellegi–Sunter model learned: the weight of every "
                  "comparison level, its m and u probabilities, how the EM sessions agree, the IDF weights of title "
                  "words, and how many candidate pairs each blocking rule produces.")
    cells += [
        new_markdown_cell(
            "## Match weights\n\nOne bar per comparison level: its match weight log2(m/u). Bars right of zero are "
            "evidence for a match (the level is more common among matches than among random pairs), bars left are "
            "evidence against. The top bar is the prior: the log-odds that two random records match. A pair's "
            "score is the prior plus one bar from each comparison. Look for levels that ought to be positive but "
            "are not (for example an `exact` title below zero) and for extreme weights on rarely seen levels."),
        new_code_cell("charts.show(charts.match_weights_chart(linker), height=700)"),
        new_markdown_cell(
            "## m and u probabilities\n\nm: the share of true matches that fall into a level; u: the share of "
            "random (non-matching) pairs. Within a comparison each column sums to 1. u comes from seeded random "
            "sampling; m from EM without labels (or from the shipped default model when the input is too small, "
            "see below). Null levels carry no weight and are not shown."),
        new_code_cell("charts.show(charts.m_u_parameters_chart(linker), height=700)"),
        new_markdown_cell(
            "## Parameter estimates across EM sessions\n\nSplink keeps training sessions in memory only: `model.json` "
            "holds the final parameters, not the sessions. `charts.parameter_estimates_chart` therefore replays the "
            "job's training (same deterministic rules, seed and EM blocking rules) on an in-memory linker and plots "
            "each session's m estimate as log-odds, one marker per session. A comparison used in a session's "
            "blocking rule is not estimated by that session (first-author blocks train the title, exact-title "
            "blocks train authors, year and identifiers). Where two sessions estimate the same level, markers close "
            "together mean a stable estimate; far apart means EM found different structure in the two blocks. "
            "Nothing is written back to the run."),
        new_code_cell(
            "chart, summary = charts.parameter_estimates_chart(job)\n"
            "print(json.dumps(summary, indent=2, default=str))\n"
            "if chart is not None:\n"
            "    display(charts.show(chart, height=800))\n"
            "else:\n"
            "    print(\"No EM session ran:\", summary.get(\"m_source\"), \"- the m values are the default model's.\")"),
        new_markdown_cell(
            "## Title token weights\n\nSplink's term-frequency adjustment works on whole values only, so paperlink "
            "compares titles by an IDF-weighted word overlap instead: every title token has the weight ln(1 + N/df) "
            "(N records, df records whose title has the word), stored per record in `features.title_tokens` / "
            "`features.title_weights`. Sharing a rare word moves the overlap far more than sharing \"of\" or "
            "\"learning\". The table lists the rarest and the most common tokens; the chart shows both ends."),
        new_code_cell(
            "weights = charts.title_token_weights(job)\n"
            "print(f\"{len(weights):,} distinct title tokens\")\n"
            "display(weights.sort_values(['records', 'token'], ascending=[False, True]).head(15).rename_axis('most common'))\n"
            "display(weights.head(15).rename_axis('rarest'))\n"
            "charts.show(charts.title_token_weight_chart(job), height=620)"),
        new_markdown_cell(
            "## Blocking rules: candidate pairs\n\nEach prediction blocking rule adds the pairs it finds that no "
            "earlier rule found (marginal count); the bars stack to the total number of pairs scored. A rule with a "
            "large marginal count is where the scoring time goes; one that adds nothing may be redundant (or catch "
            "only pairs other rules already catch). Counted on all records (`record_sample_proportion=1.0`)."),
        new_code_cell(
            "blocking = charts.blocking_rules_chart(linker)\n"
            "counts = pd.DataFrame(blocking.chart_dict['data']['values'])\n"
            "display(counts[['blocking_rule', 'marginal_comparison_count', 'cumulative_comparison_count']])\n"
            "charts.show(blocking, height=350)"),
        new_code_cell("job.close()"),
    ]
    return new_notebook(cells=cells, metadata=METADATA)


def pairs() -> nbformat.NotebookNode:
    cells = intro("Scored pairs", "Why a pair got its score (waterfall charts), how scores are distributed, and "
                  "examples of every comparison pattern (comparison viewer).")
    cells += [
        new_markdown_cell(
            "## Chosen pairs\n\nThe highest-weight pair whose records come from two different sources, and the "
            "pairs whose match probability lies closest to the job's threshold (the decisions most likely to flip "
            "with a small change to the model)."),
        new_code_cell(
            "threshold = job.config.linkage.threshold\n"
            "chosen = charts.chosen_pairs(job, linker, n_borderline=2)\n"
            "cols = ['pair_kind', 'unique_id_l', 'unique_id_r', 'match_weight', 'match_probability', 'title_norm_l', 'title_norm_r']\n"
            "pd.DataFrame(chosen)[[c for c in cols if c in chosen[0]]] if chosen else 'no scored pairs'"),
        new_markdown_cell(
            "## Waterfall charts\n\nRead from left to right: the prior (log-odds that two random records match), "
            "then one bar per comparison: the weight of the level this pair fell into, green for evidence "
            "for a match, red against. Above each bar are the compared values of the left and right record. The "
            "last bar is the total match weight; the right axis converts it to a probability. For the borderline "
            "pair, the bars show which comparison kept it just above or below the threshold."),
        new_code_cell(
            "for rec in chosen:\n"
            "    print(f\"{rec['pair_kind']}: {rec['unique_id_l']} ~ {rec['unique_id_r']}, \"\n"
            "          f\"weight {rec['match_weight']:.2f}, probability {rec['match_probability']:.4f}\")\n"
            "    display(charts.show(charts.waterfall_chart(linker, [rec]), height=560))"),
        new_markdown_cell(
            "## Match weight histogram\n\nThe number of scored pairs by match weight. Pairs are kept from the "
            "`predict_threshold` up, so the left tail is cut. A clear valley between a non-match hump and a match "
            "hump means the threshold is not critical; many pairs near the threshold weight mean it is. The "
            "threshold's match weight is printed below."),
        new_code_cell(
            "import math\n"
            "print(f\"threshold {threshold} = match weight {math.log2(threshold / (1 - threshold)):.2f}\")\n"
            "charts.show(charts.match_weights_histogram(job, linker), height=380)"),
        new_markdown_cell(
            "## Comparison viewer\n\nSplink's comparison viewer groups scored pairs by comparison vector (the level "
            "of every comparison, e.g. `3,2,1,0,-1`): the bar chart counts the pairs of each vector, coloured by "
            "match probability; click a bar to see example pairs and their waterfall. Only a deterministic subset "
            "of at most 20,000 pairs goes into the dashboard so the HTML stays small on large runs (Splink issue "
            "#2318). It is also written to `out/charts/comparison_viewer.html`."),
        new_code_cell(
            "viewer = charts.comparison_viewer(job, linker, job.out_dir / 'charts' / 'comparison_viewer.html')\n"
            "print(viewer)\n"
            "charts.show(viewer, height=950)"),
        new_markdown_cell(
            "## Accuracy against ground truth\n\nWhere the run has ground truth (`GOLD`: pairs "
            "`record_id_l,record_id_r` or labels `record_id,entity_id`; the demo corpus writes one), the run is "
            "scored as `paperlink evaluate` does: clusters as pairs, scored pairs at the threshold and at the best "
            "threshold. Splink's precision-recall curve covers every scored pair and the gold pairs blocking "
            "missed, so its right end is the recall blocking allows."),
        new_code_cell(
            "from pathlib import Path\n"
            "if GOLD and Path(GOLD).exists():\n"
            "    acc = job.evaluate(GOLD)\n"
            "    rows = {'clusters': acc, 'pairs at threshold': acc['pairs_at_threshold'], 'pairs, best threshold': acc['pairs_best']}\n"
            "    display(pd.DataFrame({k: {m: v[m] for m in ('precision', 'recall', 'f1')} for k, v in rows.items()}).T)\n"
            "    print(f\"pair completeness {acc['pair_completeness']}, candidate pairs {acc['candidate_pairs']:,}\")\n"
            "    display(charts.show(charts.accuracy_chart(job, 'precision_recall'), height=480))\n"
            "else:\n"
            "    print(f'no ground truth at {GOLD}: nothing to score')"),
        new_code_cell("job.close()"),
    ]
    return new_notebook(cells=cells, metadata=METADATA)


def clusters() -> nbformat.NotebookNode:
    cells = intro("Clusters and works", "How records were grouped into works: cluster sizes, the largest clusters, "
                  "signs of over-merging, Splink's cluster studio and the merged work records in `works.parquet`.")
    cells += [
        new_markdown_cell(
            "## Cluster-size distribution\n\nRecords per cluster (one cluster = one work). With six sources a work "
            "rarely has more than about six records; a long tail of large clusters usually means chaining (records "
            "linked through a sequence of pairs that do not all match). The count axis is logarithmic."),
        new_code_cell(
            "sizes = charts.cluster_sizes(job)\n"
            "display(sizes)\n"
            "charts.show(charts.cluster_size_chart(job), height=360)"),
        new_markdown_cell(
            "## Largest clusters\n\nThe records of the largest clusters: do they really describe one work?"),
        new_code_cell(
            "largest = charts.largest_clusters(job, n=5)\n"
            "job.con.execute(f\"\"\"\n"
            "    SELECT c.cluster_id, c.cluster_size, r.record_id, r.year, r.title, r.doi, r.arxiv_id\n"
            "    FROM clusters c JOIN records r USING (record_id)\n"
            "    WHERE c.cluster_id IN (SELECT unnest(?::VARCHAR[]))\n"
            "    ORDER BY c.cluster_size DESC, c.cluster_id, r.record_id\"\"\", [largest]).df()"),
        new_markdown_cell(
            "## Over-merge diagnostics\n\n`linker.clustering.compute_graph_metrics` computes, for every cluster, "
            "the number of nodes and edges (pairs at or above the threshold), the **density** (edges / possible "
            "edges) and the centralisation, and for every edge whether it is a **bridge** (removing it splits the "
            "cluster; needs igraph). A correct cluster of several versions of one paper is dense: every record "
            "matches every other. A large cluster with low density, or held together by bridges, is the shape of an "
            "over-merge: two works joined by one or two wrong links. A second record from a source declared "
            "duplicate-free is another warning sign."),
        new_code_cell(
            "import importlib.util\n"
            "print('igraph installed (bridge metrics):', importlib.util.find_spec('igraph') is not None)\n"
            "gm = charts.graph_metrics(job, linker)\n"
            "cm = gm.clusters.as_pandas_dataframe()\n"
            "nodes = gm.nodes.as_pandas_dataframe()\n"
            "edges = gm.edges.as_pandas_dataframe()\n"
            "edges['cluster_id'] = edges.composite_unique_id_l.map(dict(zip(nodes.composite_unique_id, nodes.cluster_id)))\n"
            "big = cm[cm.n_nodes >= 3]\n"
            "print(f\"{len(cm):,} clusters; {len(big):,} of 3+ records\")\n"
            "if 'is_bridge' in edges:  # in a 2-record cluster the one edge is always a bridge: count larger ones only\n"
            "    inside = edges[edges.cluster_id.isin(big.cluster_id)]\n"
            "    print(f\"{int(inside.is_bridge.sum()):,} of {len(inside):,} edges inside clusters of 3+ records are bridges\")\n"
            "    bridges = inside.groupby('cluster_id').is_bridge.sum().rename('bridges')\n"
            "    big = big.join(bridges, on='cluster_id')\n"
            "big.sort_values(['density', 'n_nodes', 'cluster_id'], ascending=[True, False, True]).head(10)"),
        new_code_cell(
            "# clusters holding two or more records of one source\n"
            "same_source = job.con.execute(\"\"\"\n"
            "    SELECT cluster_id, source, count(*) AS records, list(record_id ORDER BY record_id) AS record_ids\n"
            "    FROM clusters GROUP BY cluster_id, source HAVING count(*) > 1\n"
            "    ORDER BY records DESC, cluster_id LIMIT 20\"\"\").df()\n"
            "print('duplicate-free sources:', job.config.linkage.duplicate_free_sources or 'none declared')\n"
            "same_source"),
        new_markdown_cell(
            "## Cluster studio\n\nSplink's cluster studio draws each cluster as a graph: records are nodes, scored "
            "pairs are edges coloured by match probability. Choose a cluster at the top; click an edge for its "
            "waterfall chart, a node for its record. Shown here: the largest clusters and the least dense clusters "
            "of three or more records. Also written to `out/charts/cluster_studio.html`."),
        new_code_cell(
            "sparse = cm[cm.n_nodes >= 3].sort_values(['density', 'cluster_id']).cluster_id.head(5).tolist()\n"
            "ids = list(dict.fromkeys(largest + sparse)) or None\n"
            "studio = charts.cluster_studio(job, linker, job.out_dir / 'charts' / 'cluster_studio.html', cluster_ids=ids)\n"
            "print(studio)\n"
            "charts.show(studio, height=950)"),
        new_markdown_cell(
            "## works.parquet\n\nOne row per cluster: the merged work record (title, venue etc. from the best "
            "record, the published version before a preprint; authors from the longest list; the earliest year), "
            "every identifier, the sources and one `versions` entry per member record."),
        new_code_cell(
            "works_file = job.out_dir / 'works.parquet'\n"
            "works = pd.read_parquet(works_file)\n"
            "print(f\"{len(works):,} works from {int(works.n_records.sum()):,} records\")\n"
            "display(works.n_records.value_counts().sort_index().rename('works').to_frame())\n"
            "works.sort_values(['n_records', 'cluster_id'], ascending=[False, True]).head(5)[\n"
            "    ['cluster_id', 'title', 'year', 'doi', 'arxiv_id', 'sources', 'n_records']]"),
        new_code_cell(
            "# the member records of the largest work\n"
            "top = works.sort_values(['n_records', 'cluster_id'], ascending=[False, True]).iloc[0]\n"
            "pd.DataFrame(list(top.versions))"),
        new_code_cell("job.close()"),
    ]
    return new_notebook(cells=cells, metadata=METADATA)


METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
NOTEBOOKS = {"01_model.ipynb": model, "02_pairs.ipynb": pairs, "03_clusters.ipynb": clusters}


def render(name: str) -> str:
    nb = NOTEBOOKS[name]()
    for i, cell in enumerate(nb.cells):  # stable ids: the files only change when the cells do
        cell["id"] = f"{Path(name).stem}-{i:02d}"
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def main(check: bool = False) -> int:
    stale = []
    for name in NOTEBOOKS:
        text = render(name)
        path = HERE / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("out of date (run python notebooks/make_notebooks.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv))
