"""Same seed → the same bytes in every file; another seed → different files."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthetic import GenerateConfig, generate


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def regions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    base = tmp_path_factory.mktemp("det")
    cfg = dict(firms=300, clients=40, months=14, noise="high")
    a, b, c = base / "a", base / "b", base / "c"
    generate(GenerateConfig(seed=7, out=a, **cfg))  # type: ignore[arg-type]
    generate(GenerateConfig(seed=7, out=b, **cfg))  # type: ignore[arg-type]
    generate(GenerateConfig(seed=8, out=c, **cfg))  # type: ignore[arg-type]
    return a, b, c


def test_same_seed_same_bytes(regions: tuple[Path, Path, Path]) -> None:
    a, b, _ = regions
    ta, tb = _tree(a), _tree(b)
    assert ta.keys() == tb.keys()
    assert len(ta) > 20
    different = [k for k in ta if ta[k] != tb[k]]
    assert different == []


def test_other_seed_other_region(regions: tuple[Path, Path, Path]) -> None:
    a, _, c = regions
    assert (a / "truth" / "edges.csv").read_bytes() != (c / "truth" / "edges.csv").read_bytes()


def test_config_is_validated() -> None:
    with pytest.raises(ValueError):
        GenerateConfig(firms=10)
    with pytest.raises(ValueError):
        GenerateConfig(firms=100, clients=200)
    with pytest.raises(ValueError):
        GenerateConfig(noise="extreme")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        GenerateConfig(start="2024/04")


def test_worker_count_does_not_change_bytes(tmp_path: Path) -> None:
    cfg = dict(firms=400, clients=60, months=6, seed=3)
    generate(GenerateConfig(out=tmp_path / "one", workers=1, **cfg))  # type: ignore[arg-type]
    generate(GenerateConfig(out=tmp_path / "two", workers=2, **cfg))  # type: ignore[arg-type]
    assert _tree(tmp_path / "one") == _tree(tmp_path / "two")
