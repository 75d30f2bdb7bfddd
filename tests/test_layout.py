"""The line clean-up shared by the PDF and text readers, on small inputs taken from the real documents."""

from __future__ import annotations

from ingest.layout import FOOTNOTES_HEADING, clean_line, fix_small_caps, join_hyphenated, strip_running_lines
from ingest.records import Block

# Running lines as the Official Journal prints them: odd and even pages differ, the page number moves.
DUBLIN_ODD = "EN 29.6.2013 Official Journal of the European Union L 180/{}"
DUBLIN_EVEN = "EN L 180/{} Official Journal of the European Union 29.6.2013"


def paged(pages: list[list[str]]) -> list[Block]:
    return [Block(text, page=number) for number, lines in enumerate(pages, 1) for text in lines]


def texts(blocks: list[Block]) -> list[str]:
    return [block.text for block in blocks]


# Article titles of Dublin III, to give each page its own text.
TITLES = [
    "Family procedure",
    "Issue of residence documents",
    "Entry and/or stay",
    "Visa waived entry",
    "Stay",
    "Dependent persons",
]


def dublin_pages(count: int) -> list[list[str]]:
    """Pages as pypdf reads Dublin III: body, then the running header, then the page's footnotes."""
    pages = []
    for number in range(1, count + 1):
        header = (DUBLIN_ODD if number % 2 else DUBLIN_EVEN).format(30 + number)
        footnote = f"( 1 ) OJ L {number * 7}, 1.1.2010, p. 1."
        pages.append([f"Article {10 + number}", TITLES[number - 1], header, footnote])
    return pages


def test_clean_line_collapses_pypdf_whitespace_but_keeps_footnote_markers():
    assert clean_line("Article 11  ") == "Article 11", (
        "a heading must come out exactly 'Article N' for the statute chunker"
    )
    assert clean_line("Acting in accordance with the ordinary legislative procedure (  3 ), ") == (
        "Acting in accordance with the ordinary legislative procedure ( 3 ),"
    )
    assert clean_line("(3)\t See,\tfor\texample,") == "(3) See, for example,", "tabs between words are spaces"


def test_clean_line_repairs_the_charters_c1_dashes():
    # The 2000 Charter's list dashes come out of pypdf as U+0097, cp1252's em dash.
    assert clean_line("\x97 the free and informed consent of the person concerned") == (
        "— the free and informed consent of the person concerned"
    )


def test_running_headers_with_a_page_counter_go_and_article_headings_stay():
    kept = texts(strip_running_lines(paged(dublin_pages(6))))
    assert not [line for line in kept if "Official Journal" in line], "the OJ running header must be stripped"
    # "Article 11" … "Article 16" sit at the top of consecutive pages and rise with the page number,
    # like a page counter: they must survive, the statute chunker keys on them.
    assert [line for line in kept if line.startswith("Article")] == [f"Article {n}" for n in range(11, 17)]


def test_footnotes_under_a_running_footer_move_to_the_end():
    kept = strip_running_lines(paged(dublin_pages(6)))
    assert texts(kept[:4]) == [
        "Article 11",
        "Family procedure",
        "Article 12",
        "Issue of residence documents",
    ], "the text runs on from page to page without the footnotes in between"
    assert kept[12] == Block(FOOTNOTES_HEADING, role="heading"), "the footnotes follow a heading, as in DOCX"
    assert kept[13:] == [Block(f"( 1 ) OJ L {n * 7}, 1.1.2010, p. 1.", page=n) for n in range(1, 7)], (
        "each footnote keeps its page"
    )


def test_recitals_under_a_running_header_at_the_top_are_not_footnotes():
    # Read by position, an OJ L page starts with its running header and then a recital "(14) …".
    first_recitals = [14, 25, 35, 45, 54, 63]  # of pages 3-8 of the Qualification Regulation
    pages = [
        [
            "OJ L, 22.5.2024 EN" if n % 2 else "EN OJ L, 22.5.2024",
            f"({recital}) The Agency should",
            "provide",
            "it.",
        ]
        for n, recital in enumerate(first_recitals, 3)
    ]
    assert texts(strip_running_lines(paged(pages)))[:3] == ["(14) The Agency should", "provide", "it."]


def test_oj_l_header_pair_goes_together():
    footnotes = [
        "(4) OJ L 337, 20.12.2011, p. 9.",
        "(5) OJ L 251, 15.7.2021, p. 1.",
        "(7) OJ L 468, 30.12.2021, p. 1.",
    ]
    pages = []
    for number in range(1, 7):
        if number % 2:
            furniture = ["OJ L, 22.5.2024 EN", f"ELI: http://data.europa.eu/eli/reg/2024/1347/oj {number}/34"]
        else:
            furniture = ["EN OJ L, 22.5.2024", f"{number}/34 ELI: http://data.europa.eu/eli/reg/2024/1347/oj"]
        pages.append([f"({10 + 3 * number}) Recital text.", *furniture, footnotes[number % 3]])
    kept = texts(strip_running_lines(paged(pages)))
    assert not [line for line in kept if "22.5.2024" in line or "eli/reg/2024/1347" in line], kept
    assert len(kept) == 12, "recitals and footnotes must all stay"


def test_bare_page_numbers_and_booklet_spreads_go():
    # The ECHR booklet puts two printed pages on one PDF page: "6 7", "8 9".
    pages = [
        [
            f"{2 * n + 2} {2 * n + 3}",
            f"ARTICLE {n}",
            "Right to liberty",
            f"{n}. Everyone has a right.",
            "(a) a lawful arrest;",
            "2",
            "(b) a detention;",
            "end.",
        ]
        for n in range(2, 7)
    ]
    kept = texts(strip_running_lines(paged(pages)))
    assert "6 7" not in kept and "14 15" not in kept, "page numbers at the top of a page are furniture"
    assert kept.count("2") == 5, "a bare number inside a page is text"
    assert [line for line in kept if line.startswith("ARTICLE")] == [f"ARTICLE {n}" for n in range(2, 7)]


def test_too_few_pages_to_tell_leaves_everything():
    lines = paged([["Article 1", "EN L 180/32 Official Journal of the European Union 29.6.2013"]] * 2)
    assert strip_running_lines(lines) == lines, "two pages cannot show what repeats"


def test_headers_left_in_a_text_file_go():
    # reg-2024-1347-qualification-regulation.txt was extracted from the OJ PDF with its headers in place.
    lines = []
    for number in range(1, 7):
        body = [Block(f"Recital line {number}.{i}") for i in range(12)]
        header = (
            ["OJ L, 22.5.2024 EN", f"ELI: http://data.europa.eu/eli/reg/2024/1347/oj {number}/34"]
            if number % 2
            else ["EN OJ L, 22.5.2024", f"{number}/34 ELI: http://data.europa.eu/eli/reg/2024/1347/oj"]
        )
        lines += body + [Block(text) for text in header]
    kept = texts(strip_running_lines(lines))
    assert len(kept) == 72 and all(line.startswith("Recital") for line in kept), kept[:14]


def test_a_judgments_operative_part_is_not_a_running_header():
    # Khlaifia v. Italy: numbered lines in a row whose numbers rise, like a page counter.
    lines = [
        Block("3. Holds , unanimously, that there has been a violation of Article 5 § 1 of the Convention;"),
        Block(""),
        Block("4. Holds , unanimously, that there has been a violation of Article 5 § 2 of the Convention;"),
        Block(""),
        Block("5. Holds , unanimously, that there has been a violation of Article 5 § 4 of the Convention;"),
    ]
    assert strip_running_lines(lines) == lines


def test_soft_hyphen_joins_and_the_word_moves_up():
    # pypdf's reading of Dublin III (OJ L 180, p. 34): a space and a soft hyphen end the line.
    lines = [
        Block("frontiers in which free movement of persons is guar \xad", page=4),
        Block("anteed in accordance with the TFEU and the estab \xad", page=4),
        Block("lishment of the Dublin system.", page=4),
    ]
    assert join_hyphenated(lines) == [
        Block("frontiers in which free movement of persons is guaranteed", page=4),
        Block("in accordance with the TFEU and the establishment", page=4),
        Block("of the Dublin system.", page=4),
    ], "the fragment moves up so that every line keeps its place and page"


def test_hard_hyphen_follows_the_documents_vocabulary():
    lines = [
        Block("are considered as safe countries for third-"),
        Block("country nationals, and a third-country national"),
        Block("may ask for the exam-"),
        Block("ination of the application; the examination"),
    ]
    assert texts(join_hyphenated(lines)) == [
        "are considered as safe countries for third-country",
        "nationals, and a third-country national",
        "may ask for the examination",
        "of the application; the examination",
    ]


def test_unknown_words_follow_the_documents_habit():
    # The 2000 Charter as text: its other line-end hyphens are line breaks ("consul-tation").
    charter = [
        Block("be guaranteed information and consul-"),
        Block("tation in good time, and consultation"),
        Block("by international law and the Funda-"),
        Block("mental Freedoms"),
    ]
    assert texts(join_hyphenated(charter))[2] == "by international law and the Fundamental"
    # Dublin III as text: its soft hyphens were already joined, so a hyphen left at a line end is real.
    dublin = [
        Block("maintaining the principle of non-"),
        Block("refoulement. Member States are safe countries for third-"),
        Block("country nationals; a third-country national"),
    ]
    assert texts(join_hyphenated(dublin))[0] == "maintaining the principle of non-refoulement."


def test_a_suspended_hyphen_is_not_a_broken_word():
    text = "och och och och och och och och sök och räddning"
    lines = [Block(text), Block("som har landsatts efter sök-"), Block("och räddningsinsatser")]
    assert texts(join_hyphenated(lines))[1:] == ["som har landsatts efter sök-", "och räddningsinsatser"]


def test_a_line_holding_only_the_fragment_goes():
    lines = [Block("responsi \xad", page=2), Block("bility.", page=2), Block("Article 9", page=2)]
    assert join_hyphenated(lines) == [Block("responsibility.", page=2), Block("Article 9", page=2)]


def test_soft_hyphen_continues_on_the_next_page_past_the_footnotes():
    lines = [
        Block("accordance with Article 78 of the Treaty on the Func \xad", page=1),
        Block("( 1 ) OJ C 317, 23.12.2009, p. 115.", page=1),
        Block("tioning of the European Union (TFEU)", page=2),
    ]
    assert texts(join_hyphenated(lines)) == [
        "accordance with Article 78 of the Treaty on the Functioning",
        "( 1 ) OJ C 317, 23.12.2009, p. 115.",
        "of the European Union (TFEU)",
    ]


def test_no_join_across_a_paragraph_break_and_no_invisible_hyphen_left():
    lines = [Block("the Member-"), Block(""), Block("states"), Block("end of the page \xad")]
    assert texts(join_hyphenated(lines)) == ["the Member-", "", "states", "end of the page-"]


def test_small_caps_artefact_is_repaired_where_the_document_has_the_word():
    lines = [
        Block("The GovernmenTs siGnaTory hereTo, being members of the Council"),
        Block("Done aT sTrasbourG, This 22nD Day of november 1984"),
        Block("the governments signatory hereto, at Strasbourg; McCann v. the United Kingdom; DubliNet"),
    ]
    assert texts(fix_small_caps(lines))[:2] == [
        "The Governments signatory hereto, being members of the Council",
        "Done at strasbourg, This 22nd Day of november 1984",
    ]
    assert fix_small_caps(lines)[2] == lines[2], "names with inner capitals (McCann, DubliNet) must survive"


def test_an_enumeration_in_a_text_file_is_not_a_running_header():
    # Numbered lines in a row with a constant part look like "ELI: …/oj 9/34"; a header recurs a page apart.
    lines = [Block(f"(c) Annex I, point {n}, of Regulation (EU) 2024/1347 applies;") for n in range(1, 6)]
    assert strip_running_lines(lines) == lines


def test_a_refrain_repeated_within_pages_is_not_a_running_line():
    refrain = "in accordance with the examination procedure referred to in Article 44(2)."
    pages = [[refrain, f"{n}. The Commission shall adopt", TITLES[n - 1], refrain] for n in range(1, 7)]
    assert texts(strip_running_lines(paged(pages))).count(refrain) == 12, (
        "a running line appears once per page"
    )


def test_numbered_points_far_apart_are_not_a_running_line():
    # An operative part whose points are separated by reasons: one rising number is a page counter's
    # signature, two ("3." and "§ 1") are not.
    lines = []
    for point, paragraph in ((3, 1), (4, 2), (5, 4)):
        lines += [Block(f"Reasoning line {i}") for i in "abcdefghijkl"]
        lines.append(
            Block(f"{point}. Holds that there was a violation of Article 5 § {paragraph} of the Convention;")
        )
    assert strip_running_lines(lines) == lines
