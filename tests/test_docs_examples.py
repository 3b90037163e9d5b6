"""Every ```python block of README.md and docs/*.md runs as written (one namespace per file)."""

from __future__ import annotations

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _blocks(path: pathlib.Path) -> list[str]:
    """The python blocks, each padded with newlines so tracebacks show README line numbers."""
    text = path.read_text()
    out = []
    for m in re.finditer(r"```python\n(.*?)```", text, re.S):
        out.append("\n" * text.count("\n", 0, m.start(1)) + m.group(1))
    return out


CASES = [(path, blocks) for path in FILES if (blocks := _blocks(path))]


def test_readme_has_examples() -> None:
    assert any(path.name == "README.md" for path, _ in CASES)


@pytest.mark.parametrize("path,blocks", CASES, ids=[p.name for p, _ in CASES])
def test_examples_run(path: pathlib.Path, blocks: list[str]) -> None:
    namespace: dict[str, object] = {"__name__": f"docs_{path.stem}"}
    for block in blocks:
        exec(compile(block, str(path), "exec"), namespace)
