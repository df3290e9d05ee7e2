"""Which words of a search term PostgreSQL's word index can look up (migration 0003).

Search is a substring match on the lower-cased name or description. The index holds each
product's words: its text split at every character that is not a letter or digit. Split
the same way, a word of the term with a separator on both sides is a whole word of any
text that contains the term, and a word with a separator only before it begins one (the
first word may end a longer one, so it tells nothing). Every product that contains the
term therefore holds those words: the index finds the few that do, however large the
catalog, and the substring test then decides. A term of one word gives no such word and
keeps the trigram index.
"""

from __future__ import annotations

import re

from sqlalchemy import BindParameter, ColumnElement, bindparam, cast, func, or_
from sqlalchemy.dialects.postgresql import TSQUERY

from shop.products.stores.sql.models import products

# ASCII letters and digits are letters and digits in every locale, other ASCII characters
# are not: so the term splits as the index split the text. Other characters might not.
_SEPARATORS = re.compile(r"[^a-z0-9]+")
# Shorter words are in too many products for the lookup to pay (the trigram index's floor).
MIN_WORD = 3
# The index cuts runs of letters and digits every 255 characters (a word's start is a cut).
MAX_WORD = 255


def word_query(term: str) -> str | None:
    """A tsquery of the words every product containing `term` holds, or None if there are
    none the index can use: "brass lamp 12" gives `'lamp' & '12'` minus the short one, so
    `'lamp'`; "lamp 123456" gives `'123456':*` (it may begin a longer number)."""
    lowered = term.lower()
    if not lowered.isascii():
        return None
    parts = _SEPARATORS.split(lowered)
    wanted = []
    for position, word in enumerate(parts):
        if position == 0 or len(word) < MIN_WORD:
            continue
        whole = position < len(parts) - 1
        looked_up = word[:MAX_WORD]
        wanted.append(f"'{looked_up}'" if whole and looked_up == word else f"'{looked_up}':*")
    return " & ".join(wanted) or None


def word_search() -> list[ColumnElement[bool]]:
    """The term's words (`words`) through the word index, then the substring test (`term`).

    The test is strpos, not LIKE: the same match, but one the trigram indexes cannot serve,
    so the planner does not also walk their posting lists (the cost this path avoids)."""
    words = cast(bindparam("words"), TSQUERY)
    return [
        func.product_search_words(products.c.name, products.c.description).op("@@")(words),
        substring_test(),
    ]


def substring_test() -> ColumnElement[bool]:
    """The term (`term`, lower-cased) in the name or description, as LIKE '%term%' tests it."""
    term: BindParameter[str] = bindparam("term")
    return or_(
        func.strpos(func.lower(products.c.name), term) > 0,
        func.strpos(func.lower(products.c.description), term) > 0,
    )
