"""The bench's PNG: one row of panels per part of the run that has figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench import plot as bench_plot
from bench.plot import plot
from PIL import Image

from tests.unit.bench.runs import full_run

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _height(path: Path) -> int:
    with Image.open(path) as image:
        return image.height


def test_a_full_run_is_drawn_as_a_png(tmp_path: Path) -> None:
    written = plot(full_run(), tmp_path / "bench.png")
    assert written == tmp_path / "bench.png"
    data = written.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 10_000


@pytest.mark.parametrize("gone", ["gateway", "orders", "login"])
def test_a_missing_or_failed_part_leaves_out_its_row(tmp_path: Path, gone: str) -> None:
    full = plot(full_run(), tmp_path / "full.png")
    missing = full_run()
    del missing[gone]
    failed = {**full_run(), gone: {"failed": True, "load_average_at_start": ["1.0"]}}
    for name, run in (("missing", missing), ("failed", failed)):
        written = plot(run, tmp_path / f"{name}.png")
        assert written is not None
        assert written.read_bytes().startswith(PNG_SIGNATURE)
        assert full is not None
        assert _height(written) == pytest.approx(_height(full) * 2 / 3, abs=2)


def test_a_run_without_figures_writes_nothing(tmp_path: Path) -> None:
    run = {**full_run(), "gateway": {"failed": True}, "orders": {"results": []}}
    del run["login"]
    assert plot(run, tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()


def test_the_cli_plots_the_newest_run_and_the_readme_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench_plot, "RESULTS", tmp_path)
    monkeypatch.setattr(bench_plot, "README_PLOT", tmp_path / "plot.png")
    older = {**full_run(), "gateway": {"failed": True}}
    (tmp_path / "bench-20261129T000000Z.json").write_text(json.dumps(older))
    (tmp_path / "bench-20261130T070000Z.json").write_text(json.dumps(full_run()))
    assert bench_plot.main(["--readme"]) == 0
    newest = tmp_path / "bench-20261130T070000Z.png"
    assert (tmp_path / "plot.png").read_bytes() == newest.read_bytes()
    assert not (tmp_path / "bench-20261129T000000Z.png").exists()
