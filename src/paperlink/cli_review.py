"""CLI commands for clerical review (``paperlink review export|import``), ``paperlink link-new``
and the output of ``paperlink evaluate --labels``; registered on :data:`paperlink.cli.app`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from paperlink.cli import ConfigOpt, OutOpt, _fail, _job, app, console

review_app = typer.Typer(no_args_is_help=True, help="Clerical review: export pairs to decide, import the decisions.")
app.add_typer(review_app, name="review")


@review_app.command("export")
def review_export(
    out: Path = typer.Option(..., "--out", "-o", help="directory for review.csv (or .tsv) and review.html"),
    n: int = typer.Option(200, "--n", help="number of pairs"),
    strategy: str = typer.Option("uncertain", "--strategy", help="uncertain | random | disagreement"),
    config: Path = ConfigOpt,
    run_dir: Optional[Path] = typer.Option(None, "--run-dir", help="the run's output directory with model.json "
                                           "(default: [output] dir of the job)"),
    tsv: bool = typer.Option(False, "--tsv", help="write review.tsv instead of review.csv"),
    seed: int = typer.Option(42, "--seed", help="seed of the random strategy"),
) -> None:
    """Write pairs to review side by side (CSV/TSV and offline HTML) with an empty decision column."""
    try:
        from paperlink.review import export_review

        job = _job(config, run_dir)
        model = json.loads(job.model_path.read_text(encoding="utf-8")) if job.model_path.exists() else None
        result = export_review(job.con, out, n, strategy, job.config.linkage.threshold, model, seed=seed, tsv=tsv)
        job.close()
    except Exception as exc:
        _fail(exc)
        return
    console.print(f"{result['pairs']} pairs ({strategy}) in {result['table']} and {result['html']}")
    if result["pairs"] < n:
        console.print(f"only {result['pairs']} undecided candidate pairs were left to review")
    console.print("fill in `decision` (match / non-match / unsure), then: paperlink review import FILE")


@review_app.command("import")
def review_import(
    file: Path = typer.Argument(..., help="a filled-in review.csv/.tsv, or decisions.csv from review.html"),
    config: Path = ConfigOpt,
    replace: bool = typer.Option(False, "--replace", help="let the file's decisions supersede stored ones"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Validate decisions and store them in the run's `labels` table (re-run train/cluster to use them)."""
    try:
        from paperlink.review import import_decisions

        job = _job(config, None)
        result = import_decisions(job.con, file, replace=replace)
        total = job.con.execute("SELECT decision, count(*) FROM labels GROUP BY 1 ORDER BY 1").fetchall()
        job.close()
    except Exception as exc:
        _fail(exc)
        return
    if as_json:
        sys.stdout.write(json.dumps({**result.as_dict(), "stored_total": dict(total)}) + "\n")
        return
    console.print(f"{result.rows} rows: {result.stored} decisions stored "
                  f"({', '.join(f'{k} {v}' for k, v in sorted(result.by_decision.items())) or 'none'}), "
                  f"{result.replaced} replaced, {result.already_stored} already stored, "
                  f"{result.not_reviewed} without a decision, {len(result.duplicates)} duplicate rows")
    for d in result.duplicates[:20]:
        console.print(f"  duplicate: {d}")
    console.print("labels table: " + ", ".join(f"{k} {v}" for k, v in total))
    console.print("use them: paperlink train && paperlink predict && paperlink cluster && paperlink export "
                  "(or paperlink run; clustering alone: paperlink cluster)")


@app.command("link-new")
def link_new_command(
    sources: List[str] = typer.Option(..., "--sources", "-s", help="a TOML file with [[sources]], NAME=GLOB, or a "
                                      "file/glob of a job source's format; repeatable"),
    config: Path = ConfigOpt,
    out: Optional[Path] = OutOpt,
    as_json: bool = typer.Option(False, "--json", help="print the report as one JSON object"),
) -> None:
    """Link new records into a finished run with its saved model (no retraining); ids stay stable."""
    try:
        from paperlink.incremental import link_new, parse_sources

        job = _job(config, out)
        specs = parse_sources(list(sources), job.config.sources)
        report = link_new(job, specs, on_step=lambda s: console.print(f"[bold]{s}") if console.is_terminal else None)
        job.close()
    except Exception as exc:
        _fail(exc)
        return
    if as_json:
        sys.stdout.write(json.dumps(report, default=str) + "\n")
        return
    table = Table(title="new records per source")
    for col in ("source", "input", "loaded", "rejected", "already present", "new"):
        table.add_column(col, justify="right" if col != "source" else "left")
    for name, c in report["sources"].items():
        table.add_row(name, *(f"{c.get(k, 0):,}" for k in ("input", "loaded", "rejected", "already_present", "new")))
    console.print(table)
    if "clusters" in report:
        c = report["clusters"]
        console.print(f"pairs scored: {report['pairs_scored']}; clusters reached {c['clusters_reached']:,}, "
                      f"gaining records {c['existing_clusters_gaining_records']:,}, new {c['new_clusters']:,}, "
                      f"merged ids {c['merged']:,}, split ids {c['split']:,}")
    console.print(f"seconds: {report['seconds']}; outputs in [bold]{job.out_dir}[/bold]")


def print_label_evaluation(result: dict) -> None:
    out = Console()
    table = Table(title=f"accuracy from {result['reviewed_pairs']:,} reviewed pairs "
                        f"({result['matches']:,} match, {result['non_matches']:,} non-match; {result['scope']})")
    for col in ("", "precision", "recall", "f1"):
        table.add_column(col)
    for name, r in (("estimate: clusters", result["estimate"]["clusters"]),
                    ("estimate: pairs at threshold", result["estimate"]["pairs_at_threshold"]),
                    ("reviewed pairs: clusters", result["sample"]["clusters"]),
                    ("reviewed pairs: pair scores", result["sample"]["pairs_at_threshold"])):
        table.add_row(name, *(f"{r[k]:.4f}" for k in ("precision", "recall", "f1")))
    out.print(table)
    e = result["estimate"]
    out.print(f"expected matches among {e['candidate_pairs']:,} candidate and {e['cluster_pairs']:,} cluster pairs: "
              f"{e['expected_matches']:,}; strata with reviews: {e['bins_with_reviews']} of {len(e['bins'])} "
              "(others use the model's probabilities). Clusters honour the decisions, so on the reviewed pairs "
              "themselves they agree once re-clustered.")
