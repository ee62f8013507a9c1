"""Comparison levels of the default settings on hand-made record pairs (features -> Splink)."""

from __future__ import annotations

import json

from paperlink.db import connect
from paperlink.model.features import build_features
from paperlink.model.linker import DEFAULT_SETTINGS, make_linker, scoring
from paperlink.records.load import RECORD_COLUMNS


def gammas(records: list[dict], comparison: str) -> dict[str, int]:
    """The gamma of ``comparison`` for each pair of records with the same title (keyed by the
    pair's left record id), scored by the default settings."""
    settings = json.loads(DEFAULT_SETTINGS.read_text())
    settings["blocking_rules_to_generate_predictions"] = ["l.title_compact = r.title_compact"]
    con = connect()
    con.execute(f"CREATE TABLE records ({RECORD_COLUMNS})")
    for r in records:
        con.execute(f"INSERT INTO records ({', '.join(r)}) VALUES ({', '.join('?' * len(r))})", list(r.values()))
    build_features(con)
    linker = make_linker(con, settings)
    with scoring(linker):  # keeps the gammas (the settings leave out the compared values)
        pred = linker.inference.predict()
    return dict(con.execute(f"SELECT unique_id_l, gamma_{comparison} FROM {pred.physical_name}").fetchall())


def author_levels(pairs: list[tuple[list[str], list[str]]]) -> list[str]:
    """The authors level (label) of each pair of author lists, on records otherwise identical."""
    settings = json.loads(DEFAULT_SETTINGS.read_text())
    levels = next(c for c in settings["comparisons"] if c["output_column_name"] == "authors")["comparison_levels"]
    rows = gammas([{"record_id": f"t:{k}{side}", "source": "t", "title": f"Pairwise comparison number {k}",
                    "authors": authors, "year": 2020}
                   for k, pair in enumerate(pairs) for side, authors in zip("ab", pair)], "authors")
    ladder = [lv["label_for_charts"] for lv in levels if not lv.get("is_null_level")][::-1]  # gamma 0, 1, ...
    return [ladder[rows[f"t:{k}a"]] for k in range(len(pairs))]


def test_surnames_taken_from_another_part_of_the_name_are_some_shared():
    """Name order flipped ("Wang Wei" for "Wei Wang") or a double surname cut ("Rafael Camps
    Paré" for "Rafael Camps") is some shared evidence, not "none shared"; unrelated names are none."""
    assert author_levels([
        (["Wei Wang", "Jun Li"], ["Wang Wei", "Li Jun"]),
        (["Rafael Camps Paré"], ["Rafael Camps"]),
        (["Ann Smith"], ["Bob Jones"]),
        (["Ann Smith", "Bob Jones"], ["A. Smith", "B. Jones"]),
    ]) == ["some shared", "some shared", "none shared", "same authors"]


def test_authors_in_another_order_have_their_own_level():
    """The same surnames in another order (catalogues order authors differently) are their own
    level, above a contained list; a different list of the same length is not."""
    assert author_levels([
        (["Yu Xu", "Mary F. Fernandez", "Sihem Amer-Yahia"], ["Sihem Amer-Yahia", "Mary Fernandez", "Yu Xu"]),
        (["Yu Xu", "Mary F. Fernandez"], ["Yu Xu", "Mary F. Fernandez", "Sihem Amer-Yahia"]),
        (["Yu Xu", "Mary F. Fernandez"], ["Mary F. Fernandez", "Bob Jones"]),
    ]) == ["same authors, another order", "one list contains the other, same first author", "half shared"]


def test_long_author_lists_with_a_mangled_name_share_most_authors():
    """Of three or more authors, a list that loses its first names or has one name misspelt
    shares most of the other: its own level, above half shared.
    Two lists sharing one of two authors stay half shared."""
    full = ["S. Thrun", "J. Bala", "E. Bloedorn", "I. Bratko", "B. Cestnik", "S. Dzeroski", "S. Fahlman"]
    assert author_levels([
        (full, full[2:]),
        (full, full[:2] + ["E. Blodeorn"] + full[3:]),
        (["Yu Xu", "Mary F. Fernandez"], ["Mary F. Fernandez", "Bob Jones"]),
    ]) == ["most of three or more shared", "most of three or more shared", "half shared"]


def test_a_search_result_byline_leaves_only_the_names():
    """A Google-Scholar-style byline keeps its names; the venue, year and host after " - " are
    not authors."""
    con = connect()
    split = lambda raw: con.execute("SELECT pl_split_authors(?)", [raw]).fetchall()[0][0]  # noqa: E731
    assert split("A Halevy, A Rajaraman, J Ordille - Proceedings of the 32nd international \u2026, 2006 - dl.acm.org") \
        == ["A Halevy", "A Rajaraman", "J Ordille"]
    assert split("Y Wang, T Suel \u2013 SIGMOD") == ["Y Wang", "T Suel"]
    assert split("Jean-Pierre Dupont, Zhao-Hui Tang") == ["Jean-Pierre Dupont", "Zhao-Hui Tang"]


def test_letters_without_accents_ligatures_and_invisible_hyphens_do_not_split_words():
    """Letters strip_accents keeps (ł, ı, ø, ß, æ), PDF ligatures and soft hyphens / zero-width
    spaces normalise to the ASCII spelling, in titles and in surnames."""
    con = connect()
    norm = lambda f, v: con.execute(f"SELECT {f}(?)", [v]).fetchall()[0][0]  # noqa: E731
    assert norm("pl_title_norm", "Eﬃcient ﬁnding of Anfrage\u00adoptimierung in Straße") \
        == "efficient finding of anfrageoptimierung in strasse"
    assert norm("pl_title_norm", "Zero\u200bwidth Æsop") == "zerowidth aesop"
    assert [norm("pl_surname_of_core", n) for n in ["Jan Łukasiewicz", "A. Yıldız", "Sørensen, K.", "Đorđević, M."]] \
        == ["lukasiewicz", "yildiz", "sorensen", "dordevic"]


def test_mojibake_is_repaired_and_unencodable_letters_do_not_split_a_name():
    """UTF-8 read as cp1252 or Latin-1 ("SjÃ¶strÃ¶m", also the letters ftfy leaves: "Ã…ke",
    "ÄŒapek") reads as the text it was; a letter an export wrote as "?" or "�" is left out of
    the name instead of splitting it; text that only looks odd stays as it is."""
    con = connect()
    norm = lambda f, v: con.execute(f"SELECT {f}(?)", [v]).fetchall()[0][0]  # noqa: E731
    assert [norm("pl_text_norm", v) for v in ["SjÃ¶strÃ¶m", "SjÃƒÂ¶strÃƒÂ¶m", "Per-Ã…ke Larson", "ÄŒapek", "naÃ¯ve Dâ€™Souza"]] \
        == ["sjostrom", "sjostrom", "per ake larson", "capek", "naive d souza"]
    assert [norm("pl_repair", v) for v in ["café²", "Where's the beef?", "Ã\x81lvaro"]] == ["café²", "Where's the beef?", "Álvaro"]
    surname = lambda n: norm("pl_surname_of_core", norm("pl_name_core", n))  # noqa: E731
    assert [surname(n) for n in ["Sj?str?m, A.", "A. Sj\ufffdstr\ufffdm", "Per-Ã…ke Larson"]] == ["sjstrm", "sjstrm", "larson"]
    assert author_levels([(["Per-Åke Larson", "Anna Sjöström"], ["Per-Ã…ke Larson", "Anna SjÃ¶strÃ¶m"])]) == ["same authors"]


def test_a_record_without_a_year_takes_the_year_its_venue_names():
    """A scraped record's venue often carries the year its own year field lacks; a series volume
    ("LNCS 2001") is not a year, and a record's own year wins."""
    con = connect()
    con.execute(f"CREATE TABLE records ({RECORD_COLUMNS})")
    for k, (year, venue) in enumerate([(None, "Proceedings of the 2006 ACM SIGMOD \u2026"), (None, "VLDB 2000"),
                                       (None, "LNCS 2001"), (1999, "Proc. VLDB 2000"), (None, "SIGMOD Record 29(2)")]):
        con.execute("INSERT INTO records (record_id, source, title, year, venue) VALUES (?, 't', 'A title', ?, ?)",
                    [f"t:{k}", year, venue])
    build_features(con)
    assert con.execute("SELECT year FROM features ORDER BY unique_id").fetchall() == [
        (2006,), (2000,), (None,), (1999,), (None,)]


def test_author_lists_in_capitals_with_particles_or_others_give_the_same_surnames():
    """"SMITH A, JONES B" is two names; "and others" / "et al." are not authors; a family name
    with particles gives its last word in both name orders."""
    con = connect()
    split = lambda raw: con.execute("SELECT pl_split_authors(?)", [raw]).fetchall()[0][0]  # noqa: E731
    assert split("SMITH A, JONES B") == ["SMITH A", "JONES B"]
    assert split("Smith, A., Jones, B.") == ["Smith, A", "Jones, B"]
    assert split("LI, X") == ["LI, X"]
    surname = lambda name: con.execute("SELECT pl_surname_of_core(?)", [name]).fetchall()[0][0]  # noqa: E731
    assert {surname(n) for n in ["Van den Bussche, J.", "Jan Van den Bussche", "van den Bussche J"]} == {"bussche"}
    con.execute(f"CREATE TABLE records ({RECORD_COLUMNS})")
    con.execute("INSERT INTO records (record_id, source, title, authors) VALUES "
                "('t:1', 't', 'A title', ['A Smith', 'others']), ('t:2', 't', 'A title', ['A Smith', 'B Jones', 'et al.'])")
    build_features(con)
    assert con.execute("SELECT author_surnames FROM features ORDER BY unique_id").fetchall() == [
        (["smith"],), (["jones", "smith"],)]


def test_citation_titles_lose_report_numbers_and_split_initials_are_not_authors():
    """A citation's report number after the title is not part of it ("(CMU-CS-88-162)",
    ", Technical Report ..."), while "(COVID-19)" or "TR 45" inside a title stay; initials split
    off a name ("Utgoff; P") are not an author of their own."""
    con = connect()
    norm = lambda t: con.execute("SELECT pl_title_norm(?)", [t]).fetchall()[0][0]  # noqa: E731
    assert {norm(t) for t in ["(1988) An Empirical Study of Learning Speed (CMU-CS-88-162),",
                              '"An Empirical Study of Learning Speed",Technical Report CMU-CS-88-162,',
                              "An empirical study of learning speed. Tech. Rep. TR-88-162"]} \
        == {"an empirical study of learning speed"}
    assert norm("Coronavirus disease 2019 (COVID-19)") == "coronavirus disease 2019 covid 19"
    assert norm("Storage, TR 45 and more") == "storage tr 45 and more"
    con.execute(f"CREATE TABLE records ({RECORD_COLUMNS})")
    con.execute("INSERT INTO records (record_id, source, title, authors) VALUES "
                "('t:1', 't', 'A title', ['T. Mitchell', 'Utgoff', 'P', 'Banerji', 'R. B.'])")
    build_features(con)
    assert con.execute("SELECT author_surnames FROM features").fetchall() == [(["banerji", "utgoff", "mitchell"],)]


def test_a_surname_a_citation_parser_left_in_the_title_is_dropped():
    """'Fahlman (1988): Faster-Learning ...' and 'Utgoff "Shift of Bias ..."' are titles with
    the author's surname (and year) in front; an erratum of or a comment on a quoted title, a
    title that starts with a quote or names a year in its own words keep their words."""
    con = connect()
    norm = lambda t: con.execute("SELECT pl_title_norm(?)", [t]).fetchall()[0][0]  # noqa: E731
    titles = {
        "Fahlman (1988): Faster-Learning Variations on Back-Propagation,": "faster learning variations on back propagation",
        "Lebiere (1990), The Cascade-Correlation Learning Architecture,": "the cascade correlation learning architecture",
        'Quinlan (1993) "Combining instance-based and model-based learning",': "combining instance based and model based learning",
        'Utgoff "Shift of Bias for Inductive Concept Learning"': "shift of bias for inductive concept learning",
        'Erratum "On the Geometry of Hashing"': "erratum on the geometry of hashing",
        'Comments on "CO2 Reduction for Proton Transfer"': "comments on co2 reduction for proton transfer",
        "Smith and Jones (1990): Query Evaluation": "query evaluation",
        'Beyond "Bag of Words": a study': "beyond bag of words a study",
        'The "Big Data" Hype': "the big data hype",
        "Cascade (1990) is a method": "cascade 1990 is a method",
    }
    assert {t: norm(t) for t in titles} == titles


def test_title_norm_drops_notes_on_the_kind_of_item():
    """A note one catalogue adds to a title ("- Book Review", "(Panel Abstract)", "(demo
    abstract):") is not part of the title; the same words as the title itself are."""
    con = connect()
    titles = {
        "Transactional Information Systems - Book Review": "transactional information systems",
        "On XML and Databases: Where's the Beef? (Panel Abstract)": "on xml and databases where s the beef",
        "Of XML and databases (panel session): where's the beef?": "of xml and databases where s the beef",
        "DEVise (demo abstract): integrated querying": "devise integrated querying",
        "Self-Tuning Histograms (Extended Abstract).": "self tuning histograms",
        "Abstract": "abstract", "Poster: a study of posters": "poster a study of posters", "A Panel": "a panel",
    }
    assert {t: con.execute("SELECT pl_title_norm(?)", [t]).fetchall()[0][0] for t in titles} == titles


def test_venue_names_that_one_work_carries_in_two_sources_become_one_venue():
    """Two venue names are aliases when the records of the same work (same long title and first
    author) carry them in at least 3 pairs, most of each name's pairs; two pairs are not enough."""
    con = connect()
    con.execute(f"CREATE TABLE records ({RECORD_COLUMNS})")
    rows = []
    for k in range(6):
        conf_x, conf_y = (("SIGMOD Conference", "International Conference on Management of Data") if k < 3
                          else ("VLDB", "Very Large Data Bases") if k < 5 else ("ICDE", "ICDE"))
        for source, venue in (("x", conf_x), ("y", conf_y)):
            rows.append((f"{source}:{k}", source, f"A long title of work number {k}", ["Ann Smith"], 2001, venue))
    con.executemany("INSERT INTO records (record_id, source, title, authors, year, venue) VALUES (?, ?, ?, ?, ?, ?)", rows)
    build_features(con)
    venues = dict(con.execute("SELECT unique_id, venue_norm FROM features").fetchall())
    assert venues["x:0"] == venues["y:0"] == venues["y:2"] == "international conference on management of data"
    assert (venues["x:3"], venues["y:3"]) == ("vldb", "very large data bases")
    assert venues["x:5"] == venues["y:5"] == "icde"


def test_first_page_of_citation_page_forms():
    """The first page of the page forms citations use; NULL where there is no page range or lone page."""
    con = connect()
    forms = {" (pp. 524-532), ": 524, " 2, pp. 524-532, ": 524, "P.524-532. ": 524, "601-6.": 601,
             " pages 601-606.": 601, "e1002-e1010": 1002, "p. 45": 45, "0012-0019": 12, "57 - 94": 57,
             "12 pages": None, "": None, "n/a": None, " 9, 1,": None, None: None}
    assert {p: con.execute("SELECT pl_first_page(?)", [p]).fetchall()[0][0] for p in forms} == forms


def test_pages_level_tells_versions_apart():
    """A technical report and its conference paper with the same title, authors and year differ in
    their first page; a missing page is no evidence (null level)."""
    pairs = [("pp. 524-532", "pages 524-532,"), ("601-606", "377-391"), (None, "45-77")]
    rows = gammas([{"record_id": f"t:{k}{side}", "source": "t", "title": f"Cascade correlation number {k}",
                    "authors": ["A. Smith"], "year": 1990, "pages": pages}
                   for k, pair in enumerate(pairs) for side, pages in zip("ab", pair)], "pages")
    assert [rows[f"t:{k}a"] for k in range(len(pairs))] == [1, 0, -1]


def test_list_overlap_macros_count_like_list_intersect_on_distinct_lists():
    con = connect()
    cases = [(["a", "b", "c"], ["c", "a", "x", "y"]), (["a"], ["b"]), ([1, 2, 3], [3, 2, 1]), (["a", "b"], ["a"])]
    for a, b in cases:
        shared = len(set(a) & set(b))
        got = con.execute("SELECT pl_shared_count(?, ?), pl_overlap(?, ?), pl_jaccard(?, ?)", [a, b] * 3).fetchone()
        assert got == (shared, shared / min(len(a), len(b)), shared / len(set(a) | set(b)))
    assert con.execute("SELECT pl_overlap([]::VARCHAR[], ['a']), pl_jaccard([]::VARCHAR[], []::VARCHAR[])").fetchone() == (None, None)
