"""Build hook: ship ``sql/`` and ``notebooks/`` inside the package.

In a checkout, ``tickstock_research/sql`` and ``tickstock_research/notebooks`` are symlinks
to the top-level folders (one copy of each file, edited where the README says). A wheel cannot
carry a symlink to outside the package, so the build copies the real folders into the built
package; the sdist carries them via MANIFEST.in. Everything else is in pyproject.toml.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA_DIRS = ("sql", "notebooks")


class BuildWithData(build_py):
    """``build_py`` that replaces the package's symlinks with copies of the folders they name."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return                      # an editable install reads the checkout through the symlinks
        for name in DATA_DIRS:
            source = ROOT / name
            target = Path(self.build_lib) / "tickstock_research" / name
            if target.is_symlink() or target.is_file():
                target.unlink()
            elif target.exists():
                shutil.rmtree(target)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))


setup(cmdclass={"build_py": BuildWithData})
