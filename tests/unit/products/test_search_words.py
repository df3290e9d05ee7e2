"""Which words of a search term the word index may look up: only ones every match holds."""

from __future__ import annotations

import re

import pytest

from shop.products.domain import ProductQuery
from shop.products.stores.sql.catalog import catalog_params, catalog_shape
from shop.products.stores.sql.search_words import MAX_WORD, word_query


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("lamp 123456", "'123456':*"),  # the number may go on; "lamp" may end "clamp"
        ("Brass LAMP 123456", "'lamp' & '123456':*"),  # a middle word is whole
        ("brass lamp ", "'lamp'"),  # a separator after it: whole too
        (" lamp", "'lamp':*"),  # a separator before the first word: it begins a word
        ("t-shirt, red", "'shirt' & 'red':*"),  # any ASCII non-alphanumeric separates
        ("brass lamp 12", "'lamp'"),  # words under three letters are left to the test
        ("50%_off", "'off':*"),
        ("lamp", None),  # one word may sit inside a longer one: trigrams
        ("desk lamp", "'lamp':*"),
        ("ab cd", None),
        ("café crème", None),  # non-ASCII letters may split otherwise: trigrams
        ("", None),
    ],
)
def test_the_words_every_match_holds(term: str, expected: str | None) -> None:
    assert word_query(term) == expected


def test_a_word_longer_than_the_index_cut_is_looked_up_by_its_start() -> None:
    long = "x" * (MAX_WORD + 10)
    assert word_query(f"a {long} b") == f"'{'x' * MAX_WORD}':*"


def test_terms_with_a_whole_word_take_the_word_index_shape() -> None:
    shapes = {catalog_shape(ProductQuery(search=t))[0] for t in ("lamp 1234", "x red lamp")}
    assert shapes == {"words"}
    assert catalog_shape(ProductQuery(search="lamp"))[0] == "trigrams"
    assert catalog_shape(ProductQuery(search="la"))[0] == "scan"
    params = catalog_params(ProductQuery(search="Brass LAMP 1234"), dialect="postgresql")
    assert params["term"] == "brass lamp 1234" and params["words"] == "'lamp' & '1234':*"
    assert re.fullmatch(r"[a-z0-9':* &]+", params["words"])
