"""The noisy, scraped-web-style DBLP-ACM benchmark (benchmarks/accuracy/noisy.py) on a slice:
the generator's properties, and paperlink end to end with default settings (dedupe_only)."""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
pytestmark = pytest.mark.skipif(not (SHARED / "benchmarks" / "dblp_acm").exists(),
                                reason="../shared/benchmarks/dblp_acm not present")
sys.path.insert(0, str(ROOT / "benchmarks" / "accuracy"))

LIMIT = 300  # perfect-mapping pairs in the slice


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def noisy(tmp_path_factory):
    from noisy import make_noisy_dblp_acm

    out = tmp_path_factory.mktemp("noisy")
    job, gold = make_noisy_dblp_acm(out, seed=7, limit=LIMIT)
    return out, job, gold


def test_generator_properties(noisy):
    from noisy import make_noisy_dblp_acm

    out, job, gold = noisy
    dblp, scholar, labels = _rows(out / "dblp.csv"), _rows(out / "scholar.csv"), _rows(gold)
    assert len(dblp) == LIMIT
    # every ACM record 1-3 times, about 60/30/10 %
    copies = Counter(r["id"].rsplit("-", 1)[0] for r in scholar)
    assert len(copies) == LIMIT and set(copies.values()) <= {1, 2, 3}
    share = Counter(copies.values())
    assert 0.45 < share[1] / LIMIT < 0.75 and 0.15 < share[2] / LIMIT < 0.45 and share[3] > 0
    # record ids unique, gold covers every record, copies share their entity with the DBLP partner
    ids = [f"dblp:{r['id']}" for r in dblp] + [f"scholar:{r['id']}" for r in scholar]
    assert len(ids) == len(set(ids)) == len(labels)
    entity = {r["record_id"]: r["entity_id"] for r in labels}
    assert set(entity) == set(ids)
    mapping = {m["idACM"]: m["idDBLP"] for m in _rows(SHARED / "benchmarks" / "dblp_acm" / "DBLP-ACM_perfectMapping.csv")}
    for r in scholar:  # a copy's entity is its ACM record's DBLP partner
        assert entity[f"scholar:{r['id']}"] == f"dblp:{mapping[r['id'].rsplit('-', 1)[0]]}"
    groups = Counter(entity.values())
    assert all(groups[entity[f"dblp:{r['id']}"]] >= 2 for r in dblp)  # the slice: every DBLP record has copies
    # noise is present in the scraped copies
    frac = lambda pred: sum(map(pred, scholar)) / len(scholar)  # noqa: E731
    assert 0.25 < frac(lambda r: not r["year"]) < 0.45
    assert 0.4 < frac(lambda r: not r["venue"]) < 0.6
    assert frac(lambda r: r["title"].startswith(("[PDF] ", "[CITATION] "))) > 0.01
    assert frac(lambda r: r["title"] == r["title"].lower()) > 0.05
    assert frac(lambda r: any(len(a.split()[0].rstrip(".")) == 1 for a in r["authors"].split(", ") if a)) > 0.3
    # seeded: the same files again
    again = make_noisy_dblp_acm(out / "again", seed=7, limit=LIMIT)[1]
    assert again.read_text() == gold.read_text()
    assert "link_type" not in job.read_text() and "duplicate_free" not in job.read_text()


def test_paperlink_links_the_noisy_slice(noisy):
    from paperlink.evaluate import evaluate_run
    from paperlink.pipeline import LinkageJob

    _, job_path, gold = noisy
    job = LinkageJob.from_config(job_path)
    try:
        job.run()
        settings = job._settings()
        assert settings["link_type"] == "dedupe_only"
        result = evaluate_run(job.con, gold, settings, job.config.linkage.threshold, scope="all")
    finally:
        job.close()
    # measured F1 0.915 (P 1.0, R 0.843) with seed 7; 0.906 / 0.936 with seeds 1 / 2
    assert result["f1"] >= 0.85, {k: result[k] for k in ("precision", "recall", "f1", "pair_completeness")}
    assert result["pair_completeness"] >= 0.95
