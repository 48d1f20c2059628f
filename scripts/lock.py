"""Re-lock the project's dependencies into poetry.lock.

Poetry cannot reach the package index with its default source here, while pip
can.  So the dependencies are resolved in a throw-away copy of the project that
declares pip's index as an explicit "legacy" source.  The committed files must
not name any index, so the per-package source blocks are dropped from the
resulting lock and its content hash is recomputed against the real
pyproject.toml, which has no source.

Run it with the Python of the tools venv (the one that has Poetry installed):
    .venv-tools/bin/python scripts/lock.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import tomlkit
from poetry.factory import Factory

PROJECT_DIR = Path(__file__).resolve().parent.parent
PYPROJECT = "pyproject.toml"
LOCKFILE = "poetry.lock"
TEMPORARY_SOURCE_NAME = "relock-index"

# Poetry must never wait for a keyring unlock or a prompt: this runs unattended.
# Locking needs no project virtualenv, so Poetry is kept from creating one (it
# would otherwise go looking for some Python 3.12+ and build a venv in its cache).
POETRY_ENV = {
    **os.environ,
    "POETRY_NO_INTERACTION": "1",
    "POETRY_KEYRING_ENABLED": "false",
    "POETRY_VIRTUALENVS_CREATE": "false",
    "POETRY_VIRTUALENVS_USE_POETRY_PYTHON": "true",
}


def pip_index_url() -> str:
    """The simple-index URL pip falls back to, read at run time so that it is
    never written into the repository."""
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pip._internal.models.index import PyPI; print(PyPI.simple_url)",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return completed.stdout.strip()


def run_poetry(project_dir: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "poetry", "--directory", str(project_dir), *args],
        check=True,
        env=POETRY_ENV,
        stdin=subprocess.DEVNULL,
    )


def write_pyproject_with_source(source: Path, target: Path, index_url: str) -> None:
    document = tomlkit.parse(source.read_text(encoding="utf-8"))
    index_source = tomlkit.table()
    index_source["name"] = TEMPORARY_SOURCE_NAME
    index_source["url"] = index_url
    index_source["priority"] = "primary"
    sources = tomlkit.aot()
    sources.append(index_source)
    document["tool"]["poetry"]["source"] = sources
    target.write_text(tomlkit.dumps(document), encoding="utf-8")


def resolve_in_scratch_copy(index_url: str) -> str:
    with tempfile.TemporaryDirectory(prefix="relock-") as scratch:
        scratch_dir = Path(scratch)
        write_pyproject_with_source(
            PROJECT_DIR / PYPROJECT, scratch_dir / PYPROJECT, index_url
        )
        run_poetry(scratch_dir, "lock", "--regenerate")
        return (scratch_dir / LOCKFILE).read_text(encoding="utf-8")


def without_package_sources(lock_text: str) -> tomlkit.TOMLDocument:
    lock = tomlkit.parse(lock_text)
    for package in lock["package"]:
        package.pop("source", None)
    return lock


def real_project_content_hash() -> str:
    locker = Factory().create_poetry(PROJECT_DIR).locker
    content_hash: str = locker._get_content_hash()
    return content_hash


def refuse_if_index_named(index_url: str, name: str, text: str) -> None:
    host = urlsplit(index_url).hostname or index_url
    if host in text:
        sys.exit(f"{name} would name the package index; poetry.lock left unchanged")


def main() -> None:
    index_url = pip_index_url()
    pyproject_text = (PROJECT_DIR / PYPROJECT).read_text(encoding="utf-8")
    refuse_if_index_named(index_url, PYPROJECT, pyproject_text)
    lock = without_package_sources(resolve_in_scratch_copy(index_url))
    lock["metadata"]["content-hash"] = real_project_content_hash()
    lock_text = tomlkit.dumps(lock)
    refuse_if_index_named(index_url, LOCKFILE, lock_text)
    (PROJECT_DIR / LOCKFILE).write_text(lock_text, encoding="utf-8")
    run_poetry(PROJECT_DIR, "check", "--lock")


if __name__ == "__main__":
    main()
