"""The job file (``job.toml``): database, output, sources and linkage options, validated.

Every error is one message naming the offending key.  Relative paths are resolved against the
directory of the job file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from paperlink.model.linker import TrainingConfig
from paperlink.records.load import SourceSpec

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
    num_chunks: int = 1  # split predict into num_chunks x num_chunks pieces (memory)
    training: TrainingConfig = field(default_factory=TrainingConfig)


@dataclass
class JobConfig:
    path: Path
    database: DatabaseConfig
    output_dir: Path
    sources: list[SourceSpec]
    linkage: LinkageConfig

    @property
    def base_dir(self) -> Path:
        return self.path.parent


_SECTIONS = {"database", "output", "sources", "linkage"}
_DATABASE_KEYS = {"path": str, "threads": int, "memory_limit": str, "temp_directory": str}
_SOURCE_KEYS = {"name": str, "format": str, "paths": list, "columns": dict, "options": dict}
_LINKAGE_KEYS = {
    "settings": str, "threshold": float, "seed": int, "link_type": str,
    "duplicate_free_sources": list, "predict_threshold": float, "num_chunks": int, "training": dict,
}
_TRAINING_KEYS = {f.name: f.type for f in fields(TrainingConfig)}


def load_job(path: str | Path | None = None) -> JobConfig:
    path = Path(path or DEFAULT_JOB).resolve()
    if not path.exists():
        raise ConfigError(f"job file not found: {path}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None
    return parse_job(raw, path)


def parse_job(raw: dict, path: Path) -> JobConfig:
    base = path.parent
    _check_keys(raw, {k: object for k in _SECTIONS}, "")

    db = raw.get("database", {})
    _check_keys(db, _DATABASE_KEYS, "database.")
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
        try:
            sources.append(SourceSpec(
                name=src["name"], paths=[str(p) for p in src["paths"]], format=src.get("format", "auto"),
                columns={str(k): str(v) for k, v in src.get("columns", {}).items()},
                options=src.get("options", {}), base_dir=base,
            ))
        except ValueError as exc:
            raise ConfigError(f"{where}name: {exc}") from None
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ConfigError("sources: source names must be unique")

    lk = raw.get("linkage", {})
    _check_keys(lk, _LINKAGE_KEYS, "linkage.")
    training_raw = lk.get("training", {})
    _check_keys(training_raw, {k: object for k in _TRAINING_KEYS}, "linkage.training.")
    linkage = LinkageConfig(
        settings=_resolve(base, lk["settings"]) if "settings" in lk else None,
        threshold=float(lk.get("threshold", 0.9)),
        seed=int(lk.get("seed", 42)),
        link_type=lk.get("link_type"),
        duplicate_free_sources=list(lk.get("duplicate_free_sources", [])),
        predict_threshold=float(lk.get("predict_threshold", 0.01)),
        num_chunks=int(lk.get("num_chunks", 1)),
        training=TrainingConfig(**training_raw),
    )
    if not 0 < linkage.threshold < 1:
        raise ConfigError("linkage.threshold must be a match probability between 0 and 1")
    if linkage.link_type not in (None, "dedupe_only", "link_only", "link_and_dedupe"):
        raise ConfigError("linkage.link_type must be one of dedupe_only, link_only, link_and_dedupe")
    unknown = set(linkage.duplicate_free_sources) - set(names)
    if unknown:
        raise ConfigError(f"linkage.duplicate_free_sources names unknown sources: {sorted(unknown)}")
    return JobConfig(path=path, database=database, output_dir=output_dir, sources=sources, linkage=linkage)


def _check_keys(table: object, allowed: dict, prefix: str) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{prefix.rstrip('.') or 'job'} must be a table")
    for key, value in table.items():
        if key not in allowed:
            raise ConfigError(f"unknown key {prefix}{key} (allowed: {', '.join(sorted(allowed))})")
        expected = allowed[key]
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            continue
        if isinstance(expected, type) and expected is not object and not isinstance(value, expected):
            raise ConfigError(f"{prefix}{key} must be of type {expected.__name__}, got {type(value).__name__}")


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p).resolve()
