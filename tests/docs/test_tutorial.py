"""docs/tutorial.md cannot rot: each file it shows is the file in tests/data/tutorial/, the
config it builds is valid, and each command it shows prints what the page says, run in
page order on a copy (the draft case, `test --update`, then the finished case)."""
from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import engine
from helpers import DATA, REPO, run_cli

TUTORIAL = DATA / "tutorial"
PAGE = (REPO / "docs" / "tutorial.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"(?:<!-- (file|draft): (\S+) -->\n)?```(\w+)\n(.*?)```\n", re.S)


def blocks() -> list[tuple[str | None, str | None, str, str]]:
    """(marker, path, language, text) of each fenced block, in page order."""
    return [(m.group(1), m.group(2), m.group(3), m.group(4)) for m in BLOCK.finditer(PAGE)]


def test_each_file_shown_is_the_real_file() -> None:
    shown = {path: text for marker, path, _, text in blocks() if marker == "file"}
    assert shown and all((TUTORIAL / path).read_text(encoding="utf-8") == text for path, text in shown.items())
    files = {p.relative_to(TUTORIAL).as_posix() for p in TUTORIAL.rglob("*") if p.is_file()}
    assert files == set(shown), "the page shows the whole org"


def test_the_org_is_valid() -> None:
    assert engine.check(TUTORIAL) == []


def _run_console(text: str, cwd: Path) -> None:
    commands = re.split(r"^\$ ", text, flags=re.M)[1:]
    for command in commands:
        line, _, output = command.partition("\n")
        args = shlex.split(line)
        assert args[0] == "gongdan"
        code, out, err = run_cli(*args[1:], cwd=cwd)
        assert (code, out + err) == (0, output), line   # a terminal shows both streams


def test_each_command_prints_what_the_page_shows(tmp_path: Path) -> None:
    root = tmp_path / "bamboo"
    shutil.copytree(TUTORIAL, root)
    ran = 0
    for marker, path, language, text in blocks():
        if marker in ("file", "draft") and path is not None:
            (root / path).write_text(text, encoding="utf-8")
        elif language == "console":
            _run_console(text, root)
            ran += 1
    assert ran == 4
    assert (root / "tests" / "cases" / "bamboo.yaml").read_text(encoding="utf-8") == (
        TUTORIAL / "tests" / "cases" / "bamboo.yaml").read_text(encoding="utf-8")
