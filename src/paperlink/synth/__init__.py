"""Synthetic multi-source corpus with ground truth: the demo corpus, scale benchmark and training data.

``generate(works, out_dir, seed)`` writes one file per source in its native format, ``gold.csv``
(``record_id,entity_id`` for every record) and ``job.toml`` (``paperlink run --config
out_dir/job.toml`` links the corpus as it is).

Works come from :mod:`paperlink.synth.works`, records from :mod:`paperlink.synth.sources`.  The
corpus is made in shards of ``SHARD_WORKS`` works, in parallel processes; each shard streams its
records into part files (gzip members for ``.gz`` sources), which are then concatenated in shard
order.  The output is byte-identical for a seed, whatever the number of processes.
"""

from __future__ import annotations

import gzip
import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from paperlink.synth.sources import SOURCES, Source
from paperlink.synth.works import WorkStream

__all__ = ["SOURCES", "generate", "job_toml"]

SHARD_WORKS = 25_000  # works per shard (part of the seed's identity: changing it changes the output)
BUFFER_RECORDS = 2000  # records buffered per file between writes


def generate(works: int, out_dir: Path, seed: int = 0, processes: int | None = None) -> dict:
    """Write a corpus of ``works`` true works into ``out_dir`` and return counts: ``works``,
    ``records`` (per source), ``records_total``, ``files`` (names written) and ``gold_pairs``
    (pairs of records of the same work).  ``processes`` defaults to the number of CPUs; worker
    processes are started with forkserver/spawn, so a script calling this with more than one
    shard needs the usual ``if __name__ == "__main__":`` guard."""
    out_dir = Path(out_dir)
    parts = out_dir / ".parts"
    parts.mkdir(parents=True, exist_ok=True)
    shards = max(1, -(-works // SHARD_WORKS))
    jobs = [(works, str(parts), seed, k, shards, k * SHARD_WORKS, min(works, (k + 1) * SHARD_WORKS))
            for k in range(shards)]
    processes = min(processes or os.cpu_count() or 1, shards)
    if processes == 1:
        results = [_render_shard(*job) for job in jobs]
    else:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        with ProcessPoolExecutor(processes, mp_context=context) as pool:
            results = list(pool.map(_render_shard, *zip(*jobs)))

    records = {name: sum(counts[name] for counts, _ in results) for name in SOURCES}
    for name, cls in SOURCES.items():
        _concatenate(out_dir / cls.filename, cls, [(parts / str(k) / cls.filename, counts[name])
                                                    for k, (counts, _) in enumerate(results)])
    with open(out_dir / "gold.csv", "wb") as gold:
        gold.write(b"record_id,entity_id\n")
        for name in SOURCES:
            for k in range(shards):
                with open(parts / str(k) / f"gold-{name}.csv", "rb") as fh:
                    shutil.copyfileobj(fh, gold)
    shutil.rmtree(parts)
    (out_dir / "job.toml").write_text(job_toml(), encoding="utf-8")
    return {
        "works": works,
        "records": records,
        "records_total": sum(records.values()),
        "files": [cls.filename for cls in SOURCES.values()] + ["gold.csv", "job.toml"],
        "gold_pairs": sum(pairs for _, pairs in results),
    }


def job_toml() -> str:
    """The job file that links the corpus from its own directory."""
    lines = [
        "# paperlink job for the synthetic corpus (written by paperlink.synth.generate)",
        "[database]", 'path = "work/paperlink.duckdb"', "",
        "[output]", 'dir = "out"', "",
        "[linkage]", "threshold = 0.9", "seed = 42",
    ]
    for name, cls in SOURCES.items():
        lines += ["", "[[sources]]", f'name = "{name}"', f'format = "{name}"', f'paths = ["{cls.filename}"]']
    return "\n".join(lines) + "\n"


def _render_shard(total: int, parts: str, seed: int, shard: int, shards: int,
                  start: int, stop: int) -> tuple[dict[str, int], int]:
    """Render one shard of works into ``parts/<shard>/``; returns (records per source, gold pairs)."""
    out = Path(parts) / str(shard)
    out.mkdir(parents=True, exist_ok=True)
    stream = WorkStream(total, seed, shard, shards, start, stop)
    sources = {name: cls(seed, stream.abstracts, shard, shards) for name, cls in SOURCES.items()}
    writers = {name: _PartWriter(out, src) for name, src in sources.items()}
    for work in stream:
        for name, variant in work.records:
            source_id, text = sources[name].render(work, variant)
            writers[name].add(source_id, work.eid, text)
    for writer in writers.values():
        writer.close()
    return {name: w.count for name, w in writers.items()}, stream.gold_pairs


def _concatenate(path: Path, source: type[Source], parts: list[tuple[Path, int]]) -> None:
    """One source file: header, the shards' parts (separated where the format needs it), footer."""
    encoding = ("ascii", "xmlcharrefreplace") if source.xml else ("utf-8",)
    with open(path, "wb") as out:
        # .gz parts are complete gzip members; header/footer/separator only occur in plain files
        out.write(source.header.encode(*encoding))
        first = True
        for part, count in parts:
            if count == 0:
                continue
            if not first:
                out.write(source.separator.encode(*encoding))
            with open(part, "rb") as fh:
                shutil.copyfileobj(fh, out, 1 << 20)
            first = False
        out.write(source.footer.encode(*encoding))


class _PartWriter:
    """Buffered part file of one source in one shard, and its gold lines."""

    def __init__(self, out_dir: Path, source: Source):
        self.source = source
        self.prefix = source.name + ":"
        self.raw = open(out_dir / source.filename, "wb")
        # mtime=0 and no file name in the gzip header: same bytes on every run
        self.fh = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, compresslevel=1, mtime=0) \
            if source.gzip else self.raw
        self.gold = open(out_dir / f"gold-{source.name}.csv", "w", encoding="utf-8", newline="")
        self.count = 0
        self.texts: list[str] = []
        self.ids: list[str] = []

    def add(self, source_id: str, entity_id: str, text: str) -> None:
        record_id = self.prefix + source_id
        if "," in record_id or '"' in record_id:
            record_id = '"' + record_id.replace('"', '""') + '"'
        self.texts.append(text)
        self.ids.append(f"{record_id},{entity_id}\n")
        if len(self.texts) >= BUFFER_RECORDS:
            self._flush()

    def close(self) -> None:
        self._flush()
        if self.fh is not self.raw:
            self.fh.close()
        self.raw.close()
        self.gold.close()

    def _flush(self) -> None:
        if not self.texts:
            return
        src = self.source
        text = (src.separator if self.count else "") + \
            (src.terminator + src.separator).join(self.texts) + src.terminator
        self.fh.write(text.encode("ascii", "xmlcharrefreplace") if src.xml else text.encode("utf-8"))
        self.gold.write("".join(self.ids))
        self.count += len(self.texts)
        self.texts, self.ids = [], []
