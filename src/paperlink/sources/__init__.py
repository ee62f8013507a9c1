"""Source formats: one module per source, all behind :class:`~paperlink.sources.base.SourceFormat`."""

from __future__ import annotations

from pathlib import Path

from paperlink.sources.base import InputFileError, SourceFormat, sample_file


def _all_formats() -> list[SourceFormat]:
    """Every format class defined in this package's modules, in auto-detection order."""
    import importlib
    import pkgutil

    import paperlink.sources as package

    found: dict[str, SourceFormat] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, SourceFormat)
                and obj.__module__ == module.__name__
                and "name" in vars(obj)
            ):
                found[obj.name] = obj()
    return sorted(found.values(), key=lambda f: (f.detect_priority, f.name))


FORMATS: dict[str, SourceFormat] = {f.name: f for f in _all_formats()}


def get_format(name: str, spec=None) -> SourceFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise InputFileError(
            f"unknown format {name!r}{f' for source {spec.name!r}' if spec else ''}; "
            f"known: {', '.join(sorted(FORMATS))}"
        ) from None


def detect_format(path: Path, spec=None) -> SourceFormat:
    """The format of one file, from its first bytes (gzip is looked through)."""
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    if path.stat().st_size == 0:
        return FORMATS["empty"] if "empty" in FORMATS else _empty_error(path)
    sample = sample_file(path)
    for fmt in FORMATS.values():
        if fmt.detect(sample):
            return fmt
    raise InputFileError(
        f"{path}: cannot tell the format of this file; name it with `format = ...` in the source "
        f"(known: {', '.join(sorted(FORMATS))})"
    )


def _empty_error(path: Path):
    raise InputFileError(f"{path}: file is empty")
