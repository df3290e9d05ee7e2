from hypothesis import given
from hypothesis import strategies as st

from shop.common.security import secret_matches


def test_accepts_any_secret_of_the_rotation_list() -> None:
    assert secret_matches("new", ["new", "old"])
    assert secret_matches("old", ["new", "old"])


def test_refuses_wrong_missing_and_partial_secrets() -> None:
    assert not secret_matches("nope", ["new", "old"])
    assert not secret_matches(None, ["new"])
    assert not secret_matches("", ["new"])
    assert not secret_matches("ne", ["new"])
    assert not secret_matches("new-and-more", ["new"])


@given(st.text(min_size=1), st.lists(st.text(min_size=1), max_size=3))
def test_matches_iff_member(candidate: str, accepted: list[str]) -> None:
    assert secret_matches(candidate, accepted) == (candidate in accepted)
