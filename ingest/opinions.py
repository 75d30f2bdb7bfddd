"""Finding the separate opinions annexed to a judgment, and naming them readably."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The fixed part of an opinion's title, in capitals as HUDOC prints it ("JOINT PARTLY DISSENTING
# OPINION OF JUDGES ...", "OPINION CONCORDANTE DU JUGE ..."); the judges' names follow.
_OPINION_TITLE = re.compile(
    r"(?<!\w)(?:"
    r"(?:JOINT |COMMON )?(?:PARTLY |PARTIALLY )?(?:CONCURRING|DISSENTING|SEPARATE)"
    r"(?: AND (?:PARTLY |PARTIALLY )?(?:CONCURRING|DISSENTING))? OPINION OF JUDGES? "
    r"|OPINION (?:EN PARTIE |PARTIELLEMENT )?(?:CONCORDANTE|DISSIDENTE|SÉPARÉE)"
    r"(?: ET (?:EN PARTIE |PARTIELLEMENT )?(?:CONCORDANTE|DISSIDENTE))?(?: COMMUNE)? D(?:U|ES) JUGES? )"
)
_TRANSLATION_NOTE = re.compile(r"\s*\((?:Translation|Traduction)\)")
_LINKING_WORDS = {
    "AND": "and",
    "ET": "et",
    "JOINED": "joined",
    "BY": "by",
    "JUDGE": "Judge",
    "JUDGES": "Judges",
    "JUGE": "juge",
    "JUGES": "juges",
    "PAR": "par",
    "LE": "le",
    "LES": "les",
    "À": "à",
    "AUQUEL": "auquel",
    "AUXQUELS": "auxquels",
    "SE": "se",
    "RALLIE": "rallie",
    "RALLIENT": "rallient",
}
# Particles of family names stay in lower case: "Pinto de Albuquerque", "van der Meer".
_PARTICLES = {"DE", "DA", "DI", "DEL", "DOS", "DU", "VAN", "VON", "DER", "DEN", "LA"}


@dataclass(frozen=True)
class OpinionTitle:
    """Where an opinion's title sits in a line, and its readable label."""

    start: int
    end: int
    label: str  # "Concurring opinion of Judge Pinto de Albuquerque"


def find_opinion_titles(line: str) -> list[OpinionTitle]:
    """The opinion titles in a line: alone, opening the opinion's text, or after the previous opinion."""
    titles = []
    for match in _OPINION_TITLE.finditer(line):
        names_end = _names_end(line, match.end())
        if names_end == match.end():
            continue
        end = names_end
        note = _TRANSLATION_NOTE.match(line, end)
        if note:
            end = note.end()
        prefix = match.group(0).strip().lower()
        names = " ".join(_readable_name_word(w) for w in line[match.end() : names_end].split())
        label = _tidy(f"{prefix[0].upper()}{prefix[1:]} {names}")
        label = re.sub(r"\b(judges?)\b", lambda m: m.group(1).capitalize(), label, count=1)
        titles.append(OpinionTitle(match.start(), end, label))
    return titles


def _names_end(line: str, start: int) -> int:
    """End of the judges' names: capitalised words; after "JUDGE" one name in any case ("JUDGE Zupančič")."""
    end = start
    after_judge = True
    for word in re.finditer(r"\S+", line[start:]):
        token = word.group(0)
        bare = token.strip(",")
        is_name = bare == "" or (len(bare) > 1 and bare.upper() == bare and any(c.isalpha() for c in bare))
        if not is_name and after_judge and bare[:1].isupper() and bare[1:2].islower():
            is_name = True  # a name HUDOC left in mixed case
        if not is_name:
            break
        end = start + word.end()
        after_judge = bare in ("JUDGE", "JUDGES", "JUGE", "JUGES")
    return end


def _readable_name_word(word: str) -> str:
    bare = word.rstrip(",")
    comma = word[len(bare) :]
    if bare in _LINKING_WORDS:
        return _LINKING_WORDS[bare] + comma
    if bare in _PARTICLES:
        return bare.lower() + comma
    if bare.upper() != bare:
        return word
    return bare.title() + comma


def _tidy(label: str) -> str:
    return re.sub(r"\s+,", ",", re.sub(r"\s+", " ", label)).strip(" ,")
