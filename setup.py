"""Packaging step of its own: compile the gettext catalogs (.po → .mo) into every wheel.

Everything else is declared in pyproject.toml. The .mo files are build
products (git ignores them): without this step, ``pip install .`` would serve
every language with the English words of the form, silently.
"""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    """``build_py``, then each ``translations/<lang>/LC_MESSAGES/messages.po`` compiled beside itself."""

    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in Path(self.build_lib, "deflect", "translations").rglob("*.po"):
            with po.open("rb") as source:
                catalog = read_po(source)
            with po.with_suffix(".mo").open("wb") as target:
                write_mo(target, catalog)


setup(cmdclass={"build_py": BuildWithCatalogs})
