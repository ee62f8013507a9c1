"""paperlink's command line: a thin shell over :class:`paperlink.pipeline.LinkageJob`."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from paperlink.config import DEFAULT_JOB

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Link scholarly publication records from many sources into works.")
console = Console(stderr=True)
state = {"debug": False}

ConfigOpt = typer.Option(DEFAULT_JOB, "--config", "-c", help="job file (job.toml)")
OutOpt = typer.Option(None, "--out", "-o", help="output directory (default: [output] dir of the job)")
BackendOpt = typer.Option(None, "--backend", help="duckdb or spark (default: engine.backend of the job, else duckdb)")


@app.callback()
def main(debug: bool = typer.Option(False, "--debug", help="show tracebacks and Splink's log on errors")) -> None:
    state["debug"] = debug
    from paperlink.model.linker import SPLINK_LOG_LEVEL

    SPLINK_LOG_LEVEL["level"] = logging.INFO if debug else logging.ERROR


def _user_error_types() -> tuple[type[BaseException], ...]:
    """Errors that are the user's to fix (config, input, a step run out of order): exit code 2."""
    import duckdb

    from paperlink.config import ConfigError
    from paperlink.evaluate import GoldError
    from paperlink.pipeline import PipelineError
    from paperlink.sources.base import InputFileError

    return (ConfigError, PipelineError, InputFileError, GoldError, OSError, duckdb.Error, ValueError)


def _fail(exc: BaseException) -> None:
    """One line on stderr and a non-zero exit: 2 for user errors, 1 for anything unexpected,
    130 for Ctrl-C.  ``paperlink --debug`` re-raises instead (full traceback)."""
    if state["debug"]:
        raise exc
    if isinstance(exc, KeyboardInterrupt):
        sys.stderr.write("error: interrupted\n")
        raise typer.Exit(code=130)
    text = " ".join(str(exc).split()) or type(exc).__name__  # one line, whatever the message
    if isinstance(exc, _user_error_types()):
        sys.stderr.write(f"error: {text}\n")
        raise typer.Exit(code=2)
    sys.stderr.write(f"error: unexpected {type(exc).__name__}: {text} (run `paperlink --debug ...` for the traceback)\n")
    raise typer.Exit(code=1)


def _job(config: Path, out: Optional[Path]):
    from paperlink.pipeline import LinkageJob

    return LinkageJob.from_config(config, out)


def _run_steps(config: Path, out: Optional[Path], steps: list[str], backend: Optional[str] = None) -> None:
    try:
        job = _job(config, out)
        if backend is not None:
            from paperlink.config import BACKENDS, ConfigError

            if backend not in BACKENDS:
                raise ConfigError(f"--backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
            job.config.engine.backend = backend
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                      console=console, disable=not console.is_terminal) as progress:
            overall = progress.add_task("paperlink", total=len(steps))
            files: dict[str, int] = {}

            def on_file(source, path, n):
                key = f"{source}:{path}"
                if key not in files:
                    files[key] = progress.add_task(f"  load {source}: {Path(path).name}", total=None)
                progress.update(files[key], completed=n, description=f"  load {source}: {Path(path).name} ({n:,} items)")

            pieces: list[int] = []

            def on_piece(done, total):
                if not pieces:
                    pieces.append(progress.add_task("  predict: scored pieces", total=total))
                progress.update(pieces[0], completed=done)

            started: list[str] = []

            def on_step(step):
                if started:
                    progress.advance(overall)
                started.append(step)
                progress.update(overall, description=f"[bold]{step}")

            from paperlink.pipeline import STEPS

            if tuple(steps) == STEPS:  # the whole job: outputs staged and published together
                job.run(on_step=on_step, on_file=on_file, on_piece=on_piece)
            else:
                for step in steps:
                    on_step(step)
                    if step == "load":
                        job.load(on_file)
                    elif step == "predict":
                        job.predict(on_piece)
                    else:
                        getattr(job, step)()
            progress.advance(overall)
        _summary(job)
        job.close()
    except (Exception, KeyboardInterrupt) as exc:  # every user error: one line, non-zero exit
        _fail(exc)


def _summary(job) -> None:
    report = job.report
    if "sources" in report:
        table = Table(title="records per source")
        for col in ("source", "files", "input", "loaded", "rejected", "skipped"):
            table.add_column(col, justify="right" if col != "source" else "left")
        for name, c in report["sources"].items():
            table.add_row(name, *(f"{c.get(k, 0):,}" for k in ("files", "input", "loaded", "rejected", "skipped")))
        console.print(table)
    steps = Table(title="steps")
    steps.add_column("step")
    steps.add_column("seconds", justify="right")
    for step, seconds in job.timings.items():
        steps.add_row(step, f"{seconds:.2f}")
    console.print(steps)
    if "clusters" in report:
        console.print(f"{report['clusters']:,} clusters; outputs in [bold]{job.out_dir}[/bold]")


@app.command()
def load(config: Path = ConfigOpt, out: Optional[Path] = OutOpt) -> None:
    """Load the job's sources into DuckDB (records, rejected_records, raw_<source>)."""
    _run_steps(config, out, ["load"])


@app.command()
def train(config: Path = ConfigOpt, out: Optional[Path] = OutOpt, backend: Optional[str] = BackendOpt) -> None:
    """Build features and train the model (without labels; reviewed matches refine m); writes model.json."""
    _run_steps(config, out, ["train"], backend)


@app.command()
def predict(config: Path = ConfigOpt, out: Optional[Path] = OutOpt, backend: Optional[str] = BackendOpt) -> None:
    """Score candidate pairs with the trained model."""
    _run_steps(config, out, ["predict"], backend)


@app.command()
def cluster(config: Path = ConfigOpt, out: Optional[Path] = OutOpt, backend: Optional[str] = BackendOpt) -> None:
    """Cluster scored pairs into works at the job's threshold."""
    _run_steps(config, out, ["cluster"], backend)


@app.command()
def export(config: Path = ConfigOpt, out: Optional[Path] = OutOpt) -> None:
    """Write clusters.parquet, works.parquet, pairs.parquet and run_report.json."""
    _run_steps(config, out, ["export"])


@app.command()
def run(config: Path = ConfigOpt, out: Optional[Path] = OutOpt, backend: Optional[str] = BackendOpt) -> None:
    """The whole job: load -> train -> predict -> cluster -> export."""
    from paperlink.pipeline import STEPS

    _run_steps(config, out, list(STEPS), backend)


@app.command()
def evaluate(
    gold: Optional[Path] = typer.Option(None, "--gold", "-g", help="CSV of record_id_l,record_id_r pairs or record_id,entity_id labels"),
    labels: bool = typer.Option(False, "--labels", help="estimate precision/recall from the reviewed pairs (`paperlink review import`)"),
    config: Path = ConfigOpt,
    out: Optional[Path] = OutOpt,
    scope: str = typer.Option("all", help="all (deduplication) or cross_source (record linkage)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    charts: bool = typer.Option(True, "--charts/--no-charts",
                                help="with --gold, write Splink's precision-recall and threshold-selection charts into <out>/charts/"),
) -> None:
    """Score a finished run against ground truth (precision, recall, F1, blocking) and/or reviewed pairs."""
    try:
        from paperlink.evaluate import GoldError, evaluate_labels

        if gold is None and not labels:
            raise GoldError("give --gold FILE (ground truth) and/or --labels (reviewed pairs)")
        job = _job(config, out)
        job.require_matching_run()
        from_labels = evaluate_labels(job.con, job.config.linkage.threshold, scope=scope) if labels else None
        result = job.evaluate(gold, scope=scope) if gold else None
        if result is not None and charts:
            from paperlink.charts import accuracy_charts

            result["charts"] = [str(p) for p in accuracy_charts(job)]
    except Exception as exc:
        _fail(exc)
        return
    if from_labels is not None:
        if as_json:
            if result is None:
                sys.stdout.write(json.dumps(from_labels, default=str) + "\n")
                return
            result["labels"] = from_labels
        else:
            from paperlink.cli_review import print_label_evaluation

            print_label_evaluation(from_labels)
    if result is None:
        return
    if as_json:
        sys.stdout.write(json.dumps(result, default=str) + "\n")
        return
    table = Table(title=f"accuracy ({scope})")
    for col in ("", "precision", "recall", "f1", "threshold"):
        table.add_column(col)
    table.add_row("clusters", *(f"{result[k]:.4f}" for k in ("precision", "recall", "f1")), f"{job.config.linkage.threshold}")
    for name in ("pairs_at_threshold", "pairs_best"):
        r = result[name]
        table.add_row(name.replace("_", " "), *(f"{r[k]:.4f}" for k in ("precision", "recall", "f1")), f"{r['threshold']}")
    Console().print(table)
    Console().print(f"pair completeness {result['pair_completeness']:.4f}; candidate pairs {result['candidate_pairs']:,}")
    if result["gold_pairs_not_in_run"]:
        Console().print(f"{result['gold_pairs_not_in_run']:,} of {result['gold_pairs']:,} gold pairs have a record the run "
                        "does not hold (see rejected_records); they count as missed")
    for kind in ("false_positives", "false_negatives"):
        ex = Table(title=kind.replace("_", " "))
        for col in ("weight", "left", "right"):
            ex.add_column(col)
        for e in result[kind]:
            w = "" if e["match_weight"] is None else f"{e['match_weight']:.1f}"
            ex.add_row(w, f"{e['record_id_l']}\n{e['title_l']} ({e['year_l']})", f"{e['record_id_r']}\n{e['title_r']} ({e['year_r']})")
        Console().print(ex)
    if result.get("charts"):
        Console().print("charts: " + ", ".join(result["charts"]))


@app.command()
def synth(
    works: int = typer.Option(..., "--works", help="number of works to generate"),
    out: Path = typer.Option(..., "--out", help="directory for the corpus, gold.csv and job.toml"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Write a synthetic multi-source corpus with ground truth and a ready job.toml."""
    try:
        from paperlink.synth import generate

        counts = generate(works, out, seed=seed)
    except Exception as exc:
        _fail(exc)
        return
    console.print(counts)
    console.print(f"run it with: paperlink run --config {out / 'job.toml'}")


@app.command()
def charts(
    config: Path = ConfigOpt,
    out: Optional[Path] = OutOpt,
    png: bool = typer.Option(True, "--png/--no-png", help="also write PNG images of the charts"),
    replay_training: bool = typer.Option(
        True, "--replay-training/--no-replay-training",
        help="replay training in memory for the per-EM-session parameter chart"),
) -> None:
    """Write charts and dashboards of a finished run as offline HTML (and PNG) into <out>/charts/."""
    try:
        from paperlink.charts import write_all_charts

        job = _job(config, out)
        paths = write_all_charts(job, png=png, replay_training=replay_training)
        job.close()
    except Exception as exc:
        _fail(exc)
        return
    for path in paths:
        console.print(f"  {path}")
    console.print(f"{len(paths)} files in [bold]{paths[0].parent if paths else ''}[/bold]")


from paperlink import cli_review  # noqa: E402,F401  (registers `review export|import` and `link-new`)

if __name__ == "__main__":
    app()
