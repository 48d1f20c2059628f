"""The changelog: one version in pyproject.toml, the spec and CHANGELOG.md; fragments named
so that branches never collide and towncrier never drops one (docs/development.md#changelog);
and towncrier building them into a new version above the last."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERSION = PYPROJECT["project"]["version"]
FRAGMENT_TYPES = {kind["directory"] for kind in PYPROJECT["tool"]["towncrier"]["type"]}
# +<issue number>-<slug>.<type>.md; the leading + makes towncrier print no issue number.
FRAGMENT_NAME = re.compile(r"\+\d+-[a-z0-9]+(-[a-z0-9]+)*\.(?P<type>[a-z]+)\.md")
NOT_A_FRAGMENT = "README.md"


def fragments() -> list[Path]:
    return sorted(
        path for path in (ROOT / "changelog").iterdir() if path.name != NOT_A_FRAGMENT
    )


def newest_version_in(changelog: str) -> str:
    newest = re.search(r"^## (\S+) \(\d{4}-\d{2}-\d{2}\)$", changelog, re.MULTILINE)
    assert newest is not None, "CHANGELOG.md has no '## <version> (<date>)' heading"
    return newest.group(1)


def test_pyproject_the_spec_and_the_changelog_give_one_version() -> None:
    spec = yaml.safe_load((ROOT / ".port" / "spec.yaml").read_text(encoding="utf-8"))
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")

    assert (spec["version"], newest_version_in(changelog)) == (VERSION, VERSION)


def test_every_fragment_is_named_by_the_convention_with_a_known_type() -> None:
    # towncrier silently leaves out a fragment whose type it does not know.
    misnamed = [
        path.name
        for path in fragments()
        if not (name := FRAGMENT_NAME.fullmatch(path.name))
        or name["type"] not in FRAGMENT_TYPES
    ]
    assert misnamed == []


def test_towncrier_builds_every_fragment_into_a_new_version_above_the_last(
    tmp_path: Path,
) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copy(ROOT / "CHANGELOG.md", tmp_path)
    shutil.copytree(ROOT / "changelog", tmp_path / "changelog")
    # One of each type, so that the test holds whatever the branch's own fragments are.
    for fragment_type in FRAGMENT_TYPES:
        sample = (
            tmp_path / "changelog" / f"+1-sample-{fragment_type}.{fragment_type}.md"
        )
        sample.write_text(f"A sample {fragment_type} line.\n", encoding="utf-8")

    subprocess.run(
        [sys.executable, "-m", "towncrier", "build", "--yes", "--version", "99.0.0"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=60,
    )

    built = (tmp_path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert newest_version_in(built) == "99.0.0"
    new_section = built[built.index("## 99.0.0") : built.index(f"## {VERSION} (")]
    for fragment in fragments():
        assert f"- {fragment.read_text(encoding='utf-8').strip()}\n" in new_section
    for fragment_type in FRAGMENT_TYPES:
        assert f"- A sample {fragment_type} line.\n" in new_section
    assert [p.name for p in (tmp_path / "changelog").iterdir()] == [NOT_A_FRAGMENT]
