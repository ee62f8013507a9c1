"""Reliability: every record accounted for, atomic outputs, validated config, clear CLI errors.

The fuzzing of the loaders is in test_fuzz.py (and benchmarks/fuzz/run.py).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from paperlink.cli import app
from paperlink.config import ConfigError, check_settings_sql, load_job, read_settings
from paperlink.db import connect
from paperlink.model.features import build_features
from paperlink.pipeline import OUTPUTS, STAGING, LinkageJob, PipelineError
from paperlink.records.load import SourceSpec, load_source, load_sources

sys.path.insert(0, str(Path(__file__).parent))
from test_pipeline import write_job  # noqa: E402

PAPERLINK = Path(sys.executable).parent / "paperlink"
CSV_COLUMNS = '{ source_id = "id", title = "title", authors = "authors", year = "year", venue = "venue" }'


def add_bad_rows(job_dir: Path) -> None:
    """alpha gets a row without title or id and a duplicate id: 2 rejections."""
    with open(job_dir / "alpha.csv", "a") as fh:
        fh.write(',,,,\n')
        fh.write('a0,"Half-Inverse Gradients, again",Someone,2022,ICLR\n')


@pytest.fixture(scope="module")
def done_run(tmp_path_factory):
    """One finished run of the small two-source job (with two bad rows in alpha)."""
    tmp = tmp_path_factory.mktemp("done")
    job_file, _ = write_job(tmp)
    add_bad_rows(tmp)
    job = LinkageJob.from_config(job_file)
    report = job.run()
    job.close()
    return tmp, job_file, report


def job_on_copy(done_run, tmp_path) -> LinkageJob:
    """A job on a copy of the finished run's database, writing to a fresh output directory."""
    src, job_file, _ = done_run
    shutil.copy(src / "db" / "paperlink.duckdb", tmp_path / "copy.duckdb")
    config = load_job(job_file)
    config.database.path = tmp_path / "copy.duckdb"
    job = LinkageJob(config, tmp_path / "out")
    shutil.copy(src / "out" / "model.json", tmp_path / "model.json")
    (tmp_path / "out").mkdir()
    shutil.copy(src / "out" / "model.json", tmp_path / "out" / "model.json")
    return job


# ------------------------------------------------------------------------------ no loss


def test_run_report_accounts_for_every_record(done_run):
    tmp, _, report = done_run
    on_disk = json.loads((tmp / "out" / "run_report.json").read_text())
    for rep in (report, on_disk):
        alpha, beta = rep["sources"]["alpha"], rep["sources"]["beta"]
        assert alpha == {"files": 1, "input": 10, "loaded": 8, "rejected": 2, "skipped": 0, "clustered": 8}
        assert beta["input"] == beta["loaded"] + beta["rejected"] and beta["loaded"] == beta["clustered"] == 7
        assert rep["accounting"].startswith("ok")
    con = duckdb.connect(str(tmp / "db" / "paperlink.duckdb"), read_only=True)
    reasons = sorted(r[0][:40] for r in con.execute(
        "SELECT reason FROM rejected_records WHERE source = 'alpha'").fetchall())
    con.close()
    assert reasons == ["duplicate source_id a0 (first loaded fro", "no title, identifier or authors"]


@pytest.mark.parametrize("tamper, message", [
    ("DELETE FROM clusters WHERE record_id = 'alpha:a1'", "source 'alpha': loaded 8 records but 7 are clustered"),
    ("INSERT INTO records (record_id, source, source_id, title) VALUES ('beta:zz', 'beta', 'zz', 'X')",
     "source 'beta': loaded 8 records but 7 are clustered"),
    ("INSERT INTO clusters SELECT * FROM clusters WHERE record_id = 'alpha:a1'", "more than one cluster"),
    ("UPDATE load_counts SET input = input + 1 WHERE source = 'beta'", "source 'beta': input 8 != loaded 7 + rejected 0"),
])
def test_lost_records_stop_the_export(done_run, tmp_path, tamper, message):
    job = job_on_copy(done_run, tmp_path)
    job.con.execute(tamper)
    with pytest.raises(PipelineError, match=message.replace("(", r"\(").replace("+", r"\+")):
        job.export()
    job.close()
    assert not (tmp_path / "out" / "clusters.parquet").exists(), "nothing is written once the count is off"


def test_duplicate_source_ids_first_kept_later_rejected(tmp_path):
    rec = lambda doi, title: json.dumps({"DOI": doi, "title": [title], "reference-count": 0})  # noqa: E731
    (tmp_path / "a.jsonl").write_text("\n".join([rec("10.1/x", "First X"), rec("10.1/y", "Y"), rec("10.1/x", "Second X")]) + "\n")
    (tmp_path / "b.jsonl").write_text("\n".join([rec("10.1/x", "Third X"), rec("10.1/z", "Z")]) + "\n")
    con = connect()
    counts = load_sources(con, [SourceSpec(name="cr", paths=[str(tmp_path / "*.jsonl")], format="crossref")])["cr"]
    assert (counts.input, counts.loaded, counts.rejected) == (5, 3, 2)
    assert con.execute("SELECT title, file, position FROM records WHERE source_id = '10.1/x'").fetchall() == [
        ("First X", str(tmp_path / "a.jsonl"), 1)]
    rejected = con.execute("SELECT file, position, reason FROM rejected_records ORDER BY file, position").fetchall()
    first = f"duplicate source_id 10.1/x (first loaded from {tmp_path / 'a.jsonl'} at position 1)"
    assert rejected == [(str(tmp_path / "a.jsonl"), 3, first), (str(tmp_path / "b.jsonl"), 1, first)]


def test_sources_read_side_by_side_load_as_one_after_another(tmp_path):
    job_file, _ = write_job(tmp_path)
    add_bad_rows(tmp_path)
    specs = load_job(job_file).sources
    side_by_side, one_by_one = connect(), connect()
    side_by_side.execute("SET threads = 2")
    counts = load_sources(side_by_side, specs)
    assert counts == {s.name: load_source(one_by_one, s) for s in specs}
    for table in ("records", "rejected_records", "load_counts", "raw_alpha", "raw_beta"):
        rows = [con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall() for con in (side_by_side, one_by_one)]
        assert rows[0] == rows[1] and rows[0], table


def test_sources_left_out_of_the_job_are_dropped_and_loads_replace_atomically(tmp_path, monkeypatch):
    job_file, _ = write_job(tmp_path)
    con = connect()
    job = load_job(job_file)
    load_sources(con, job.sources)
    assert {r[0] for r in con.execute("SELECT DISTINCT source FROM records").fetchall()} == {"alpha", "beta"}
    load_sources(con, job.sources[:1])  # beta removed from the job
    assert {r[0] for r in con.execute("SELECT DISTINCT source FROM records").fetchall()} == {"alpha"}
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'raw_beta'").fetchone()[0] == 0
    assert con.execute("SELECT list(source) FROM load_counts").fetchone()[0] == ["alpha"]

    # a load that dies half-way through a source leaves that source as it was
    before = con.execute("SELECT * FROM records ORDER BY record_id").fetchall()
    from paperlink.sources.tabular import Csv

    def dying(self, con, path, **options):
        yield from original(self, con, path, **options)
        raise KeyboardInterrupt  # not an error a reader may swallow: the load stops

    original = Csv.raw_items
    monkeypatch.setattr(Csv, "raw_items", dying)
    (tmp_path / "alpha.csv").write_text("id,title,authors,year,venue\nz1,Only this,A B,2020,V\n")
    with pytest.raises(KeyboardInterrupt):
        load_sources(con, job.sources[:1])
    assert con.execute("SELECT * FROM records ORDER BY record_id").fetchall() == before


# ------------------------------------------------------------------------------ atomic outputs


def _hashes(out: Path) -> dict[str, str]:
    return {n: hashlib.sha256((out / n).read_bytes()).hexdigest() for n in OUTPUTS if (out / n).exists()}


def _readable(out: Path, db: Path) -> None:
    for name in OUTPUTS:
        if name.endswith(".parquet"):
            duckdb.sql(f"SELECT count(*) FROM '{out / name}'").fetchall()
        else:
            json.loads((out / name).read_text())
    con = duckdb.connect(str(db))  # the database reopens (its WAL replayed) after a kill
    con.execute("SELECT count(*) FROM records").fetchall()
    con.close()


def _kill_when(cmd: list[str], ready, timeout: float = 120) -> bool:
    """Start ``cmd``; SIGKILL it as soon as ``ready()`` holds.  False if it finished first."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if ready():
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                return True
            time.sleep(0.002)
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_killed_run_leaves_previous_outputs_and_next_run_succeeds(tmp_path):
    job_file, _ = write_job(tmp_path)
    out, db, staging = tmp_path / "out", tmp_path / "db" / "paperlink.duckdb", tmp_path / "out" / STAGING
    job = LinkageJob.from_config(job_file)
    job.run()
    job.close()
    before = _hashes(out)
    assert set(before) == set(OUTPUTS)

    # new input: a run that got to publish anything would change the outputs
    original = (tmp_path / "beta.csv").read_text()
    (tmp_path / "beta.csv").write_text(original.replace("Bigtable", "BigTable").replace(",2016,", ",2017,"))
    cmd = [str(PAPERLINK), "run", "-c", str(job_file)]
    t0 = time.monotonic()
    points = {
        "loading": lambda: staging.exists() and time.monotonic() - t0 > 0.3,
        "trained": lambda: (staging / "model.json").exists(),
        "exporting": lambda: (staging / "clusters.parquet").exists() or (staging / ".clusters.parquet.tmp").exists(),
    }
    states = {}
    for point, ready in points.items():
        t0 = time.monotonic()
        killed = _kill_when(cmd, ready)
        states[point] = (killed, _hashes(out))
        _readable(out, db)
    # the next run cleans up after the killed ones and publishes the new outputs
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    after = _hashes(out)
    assert after != before
    assert not staging.exists() and not list(out.glob(".*.tmp"))
    _readable(out, db)
    for point, (killed, hashes) in states.items():
        # killed: the previous outputs, untouched; not killed in time: the complete new set
        assert hashes == (before if killed else after), point
    assert any(killed for killed, _ in states.values())

    # and the first input again gives the first outputs, byte for byte (reruns are identical)
    (tmp_path / "beta.csv").write_text(original)
    job = LinkageJob.from_config(job_file)
    job.run()
    job.close()
    assert _hashes(out)["clusters.parquet"] == before["clusters.parquet"]
    assert json.loads((out / "model.json").read_text()) == json.loads((tmp_path / "out" / "model.json").read_text())


def test_failed_run_publishes_nothing(done_run, tmp_path):
    """A run that stops at a step (here: no model fits the features) leaves the outputs alone."""
    src, job_file, _ = done_run
    shutil.copytree(src, tmp_path / "job")
    job_file = tmp_path / "job" / "job.toml"
    before = _hashes(tmp_path / "job" / "out")
    settings = read_settings(None)
    settings["comparisons"][0]["comparison_levels"][1]["sql_condition"] = "nosuchcolumn_l = nosuchcolumn_r"
    (tmp_path / "job" / "bad_settings.json").write_text(json.dumps(settings))
    job_file.write_text(job_file.read_text().replace("[linkage]\n", '[linkage]\nsettings = "bad_settings.json"\n'))
    job = LinkageJob.from_config(job_file)
    with pytest.raises(ConfigError, match="nosuchcolumn_l"):
        job.run()
    job.close()
    assert _hashes(tmp_path / "job" / "out") == before
    assert not (tmp_path / "job" / "out" / STAGING).exists()


# ------------------------------------------------------------------------------ config validation


SOURCE = '[[sources]]\nname = "alpha"\nformat = "csv"\npaths = ["alpha.csv"]\ncolumns = ' + CSV_COLUMNS + "\n"


@pytest.mark.parametrize("text, message", [
    ("[databse]\npath = 'x'\n" + SOURCE, r"unknown key databse \(allowed: database, "),
    ("[linkage]\nthreshold = 'high'\n" + SOURCE, "linkage.threshold must be of type float, got str"),
    ("[database]\nthreads = true\n" + SOURCE, "database.threads must be of type int, got bool"),
    ("[database]\nthreads = 0\n" + SOURCE, "database.threads must be at least 1"),
    ("[database]\nmemory_limit = 'lots'\n" + SOURCE, "database.memory_limit must be a size"),
    ("[linkage.training]\nrecall = 'most'\n" + SOURCE, "linkage.training.recall must be of type float, got str"),
    ("[linkage.training]\nrecall = 1.5\n" + SOURCE, "linkage.training.recall must be between 0"),
    ("[linkage.training]\nem_blocking_rules = [1]\n" + SOURCE, "em_blocking_rules must be a list of SQL conditions"),
    ("[linkage.training]\nem_rulez = []\n" + SOURCE, "unknown key linkage.training.em_rulez"),
    ("[linkage]\nnum_chunks = 0\n" + SOURCE, 'linkage.num_chunks must be "auto" or a whole number of at least 1, got 0'),
    ("[linkage]\nnum_chunks = \"many\"\n" + SOURCE, "linkage.num_chunks must be \"auto\" or a whole number of at least 1, got 'many'"),
    ("[linkage]\npredict_threshold = 1.0\n" + SOURCE, "linkage.predict_threshold"),
    ("[linkage]\nsettings = 'missing.json'\n" + SOURCE, "linkage.settings: file not found: .*missing.json"),
    (SOURCE.replace('format = "csv"', 'format = "jsonx"'), "sources\\[0\\].format: unknown format 'jsonx'"),
    (SOURCE.replace("source_id =", "sourceid ="), "sources\\[0\\].columns.sourceid is not a canonical field"),
    (SOURCE.replace('format = "csv"', 'format = "crossref"'), "columns is only read by the csv and parquet formats"),
    (SOURCE.replace('paths = ["alpha.csv"]', "paths = []"), "sources\\[0\\].paths must be a non-empty list"),
    (SOURCE.replace('paths = ["alpha.csv"]', "paths = 'alpha.csv'"), "sources\\[0\\].paths must be of type list, got str"),
    (SOURCE + 'options = { delim = ";" }\n', "unknown key sources\\[0\\].options"),
    (SOURCE + 'encoding = "klingon"\n', "sources\\[0\\].encoding: unknown text encoding 'klingon'"),
    (SOURCE.replace('format = "csv"', 'format = "crossref"').replace("columns =", "# columns =") + 'encoding = "latin-1"\n',
     "encoding is only read by the csv format, not crossref"),
    (SOURCE.replace('"alpha"', '"alpha\'; DROP TABLE records; --"'), "sources\\[0\\].name: source name"),
    (SOURCE + SOURCE, "source names must be unique"),
    ("[linkage]\nthreshold = 0.9\n", "must list at least one source"),
    ("[linkage\nthreshold = 0.9\n", "invalid TOML"),
])
def test_job_file_errors_name_the_key(tmp_path, text, message):
    (tmp_path / "job.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_job(tmp_path / "job.toml")


def test_missing_job_file(tmp_path):
    with pytest.raises(ConfigError, match="job file not found"):
        load_job(tmp_path / "nope.toml")


def _settings_with(change) -> dict:
    settings = read_settings(None)
    change(settings)
    return settings


@pytest.mark.parametrize("change, message", [
    (lambda s: s.update(blocking_rules=[]), r"unknown key 'blocking_rules'"),
    (lambda s: s.update(comparisons="title"), r"'comparisons' must be a non-empty list"),
    (lambda s: s.update(link_type="dedupe"), "'link_type' must be one of"),
    (lambda s: s.update(max_iterations=2.5), "'max_iterations' must be int, got float"),
    (lambda s: s.update(retain_matching_columns="yes"), "'retain_matching_columns' must be bool"),
    (lambda s: s["comparisons"][1]["comparison_levels"][1].update(m_probability=2), "m_probability must be a probability"),
    (lambda s: s["comparisons"][1]["comparison_levels"][1].update(sql_conditon="x"), "unknown key comparisons\\[1\\].comparison_levels\\[1\\].'sql_conditon'"),
    (lambda s: s["comparisons"][0].pop("comparison_levels"), "comparisons\\[0\\].comparison_levels must be a non-empty list"),
    (lambda s: s["blocking_rules_to_generate_predictions"].append({"rule": "l.a = r.a"}), "must be a SQL string or an object"),
])
def test_settings_file_errors_name_the_key(tmp_path, change, message):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(_settings_with(change)))
    with pytest.raises(ConfigError, match=message):
        read_settings(path)


def test_settings_file_not_json(tmp_path):
    (tmp_path / "settings.json").write_text("{ not json")
    with pytest.raises(ConfigError, match="is not valid JSON"):
        read_settings(tmp_path / "settings.json")


@pytest.fixture(scope="module")
def features_con(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("features")
    job_file, _ = write_job(tmp)
    con = connect()
    load_sources(con, load_job(job_file).sources)
    build_features(con)
    return con


@pytest.mark.parametrize("change, message", [
    (lambda s: next(lv for lv in s["comparisons"][1]["comparison_levels"] if lv["label_for_charts"] == "exact").update(
        sql_condition="title_exact_l = title_exact_r"),
     "comparison 'title', level 'exact': Binder Error: .*title_exact_l"),
    (lambda s: s["comparisons"][2]["comparison_levels"][1].update(tf_adjustment_column="surname"),
     "tf_adjustment_column 'surname' is not a column of features"),
    (lambda s: s["blocking_rules_to_generate_predictions"].append("l.isbn = r.isbn"), f"blocking rule {len(read_settings(None)['blocking_rules_to_generate_predictions'])} .*isbn"),
    (lambda s: s["blocking_rules_to_generate_predictions"].append(
        {"blocking_rule": "l.k = r.k", "arrays_to_explode": ["keys"]}), "arrays_to_explode names 'keys'"),
    (lambda s: s.update(additional_columns_to_retain=["venue"]), "additional_columns_to_retain: no column 'venue'"),
    (lambda s: s.update(unique_id_column_name="id"), "unique_id_column_name: no column 'id'"),
])
def test_settings_sql_is_checked_against_the_features(features_con, change, message):
    check_settings_sql(features_con, read_settings(None))  # the shipped settings pass
    with pytest.raises(ConfigError, match=message):
        check_settings_sql(features_con, _settings_with(change))


def test_training_rules_are_checked_against_the_features(features_con):
    from paperlink.model.linker import TrainingConfig

    with pytest.raises(ConfigError, match=r"linkage.training.em_blocking_rules\[1\] \('l.surname = r.surname'\)"):
        check_settings_sql(features_con, read_settings(None),
                           TrainingConfig(em_blocking_rules=["l.first_author_surname = r.first_author_surname",
                                                             "l.surname = r.surname"]))


def test_names_reaching_sql_are_quoted(tmp_path):
    """Column names and file names with quotes and SQL in them are data, not SQL."""
    odd_title = "it's; DROP TABLE records; --"
    path = tmp_path / "o'brien; DROP TABLE x.csv"
    path.write_text(f'id,"{odd_title}",who\n1,A title,A B\n2,Another,C D\n')
    con = connect()
    counts = load_sources(con, [SourceSpec(name="odd", paths=[str(tmp_path / "o*.csv")], format="csv",
                                           columns={"source_id": "id", "title": odd_title, "authors": "who"})])["odd"]
    assert (counts.loaded, counts.rejected) == (2, 0)
    assert con.execute("SELECT title, authors FROM records ORDER BY source_id").fetchall() == [
        ("A title", ["A B"]), ("Another", ["C D"])]


def test_a_missing_mapped_column_rejects_every_row_with_the_reason(tmp_path):
    (tmp_path / "t.csv").write_text("id,name\n1,A\n2,B\n")
    con = connect()
    counts = load_sources(con, [SourceSpec(name="t", paths=[str(tmp_path / "t.csv")], format="csv",
                                           columns={"source_id": "id", "title": "title"})])["t"]
    assert (counts.loaded, counts.rejected) == (0, 2)
    reasons = {r[0] for r in con.execute("SELECT reason FROM rejected_records").fetchall()}
    assert reasons == {"this file has no column 'title' (columns.title); its columns: 'id', 'name'"}


def test_a_list_of_columns_takes_the_first_that_is_not_empty(tmp_path):
    """``year = ["year", "date"]`` takes the first column holding a year; ``venue = ["journal",
    "booktitle"]`` the first non-blank one; a missing column of a list rejects like any other."""
    (tmp_path / "c.csv").write_text(
        "id,title,year,date,journal,booktitle\n"
        "1,A,(1991).,,Machine Learning,\n"
        "2,B,,September 1994.,  ,Proc. AAAI\n"
        "3,C,n.d.,1988,,\n")
    con = connect()
    spec = SourceSpec(name="c", paths=[str(tmp_path / "c.csv")], format="csv", columns={
        "source_id": "id", "title": "title", "year": ["year", "date"], "venue": ["journal", "booktitle"]})
    assert load_sources(con, [spec])["c"].loaded == 3
    assert con.execute("SELECT year, venue FROM records ORDER BY source_id").fetchall() == [
        (1991, "Machine Learning"), (1994, "Proc. AAAI"), (1988, None)]
    job = tmp_path / "job.toml"
    job.write_text('[[sources]]\nname = "c"\nformat = "csv"\npaths = ["c.csv"]\n'
                   'columns = { source_id = "id", title = "title", year = ["year", "date"] }\n')
    assert load_job(job).sources[0].columns["year"] == ["year", "date"]
    job.write_text('[[sources]]\nname = "c"\nformat = "csv"\npaths = ["c.csv"]\ncolumns = { title = [] }\n')
    with pytest.raises(ConfigError, match="columns.title must be a column name or a list of column names"):
        load_job(job)
    con = connect()
    spec.columns["venue"] = ["journal", "series"]
    assert load_sources(con, [spec])["c"].rejected == 3


def test_csv_text_that_is_not_utf8_is_decoded_not_rejected(tmp_path):
    """``encoding = "auto"`` (the default): a CSV in Windows-1252 / Latin-1, or one that mixes
    it into UTF-8 lines, loads whole with its accents and quotes; gzip too; a named codec reads
    the whole file in it; ``utf-8`` rejects the lines that are not."""
    rows = ["id,title,authors", '1,"Sj\u00f6str\u00f6m\u2019s \u201cquery\u201d method","B Sj\u00f6str\u00f6m; M M\u00fcller"',
            "2,Plain title,A Smith", '3,"Caf\u00e9 na\u00efve",J Dupont']
    cp1252 = ("\n".join(rows) + "\n").encode("cp1252")
    mixed = "\n".join(rows[:2]).encode("cp1252") + b"\n" + "\n".join(rows[2:]).encode("utf-8") + b"\n"
    (tmp_path / "cp1252.csv").write_bytes(cp1252)
    (tmp_path / "mixed.csv").write_bytes(mixed)
    (tmp_path / "gz.csv.gz").write_bytes(gzip.compress(cp1252))
    (tmp_path / "utf16.csv").write_bytes(("\n".join(rows) + "\n").encode("utf-16"))
    expected = [("1", "Sj\u00f6str\u00f6m\u2019s \u201cquery\u201d method", ["B Sj\u00f6str\u00f6m", "M M\u00fcller"]),
                ("2", "Plain title", ["A Smith"]), ("3", "Caf\u00e9 na\u00efve", ["J Dupont"])]
    columns = {"source_id": "id", "title": "title", "authors": "authors"}
    for name, encoding in [("cp1252.csv", "auto"), ("mixed.csv", "auto"), ("gz.csv.gz", "auto"),
                           ("utf16.csv", "utf-16"), ("cp1252.csv", "cp1252")]:
        con = connect()
        spec = SourceSpec(name="t", paths=[str(tmp_path / name)], format="csv", columns=columns, encoding=encoding)
        counts = load_sources(con, [spec])["t"]
        assert (counts.loaded, counts.rejected) == (3, 0), (name, encoding)
        assert con.execute("SELECT source_id, title, authors FROM records ORDER BY source_id").fetchall() == expected
        assert {r[0] for r in con.execute("SELECT DISTINCT file FROM records").fetchall()} == {str(tmp_path / name)}
    con = connect()
    spec = SourceSpec(name="t", paths=[str(tmp_path / "mixed.csv")], format="csv", columns=columns, encoding="utf-8")
    counts = load_sources(con, [spec])["t"]
    assert (counts.loaded, counts.rejected) == (2, 1)
    assert con.execute("SELECT reason LIKE 'CSV line 2: INVALID ENCODING%' FROM rejected_records").fetchall() == [(True,)]
    job = tmp_path / "job.toml"
    job.write_text('[[sources]]\nname = "t"\nformat = "csv"\npaths = ["cp1252.csv"]\nencoding = "latin-1"\n'
                   'columns = { source_id = "id", title = "title" }\n')
    assert load_job(job).sources[0].encoding == "latin-1"


def test_paths_resolve_against_the_job_file(tmp_path, monkeypatch):
    job_file, _ = write_job(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    job = load_job(Path("..") / "job.toml")
    assert job.database.path == tmp_path / "db" / "paperlink.duckdb"
    assert job.output_dir == tmp_path / "out"
    con = connect()
    assert load_sources(con, job.sources)["alpha"].loaded == 8


# ------------------------------------------------------------------------------ memory


def test_run_within_a_tiny_memory_limit_spills_and_completes(tmp_path):
    """~2,000 records in six native formats under a 50 MB DuckDB limit (one thread: DuckDB's
    per-thread operator memory does not spill); the run completes and accounts for every record."""
    from paperlink.synth import generate

    generate(600, tmp_path / "corpus", seed=5)
    job_file = tmp_path / "corpus" / "job.toml"
    text = job_file.read_text()
    assert "[database]\n" in text
    job_file.write_text(text.replace(
        "[database]\n", "[database]\nmemory_limit = '50MB'\ntemp_directory = 'work/spill'\nthreads = 1\n", 1)
        + "\n[linkage.training]\nu_max_pairs = 100000.0\nem_max_pairs = 100000.0\n")
    job = LinkageJob.from_config(job_file)
    report = job.run()
    limit = job.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    job.close()
    assert limit.replace(" ", "").upper() in ("47.6MIB", "50.0MB", "47.6MB", "50MB"), limit
    loaded = sum(s["loaded"] for s in report["sources"].values())
    assert loaded > 2000 and loaded == sum(s["clustered"] for s in report["sources"].values())
    assert all(s["input"] == s["loaded"] + s["rejected"] for s in report["sources"].values())
    assert report["clusters"] < loaded  # records did link


# ------------------------------------------------------------------------------ CLI errors


def _cli(args: list[str]):
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stderr if hasattr(result, "stderr") else result.output, result


@pytest.mark.parametrize("setup, args, message", [
    (None, ["run", "-c", "{tmp}/nope.toml"], "error: job file not found"),
    ("[linkage]\nthreshold = 'x'\n" + SOURCE, ["load", "-c", "{tmp}/job.toml"], "error: linkage.threshold must be of type float"),
    (SOURCE.replace('"csv"', '"cvs"'), ["load", "-c", "{tmp}/job.toml"], "error: sources[0].format: unknown format 'cvs'"),
    (SOURCE.replace("alpha.csv", "nothere/*.csv"), ["load", "-c", "{tmp}/job.toml"], "error: source 'alpha': no file matches"),
    (SOURCE.replace("alpha.csv", "empty.csv"), ["run", "-c", "{tmp}/job.toml"], "error: no records loaded: the input files hold no records"),
    (SOURCE.replace("alpha.csv", "garbage.csv"), ["load", "-c", "{tmp}/job.toml"], "error: no records loaded: all 2 input records were rejected"),
    (SOURCE, ["predict", "-c", "{tmp}/job.toml"], "error: no trained model at"),
    (SOURCE, ["evaluate", "-c", "{tmp}/job.toml", "--gold", "{tmp}/nogold.csv"], "error: gold file not found"),
])
def test_cli_user_errors_are_one_line_and_exit_2(tmp_path, setup, args, message):
    (tmp_path / "alpha.csv").write_text("id,title,authors,year,venue\n1,T,A B,2020,V\n")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "garbage.csv").write_text("id,title,authors,year,venue\n,,,,\n,,,,\n")
    if setup:
        (tmp_path / "job.toml").write_text(setup + f'[database]\npath = "{tmp_path}/db.duckdb"\n')
    code, err, result = _cli([a.replace("{tmp}", str(tmp_path)) for a in args])
    assert code == 2, (err, result.exception)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(message), err
    assert "Traceback" not in err


def test_cli_debug_shows_the_traceback(tmp_path):
    code, _, result = _cli(["--debug", "run", "-c", str(tmp_path / "nope.toml")])
    assert code != 0 and isinstance(result.exception, ConfigError)


def test_cli_subprocess_error_is_one_line_without_traceback(tmp_path):
    (tmp_path / "job.toml").write_text("[[sources]]\nname = 'a'\npaths = ['x.csv']\nformat = 'nope'\n")
    done = subprocess.run([str(PAPERLINK), "run", "-c", str(tmp_path / "job.toml")], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: sources[0].format: unknown format 'nope' (known: auto, " + done.stderr.split("(known: auto, ", 1)[1].strip()]
    assert "Traceback" not in done.stderr + done.stdout
