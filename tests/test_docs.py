"""The docs hold together: every relative link in README.md, CHANGELOG.md and docs/ leads to a
file that exists, every #anchor to a heading of the page it names, and the docs index lists
every page."""

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
INDEX = DOCS / "README.md"
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted(DOCS.rglob("*.md"))]

FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+).*?\1")
# An inline link or image, [text](target) or ![alt](target), with an optional "title".
LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def outside_fences(text: str) -> list[str]:
    """The page's lines outside fenced code blocks, whose links and headings are examples."""
    lines, in_fence = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            lines.append(line)
    return lines


def link_targets(text: str) -> list[str]:
    """Every inline link's target, but for those in code."""
    return [
        target
        for line in outside_fences(text)
        for target in LINK.findall(CODE_SPAN.sub("", line))
    ]


def anchors(text: str) -> set[str]:
    """The anchors GitHub gives the page's headings: the heading's text as rendered,
    lower-cased, without punctuation, spaces turned into hyphens, and -1, -2, ... after a
    repeated one."""
    seen: Counter[str] = Counter()
    result = set()
    for line in outside_fences(text):
        if heading := HEADING.match(line):
            # As rendered: code spans and links keep their text only.
            rendered = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.group(1))
            rendered = rendered.replace("`", "")
            slug = re.sub(r"[^\w\- ]", "", rendered.lower()).replace(" ", "-")
            result.add(f"{slug}-{seen[slug]}" if seen[slug] else slug)
            seen[slug] += 1
    return result


def broken_links(page: Path, root: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    broken = []
    for target in link_targets(text):
        if EXTERNAL.match(target):
            continue
        path_part, _, anchor = target.partition("#")
        linked = (page.parent / path_part).resolve() if path_part else page
        if not linked.is_relative_to(root) or not linked.exists():
            broken.append(f"{target}: no such file")
        elif (
            anchor
            and linked.suffix == ".md"
            and anchor not in anchors(linked.read_text(encoding="utf-8"))
        ):
            broken.append(f"{target}: no heading #{anchor} in {linked.name}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    assert broken_links(page, ROOT) == []


def test_the_docs_index_lists_every_page() -> None:
    index = INDEX.read_text(encoding="utf-8")
    listed = {
        (INDEX.parent / target.partition("#")[0]).resolve()
        for target in link_targets(index)
        if not EXTERNAL.match(target)
    }
    unlisted = [
        str(page.relative_to(ROOT))
        for page in DOCS.rglob("*.md")
        if page != INDEX and page.resolve() not in listed
    ]
    assert unlisted == []


def test_the_check_finds_a_missing_file_and_a_missing_anchor(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other page\n\n## A `code` heading\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n"
        "[fine](other.md#a-code-heading), [here](#page), [out](https://example.com/x)\n"
        "[gone](missing.md), [no such heading](other.md#nowhere)\n"
        "`[in code](missing.md)`\n\n"
        "```\n[in a fence](missing.md)\n```\n"
    )

    assert broken_links(page, tmp_path) == [
        "missing.md: no such file",
        "other.md#nowhere: no heading #nowhere in other.md",
    ]
