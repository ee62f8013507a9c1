"""The job file (``job.toml``): database, output, sources and linkage options, validated.

Every error is one message naming the offending key.  Relative paths are resolved against the
directory of the job file.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

from paperlink.model.linker import DEFAULT_SETTINGS, TrainingConfig
from paperlink.records.load import SourceSpec
from paperlink.sources import FORMATS
from paperlink.sources.base import CANONICAL_FIELDS

DEFAULT_JOB = Path("linkage_config/job.toml")


class ConfigError(ValueError):
    """A job file that cannot be used; the message names the key."""


@dataclass
class DatabaseConfig:
    path: Path
    threads: int | None = None
    memory_limit: str | None = None
    temp_directory: Path | None = None


@dataclass
class LinkageConfig:
    settings: Path | None = None  # Splink settings JSON; None = paperlink's default
    threshold: float = 0.9  # match probability at which pairs join a cluster
    seed: int = 42
    link_type: str | None = None  # overrides the settings' link_type
    duplicate_free_sources: list[str] = field(default_factory=list)
    predict_threshold: float = 0.01  # pairs below this probability are not kept at all
    num_chunks: int | None = None  # split predict into num_chunks x num_chunks pieces; None: by corpus size
    # clusters of 3 .. this many records are checked pair by pair and chains split (0: off)
    refine_max_cluster_size: int = 2000
    training: TrainingConfig = field(default_factory=TrainingConfig)


@dataclass
class EngineConfig:
    """Where the model runs: ``duckdb`` (embedded, the default) or ``spark`` (Splink's SparkAPI;
    features are still built in DuckDB and staged as parquet, see paperlink.backends.spark)."""

    backend: str = "duckdb"
    master: str = "local[*]"  # Spark master URL
    spark_conf: dict[str, str] = field(default_factory=dict)  # extra SparkSession options
    work_dir: Path | None = None  # parquet staging and checkpoints; default <database dir>/spark


BACKENDS = ("duckdb", "spark")


@dataclass
class JobConfig:
    path: Path
    database: DatabaseConfig
    output_dir: Path
    sources: list[SourceSpec]
    linkage: LinkageConfig
    engine: EngineConfig = field(default_factory=EngineConfig)

    @property
    def base_dir(self) -> Path:
        return self.path.parent


_SECTIONS = {"database", "output", "sources", "linkage", "engine"}
_ENGINE_KEYS = {"backend": str, "master": str, "spark_conf": dict, "work_dir": str}
_DATABASE_KEYS = {"path": str, "threads": int, "memory_limit": str, "temp_directory": str}
_SOURCE_KEYS = {"name": str, "format": str, "paths": list, "columns": dict, "encoding": str}
_LINKAGE_KEYS = {
    "settings": str, "threshold": float, "seed": int, "link_type": str,
    "duplicate_free_sources": list, "predict_threshold": float, "num_chunks": object, "training": dict,
    "refine_max_cluster_size": int,
}
_MEMORY = re.compile(r"^\s*\d+(\.\d+)?\s*(b|kb|mb|gb|tb|kib|mib|gib|tib|%)?\s*$", re.IGNORECASE)


def _training_types() -> dict[str, type]:
    """``[linkage.training]`` keys and the TOML type each takes (from TrainingConfig's defaults)."""
    types: dict[str, type] = {}
    for f in fields(TrainingConfig):
        default = f.default if f.default is not MISSING else (
            f.default_factory() if f.default_factory is not MISSING else None)  # type: ignore[misc]
        types[f.name] = next((t for t in (bool, int, float, str, list, dict) if isinstance(default, t)), object)
    return types


_TRAINING_KEYS = _training_types()


def load_job(path: str | Path | None = None) -> JobConfig:
    path = Path(path or DEFAULT_JOB).resolve()
    if not path.exists():
        raise ConfigError(f"job file not found: {path}")
    if not path.is_file():
        raise ConfigError(f"job file is not a file: {path}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None
    except (UnicodeDecodeError, OSError) as exc:
        raise ConfigError(f"{path}: cannot read the job file ({exc})") from None
    job = parse_job(raw, path)
    read_settings(job.linkage.settings)  # fail before any work if the settings file is unusable
    return job


def parse_job(raw: dict, path: Path) -> JobConfig:
    base = path.parent
    _check_keys(raw, {k: object for k in _SECTIONS}, "")

    db = raw.get("database", {})
    _check_keys(db, _DATABASE_KEYS, "database.")
    if "threads" in db and db["threads"] < 1:
        raise ConfigError("database.threads must be at least 1")
    if "memory_limit" in db and not _MEMORY.match(db["memory_limit"]):
        raise ConfigError(f"database.memory_limit must be a size such as '8GB' or '512MB', got {db['memory_limit']!r}")
    database = DatabaseConfig(
        path=_resolve(base, db.get("path", "work/paperlink.duckdb")),
        threads=db.get("threads"),
        memory_limit=db.get("memory_limit"),
        temp_directory=_resolve(base, db["temp_directory"]) if "temp_directory" in db else None,
    )

    out = raw.get("output", {})
    _check_keys(out, {"dir": str}, "output.")
    output_dir = _resolve(base, out.get("dir", "out"))

    sources_raw = raw.get("sources")
    if not isinstance(sources_raw, list) or not sources_raw:
        raise ConfigError(f"{path}: `[[sources]]` must list at least one source")
    sources = []
    for i, src in enumerate(sources_raw):
        where = f"sources[{i}]."
        _check_keys(src, _SOURCE_KEYS, where)
        for key in ("name", "paths"):
            if key not in src:
                raise ConfigError(f"{where}{key} is required")
        if not src["paths"] or not all(isinstance(p, str) and p.strip() for p in src["paths"]):
            raise ConfigError(f"{where}paths must be a non-empty list of file paths or globs")
        fmt = src.get("format", "auto")
        if fmt != "auto" and fmt not in FORMATS:
            raise ConfigError(f"{where}format: unknown format {fmt!r} (known: auto, {', '.join(sorted(FORMATS))})")
        columns = src.get("columns", {})
        for key, column in columns.items():
            if key not in CANONICAL_FIELDS:
                raise ConfigError(f"{where}columns.{key} is not a canonical field (known: {', '.join(CANONICAL_FIELDS)})")
            names = column if isinstance(column, list) else [column]
            if not names or not all(isinstance(c, str) and c.strip() for c in names):
                raise ConfigError(f"{where}columns.{key} must be a column name or a list of column names "
                                  "(the first non-empty one is taken)")
        if columns and fmt not in ("auto", "csv", "parquet"):
            raise ConfigError(f"{where}columns is only read by the csv and parquet formats, not {fmt}")
        encoding = src.get("encoding", "auto")
        if "encoding" in src and fmt not in ("auto", "csv"):
            raise ConfigError(f"{where}encoding is only read by the csv format, not {fmt} "
                              "(JSON is UTF-8, XML declares its own)")
        if encoding != "auto":
            try:
                codecs.lookup(encoding)
            except LookupError:
                raise ConfigError(f"{where}encoding: unknown text encoding {encoding!r} "
                                  "(auto, or a Python codec name such as utf-8, latin-1, cp1252)") from None
        try:
            sources.append(SourceSpec(
                name=src["name"], paths=list(src["paths"]), format=fmt,
                columns={str(k): v if isinstance(v, list) else str(v) for k, v in columns.items()},
                encoding=encoding, base_dir=base,
            ))
        except ValueError as exc:
            raise ConfigError(f"{where}name: {exc}") from None
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ConfigError("sources: source names must be unique")

    lk = raw.get("linkage", {})
    _check_keys(lk, _LINKAGE_KEYS, "linkage.")
    training_raw = lk.get("training", {})
    _check_keys(training_raw, _TRAINING_KEYS, "linkage.training.")
    for key, value in training_raw.items():
        if isinstance(value, list) and not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"linkage.training.{key} must be a list of SQL conditions (strings)")
    if not all(isinstance(s, str) for s in lk.get("duplicate_free_sources", [])):
        raise ConfigError("linkage.duplicate_free_sources must be a list of source names")
    linkage = LinkageConfig(
        settings=_resolve(base, lk["settings"]) if "settings" in lk else None,
        threshold=float(lk.get("threshold", 0.9)),
        seed=int(lk.get("seed", 42)),
        link_type=lk.get("link_type"),
        duplicate_free_sources=list(lk.get("duplicate_free_sources", [])),
        predict_threshold=float(lk.get("predict_threshold", 0.01)),
        num_chunks=_num_chunks(lk.get("num_chunks", "auto")),
        refine_max_cluster_size=int(lk.get("refine_max_cluster_size", 2000)),
        training=TrainingConfig(**training_raw),
    )
    if not 0 < linkage.threshold < 1:
        raise ConfigError("linkage.threshold must be a match probability between 0 and 1")
    if not 0 <= linkage.predict_threshold < 1:
        raise ConfigError("linkage.predict_threshold must be a match probability from 0 up to (not including) 1")
    if linkage.refine_max_cluster_size < 0:
        raise ConfigError("linkage.refine_max_cluster_size must be 0 (off) or a number of records")
    if linkage.link_type not in (None, "dedupe_only", "link_only", "link_and_dedupe"):
        raise ConfigError("linkage.link_type must be one of dedupe_only, link_only, link_and_dedupe")
    unknown = set(linkage.duplicate_free_sources) - set(names)
    if unknown:
        raise ConfigError(f"linkage.duplicate_free_sources names unknown sources: {sorted(unknown)}")
    t = linkage.training
    for key, ok, rule in (("recall", 0 < t.recall <= 1, "between 0 (exclusive) and 1"),
                          ("u_max_pairs", t.u_max_pairs > 0, "positive"),
                          ("em_max_pairs", t.em_max_pairs > 0, "positive"),
                          ("refine_prior_max_pairs", t.refine_prior_max_pairs > 0, "positive"),
                          ("min_em_pairs", t.min_em_pairs >= 0, "0 or more")):
        if not ok:
            raise ConfigError(f"linkage.training.{key} must be {rule}")
    if not t.deterministic_rules or not t.em_blocking_rules:
        raise ConfigError("linkage.training: deterministic_rules and em_blocking_rules must not be empty")
    return JobConfig(path=path, database=database, output_dir=output_dir, sources=sources, linkage=linkage,
                     engine=parse_engine(raw.get("engine", {}), base))


def parse_engine(raw: dict, base: Path) -> EngineConfig:
    """``[engine]``: backend, Spark master and options."""
    _check_keys(raw, _ENGINE_KEYS, "engine.")
    backend = raw.get("backend", "duckdb")
    if backend not in BACKENDS:
        raise ConfigError(f"engine.backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    master = raw.get("master", "local[*]")
    if not master.strip():
        raise ConfigError("engine.master must be a Spark master URL such as 'local[*]'")
    conf = {}
    for key, value in raw.get("spark_conf", {}).items():
        if not key.startswith("spark.") or isinstance(value, (dict, list)):
            raise ConfigError(f"engine.spark_conf.{key} must be a Spark option (spark.*) with a string, number or boolean value")
        conf[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return EngineConfig(backend=backend, master=master, spark_conf=conf,
                        work_dir=_resolve(base, raw["work_dir"]) if "work_dir" in raw else None)


def _num_chunks(value: object) -> int | None:
    """``linkage.num_chunks``: a whole number of chunks, or "auto" (None: chosen by corpus size)."""
    if value == "auto":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f'linkage.num_chunks must be "auto" or a whole number of at least 1, got {value!r}')
    return value


def _check_keys(table: object, allowed: dict, prefix: str) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{prefix.rstrip('.') or 'job'} must be a table")
    for key, value in table.items():
        if key not in allowed:
            raise ConfigError(f"unknown key {prefix}{key} (allowed: {', '.join(sorted(allowed))})")
        expected = allowed[key]
        if expected in (int, float) and isinstance(value, bool):
            raise ConfigError(f"{prefix}{key} must be of type {expected.__name__}, got bool")
        if expected is float and isinstance(value, int):
            continue
        if isinstance(expected, type) and expected is not object and not isinstance(value, expected):
            raise ConfigError(f"{prefix}{key} must be of type {expected.__name__}, got {type(value).__name__}")


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p).resolve()


# --------------------------------------------------------------------------- Splink settings

_SETTINGS_TYPES: dict[str, tuple[type, ...]] = {
    "link_type": (str,), "comparisons": (list,), "blocking_rules_to_generate_predictions": (list,),
    "probability_two_random_records_match": (int, float), "em_convergence": (int, float),
    "max_iterations": (int,), "retain_matching_columns": (bool,),
    "retain_intermediate_calculation_columns": (bool,), "additional_columns_to_retain": (list,),
    "unique_id_column_name": (str,), "source_dataset_column_name": (str,),
    "match_weight_column_prefix": (str,), "term_frequency_adjustment_column_prefix": (str,),
    "comparison_vector_value_column_prefix": (str,), "linker_uid": (str,), "sql_dialect": (str,),
}
_COMPARISON_KEYS = {"output_column_name": (str,), "comparison_description": (str,), "comparison_levels": (list,)}
_LEVEL_KEYS: dict[str, tuple[type, ...]] = {
    "sql_condition": (str,), "label_for_charts": (str,), "is_null_level": (bool,),
    "m_probability": (int, float, str), "u_probability": (int, float, str),
    "fix_m_probability": (bool,), "fix_u_probability": (bool,), "tf_adjustment_column": (str, type(None)),
    "tf_adjustment_weight": (int, float), "tf_minimum_u_value": (int, float),
    "disable_tf_exact_match_detection": (bool,), "comparison_vector_value": (int,),
}
_BLOCKING_KEYS = {"blocking_rule": (str,), "arrays_to_explode": (list, type(None)), "sql_dialect": (str,)}


def read_settings(path: Path | None) -> dict:
    """The Splink settings JSON at ``path`` (None: paperlink's default), checked by
    :func:`validate_settings`; every problem is a :class:`ConfigError` naming the file and key."""
    from paperlink.model.linker import load_settings

    where = Path(path) if path else DEFAULT_SETTINGS
    if not where.exists():
        raise ConfigError(f"linkage.settings: file not found: {where}")
    try:
        settings = load_settings(where)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    validate_settings(settings, where)
    return settings


def validate_settings(settings: object, path: Path | str = "settings") -> None:
    """Keys and types of a Splink settings dict (what Splink itself accepts, checked up front)."""

    def bad(msg: str) -> ConfigError:
        return ConfigError(f"linkage.settings: {path}: {msg}")

    def check(obj: dict, allowed: dict, where: str) -> None:
        for key, value in obj.items():
            if key not in allowed:
                raise bad(f"unknown key {where}{key!r} (allowed: {', '.join(sorted(allowed))})")
            types = allowed[key]
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                names = " or ".join("null" if t is type(None) else t.__name__ for t in types)
                raise bad(f"{where}{key!r} must be {names}, got {type(value).__name__}")

    if not isinstance(settings, dict):
        raise bad("must be a JSON object")
    check(settings, _SETTINGS_TYPES, "")
    if settings.get("link_type", "dedupe_only") not in ("dedupe_only", "link_only", "link_and_dedupe"):
        raise bad("'link_type' must be one of dedupe_only, link_only, link_and_dedupe")
    p = settings.get("probability_two_random_records_match")
    if p is not None and not 0 < p <= 1:
        raise bad("'probability_two_random_records_match' must be a probability (0 < p <= 1)")
    for key in ("additional_columns_to_retain",):
        if not all(isinstance(c, str) for c in settings.get(key, [])):
            raise bad(f"{key!r} must be a list of column names")
    comparisons = settings.get("comparisons")
    if not isinstance(comparisons, list) or not comparisons:
        raise bad("'comparisons' must be a non-empty list")
    for i, comp in enumerate(comparisons):
        where = f"comparisons[{i}]."
        if not isinstance(comp, dict):
            raise bad(f"{where[:-1]} must be an object")
        check(comp, _COMPARISON_KEYS, where)
        levels = comp.get("comparison_levels")
        if not isinstance(levels, list) or not levels:
            raise bad(f"{where}comparison_levels must be a non-empty list")
        for j, level in enumerate(levels):
            lw = f"{where}comparison_levels[{j}]."
            if not isinstance(level, dict):
                raise bad(f"{lw[:-1]} must be an object")
            check(level, _LEVEL_KEYS, lw)
            if not level.get("sql_condition", "").strip():
                raise bad(f"{lw}sql_condition is required")
            for key in ("m_probability", "u_probability"):
                v = level.get(key)
                if isinstance(v, (int, float)) and not 0 <= v <= 1:
                    raise bad(f"{lw}{key} must be a probability between 0 and 1")
    rules = settings.get("blocking_rules_to_generate_predictions")
    if not isinstance(rules, list) or not rules:
        raise bad("'blocking_rules_to_generate_predictions' must be a non-empty list")
    for i, rule in enumerate(rules):
        where = f"blocking_rules_to_generate_predictions[{i}]"
        if isinstance(rule, str):
            continue
        if not isinstance(rule, dict) or not isinstance(rule.get("blocking_rule"), str):
            raise bad(f"{where} must be a SQL string or an object with a 'blocking_rule' string")
        check(rule, _BLOCKING_KEYS, where + ".")
        if not all(isinstance(c, str) for c in rule.get("arrays_to_explode") or []):
            raise bad(f"{where}.arrays_to_explode must be a list of column names")


def check_settings_sql(con, settings: dict, training: TrainingConfig | None = None,
                       table: str = "features", path: Path | str = "settings") -> None:
    """Every column and SQL condition of the settings (and the training rules) against ``table``.

    Splink only logs a comparison on a missing column; here each comparison level, blocking rule
    and training rule is planned (``EXPLAIN``, nothing runs) over the features table, and the
    first that does not bind is a :class:`ConfigError` naming it.
    """
    import duckdb

    cols = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        [table]).fetchall()]
    if not cols:
        raise ConfigError(f"no `{table}` table to check the settings against")
    known = set(cols)

    def fail(what: str, msg: str) -> ConfigError:
        return ConfigError(f"linkage.settings: {path}: {what}: {msg}")

    for key in ("unique_id_column_name", "source_dataset_column_name"):
        if key in settings and settings[key] not in known:
            raise fail(key, f"no column {settings[key]!r} in {table} (columns: {', '.join(cols)})")
    for c in settings.get("additional_columns_to_retain", []):
        if c not in known:
            raise fail("additional_columns_to_retain", f"no column {c!r} in {table} (columns: {', '.join(cols)})")

    quoted = lambda c: '"' + c.replace('"', '""') + '"'  # noqa: E731
    pairs = ", ".join(f"l.{quoted(c)} AS {quoted(c + '_l')}, r.{quoted(c)} AS {quoted(c + '_r')}" for c in cols)
    pair_sql = f"SELECT {pairs} FROM {table} l, {table} r"

    def explain(what: str, sql: str) -> None:
        try:
            con.execute(f"EXPLAIN {sql}")
        except duckdb.Error as exc:
            lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
            raise fail(what, " ".join(lines[:2])) from None

    for i, comp in enumerate(settings["comparisons"]):
        name = comp.get("output_column_name") or f"comparisons[{i}]"
        for j, level in enumerate(comp["comparison_levels"]):
            label = level.get("label_for_charts") or f"level {j}"
            what = f"comparison {name!r}, level {label!r}"
            tf = level.get("tf_adjustment_column")
            if tf and tf not in known:
                raise fail(what, f"tf_adjustment_column {tf!r} is not a column of {table}")
            cond = level["sql_condition"].strip()
            if cond.upper() == "ELSE":
                continue
            explain(what, f"SELECT CASE WHEN {cond} THEN 1 END FROM ({pair_sql}) AS pairs")
    rules = [(f"blocking rule {i} ({_rule_text(r)!r})", r) for i, r in
             enumerate(settings["blocking_rules_to_generate_predictions"])]
    if training is not None:
        rules += [(f"linkage.training.deterministic_rules[{i}] ({r!r})", r) for i, r in enumerate(training.deterministic_rules)]
        rules += [(f"linkage.training.em_blocking_rules[{i}] ({r!r})", r) for i, r in enumerate(training.em_blocking_rules)]
    for what, rule in rules:
        explode = rule.get("arrays_to_explode") if isinstance(rule, dict) else None
        for c in explode or []:
            if c not in known:
                raise fail(what, f"arrays_to_explode names {c!r}, not a column of {table}")
        explain(what, f"SELECT 1 FROM {table} l JOIN {table} r ON ({_rule_text(rule)})")


def _rule_text(rule) -> str:
    return rule["blocking_rule"] if isinstance(rule, dict) else str(rule)
