"""Keep the README honest: every setting and every command it shows exists, and the reverse."""
from __future__ import annotations

import re
from pathlib import Path

from deflect.settings import SETTINGS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_setting():
    documented = set(re.findall(r"`DEFLECT_([A-Z_]+)`", README))
    assert documented == set(SETTINGS)


def test_readme_commands_exist(runner):
    shown = set(re.findall(r"deflect (\w+)", README)) - {"is", "the"}
    result = runner.invoke(args=["--help"])
    assert result.exit_code == 0
    listed = set(re.findall(r"^  (\w+)", result.output, re.M))
    assert shown <= listed, shown - listed
    assert {"build", "index", "serve", "suggest"} <= listed


def test_readme_starts_with_the_two_commands():
    first_block = README.split("```", 2)[1]
    assert "make serve" in first_block and "make test" in first_block
