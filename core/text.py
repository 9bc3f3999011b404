"""Forms of names for searching and sorting.

PostgreSQL here has no ICU collations, so Finnish/Swedish order (… x y z å ä ö) comes from a
sort key computed here and compared bytewise. Search ignores case and diacritics, so typing
"aakkonen" finds "Ääkkönen".
"""

from __future__ import annotations

import unicodedata

# Letters that are letters of their own at the end of the Finnish and Swedish alphabets,
# placed after "z" by mapping them to the ASCII characters that follow it.
_AFTER_Z = {"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}"}
_AS = {"ü": "y", "ß": "ss", "đ": "d", "ł": "l", "þ": "th"}


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_form(text: str) -> str:
    """Lower case, no diacritics, single spaces: what search compares."""
    folded = "".join(_AS.get(ch, ch) for ch in text.casefold())
    return " ".join(_strip_marks(folded).split())


def sort_key(text: str) -> str:
    """A key whose bytewise order is Finnish alphabetical order."""
    out = []
    for ch in text.casefold().strip():
        if ch in _AFTER_Z:
            out.append(_AFTER_Z[ch])
        elif ch in _AS:
            out.append(_AS[ch])
        else:
            out.append(_strip_marks(ch))
    return " ".join("".join(out).split())
