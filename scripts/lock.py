"""Re-lock the project's dependencies into poetry.lock.

Poetry cannot reach the package index with its default source here, while pip
can.  So the dependencies are resolved in a throw-away copy of the project that
declares pip's index as an explicit "legacy" source.  The committed files must
not name any index, so the per-package source blocks are dropped from the
resulting lock and its content hash is recomputed against the real
pyproject.toml, which has no source.

The scratch copy starts from the committed lock, so only what pyproject.toml
changed is resolved and every other pin stays as it was; --upgrade re-resolves
everything to the newest allowed releases instead.

Run it with the Python of the tools venv (the one that has Poetry installed):
    .venv-tools/bin/python scripts/lock.py [--upgrade]
"""

from __future__ import annotations

import argparse
import os
import shutil
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


def resolve_in_scratch_copy(index_url: str, upgrade: bool) -> str:
    with tempfile.TemporaryDirectory(prefix="relock-") as scratch:
        scratch_dir = Path(scratch)
        write_pyproject_with_source(
            PROJECT_DIR / PYPROJECT, scratch_dir / PYPROJECT, index_url
        )
        committed_lock = PROJECT_DIR / LOCKFILE
        if upgrade or not committed_lock.is_file():
            run_poetry(scratch_dir, "lock", "--regenerate")
        else:
            # Poetry keeps the versions a lock already pins, so adding one
            # dependency does not move every other package to its newest release.
            shutil.copyfile(committed_lock, scratch_dir / LOCKFILE)
            run_poetry(scratch_dir, "lock")
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
    parser = argparse.ArgumentParser(description="Re-lock poetry.lock.")
    parser.add_argument(
        "--upgrade",
        action="store_true",
        help="re-resolve every package instead of keeping the committed pins",
    )
    upgrade = parser.parse_args().upgrade
    index_url = pip_index_url()
    pyproject_text = (PROJECT_DIR / PYPROJECT).read_text(encoding="utf-8")
    refuse_if_index_named(index_url, PYPROJECT, pyproject_text)
    lock = without_package_sources(resolve_in_scratch_copy(index_url, upgrade))
    lock["metadata"]["content-hash"] = real_project_content_hash()
    lock_text = tomlkit.dumps(lock)
    refuse_if_index_named(index_url, LOCKFILE, lock_text)
    (PROJECT_DIR / LOCKFILE).write_text(lock_text, encoding="utf-8")
    run_poetry(PROJECT_DIR, "check", "--lock")


if __name__ == "__main__":
    main()
