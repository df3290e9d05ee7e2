"""The login section of the bench's markdown table."""

from __future__ import annotations

from bench.login_report import markdown_rows

from tests.unit.bench.runs import login_part


def test_one_table_row_per_connection_count_with_the_hashing_apart() -> None:
    rows = markdown_rows(login_part())
    assert "p50 120.5 ms, min 98.25 ms" in rows[0]
    header, rule, *body = rows[2:]
    assert header.count("|") == rule.count("|") == body[0].count("|") == 10
    assert body == [
        "| 1 | 7.5 | 90.00 | 180.00 | 0 | 2.00 | 150.00 | 120.50 | 80% |",
        "| 16 | 12.2 | 700.25 | 1,400.50 | 3 | 2.00 | 150.00 | 120.50 | 80% |",
    ]


def test_a_login_part_without_runs_says_so() -> None:
    assert markdown_rows({}) == ["no login runs recorded"]
    assert markdown_rows({"failed": True}) == ["no login runs recorded"]
