"""OpenReview notes, API v1 (plain content values) and v2 (``{"value": ...}``): no real note JSON
exists in ../shared, so these notes follow the documented shapes."""

import json

from paperlink.db import connect
from paperlink.records.load import SourceSpec, load_sources
from paperlink.sources import detect_format

V1_NOTE = {
    "id": "HTx7vrlLBEj",
    "forum": "HTx7vrlLBEj",
    "number": 1234,
    "invitation": "ICLR.cc/2022/Conference/-/Blind_Submission",
    "original": "origNote1",
    "cdate": 1632875760000,  # 2021-09-29: submitted the year before the conference
    "tcdate": 1632875760000,
    "tmdate": 1645000000000,
    "content": {
        "title": "Half-Inverse Gradients for Physical Deep Learning",
        "authors": ["Patrick Schnell", "Philipp Holl", "Nils Thuerey"],
        "authorids": ["~Patrick_Schnell1", "~Philipp_Holl1", "~Nils_Thuerey1"],
        "abstract": "Recent works in deep learning have shown that integrating differentiable physics...",
        "keywords": ["physical simulation"],
        "pdf": "/pdf/0123abcd.pdf",
        "venue": "ICLR 2022 Poster",
        "venueid": "ICLR.cc/2022/Conference",
        "paperhash": "schnell|halfinverse_gradients",
    },
}
V1_REVIEW = {
    "id": "rev1", "forum": "HTx7vrlLBEj", "invitation": "ICLR.cc/2022/Conference/Paper1234/-/Official_Review",
    "cdate": 1636000000000, "content": {"title": "Official review", "review": "Good."},
}
V2_NOTE = {
    "id": "2dnO3LLiJ1",
    "forum": "2dnO3LLiJ1",
    "number": 42,
    "invitations": ["ICLR.cc/2024/Conference/-/Submission"],
    "domain": "ICLR.cc/2024/Conference",
    "cdate": 1695000000000,
    "pdate": 1705000000000,  # 2024-01-11
    "mdate": 1710000000000,
    "content": {
        "title": {"value": "Vision Transformers Need Registers"},
        "authors": {"value": ["Timothée Darcet", "Maxime Oquab", "Julien Mairal", "Piotr Bojanowski"]},
        "authorids": {"value": ["~Timothée_Darcet1"]},
        "abstract": {"value": "Transformers have recently emerged..."},
        "venue": {"value": "ICLR 2024 oral"},
        "venueid": {"value": "ICLR.cc/2024/Conference"},
        "pdf": {"value": "/pdf/abcdef.pdf"},
    },
}
V2_NO_VENUE_YEAR = {
    "id": "tmlr1", "forum": "tmlr1", "pdate": 1680000000000, "cdate": 1670000000000,
    "content": {"title": {"value": "A TMLR paper"}, "authors": {"value": ["A B"]}, "venue": {"value": "TMLR"}},
}


def load(*paths, fmt="auto"):
    con = connect()
    counts = load_sources(con, [SourceSpec(name="openreview", format=fmt, paths=[str(p) for p in paths])])["openreview"]
    return con, counts


def records(con) -> dict[str, dict]:
    cur = con.execute("SELECT * FROM records")
    names = [d[0] for d in cur.description]
    return {r["source_id"]: r for r in (dict(zip(names, row)) for row in cur.fetchall())}


def test_v1_and_v2_pages(tmp_path):
    v1 = tmp_path / "v1.json"
    v1.write_text(json.dumps({"notes": [V1_NOTE, V1_REVIEW], "count": 2}))
    v2 = tmp_path / "v2.json"
    v2.write_text(json.dumps({"notes": [V2_NOTE, V2_NO_VENUE_YEAR], "count": 2}, ensure_ascii=False))
    assert detect_format(v1).name == "openreview" and detect_format(v2).name == "openreview"
    con, counts = load(v1, v2)
    assert (counts.loaded, counts.rejected, counts.skipped) == (3, 0, 1)  # the review is skipped
    recs = records(con)
    hig = recs["HTx7vrlLBEj"]
    assert hig["title"] == "Half-Inverse Gradients for Physical Deep Learning"
    assert hig["authors"] == ["Patrick Schnell", "Philipp Holl", "Nils Thuerey"]
    assert (hig["year"], hig["publication_date"], hig["venue"]) == (2022, "2021-09-29", "ICLR 2022 Poster")
    assert hig["abstract"].startswith("Recent works in deep learning")
    assert "https://openreview.net/forum?id=HTx7vrlLBEj" in hig["urls"]
    registers = recs["2dnO3LLiJ1"]
    assert registers["title"] == "Vision Transformers Need Registers"
    assert registers["authors"][0] == "Timothée Darcet"
    assert (registers["year"], registers["publication_date"], registers["venue"]) == (2024, "2024-01-11", "ICLR 2024 oral")
    assert recs["tmlr1"]["year"] == 2023  # from pdate when the venue carries no year


def test_single_note_and_notes_per_line(tmp_path):
    single = tmp_path / "note.json"
    single.write_text(json.dumps(V2_NOTE))
    lines = tmp_path / "notes.jsonl"
    old = dict(V1_NOTE, id="old1", forum="old1", content=dict(V1_NOTE["content"], venue=None, venueid=None))
    lines.write_text(json.dumps(old) + "\n" + json.dumps(V1_REVIEW) + "\n")
    con, counts = load(single, lines)
    assert (counts.loaded, counts.skipped) == (2, 1)
    old_rec = records(con)["old1"]
    assert (old_rec["venue"], old_rec["year"]) == ("ICLR.cc/2022/Conference", 2022)  # from the invitation
