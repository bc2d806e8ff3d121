"""mkdocs hook: links from a page to repository files outside docs/ become plain paths.

Pages are read on GitHub as well as on the site, and on GitHub a link such as
``[the runner](../benchmarks/run)`` works. The site has no copy of those files (and no address
of the repository to link to), so the strict build would reject the link. Such a link is shown
as the file's path in the repository instead, which is where a reader of the site finds it.
A link to a file that does not exist anywhere is left alone, for the strict build to report.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_FENCE = re.compile(r"^[ \t]*(?:```|~~~).*?^[ \t]*(?:```|~~~)[ \t]*$", re.S | re.M)
_LINK = re.compile(r"(?<!!)\[(?P<text>[^\]\n]+)\]\((?P<target>[^)\s#]+)(?P<anchor>#[^)\s]*)?\)")


def _rewrite(text: str, page_dir: Path, docs_dir: Path, root: Path) -> str:
    def replace(match: re.Match[str]) -> str:
        target = match["target"]
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, mailto:...
            return match[0]
        path = (page_dir / target).resolve()
        if path.is_relative_to(docs_dir) or not path.is_relative_to(root) or not path.exists():
            return match[0]
        shown = path.relative_to(root).as_posix() + ("/" if path.is_dir() else "")
        label = match["text"]
        if label.strip("`") == shown.rstrip("/") or label.strip("`") == shown:
            return f"`{shown}`"
        return f"{label} (`{shown}`)"

    return _LINK.sub(replace, text)


def rewrite_page(markdown: str, page_dir: Path, docs_dir: Path, root: Path) -> str:
    """The page with its links to repository files outside ``docs_dir`` shown as paths."""
    parts: list[str] = []
    last = 0
    for fence in _FENCE.finditer(markdown):  # code blocks are shown as written
        parts.append(_rewrite(markdown[last : fence.start()], page_dir, docs_dir, root))
        parts.append(fence[0])
        last = fence.end()
    parts.append(_rewrite(markdown[last:], page_dir, docs_dir, root))
    return "".join(parts)


def on_page_markdown(markdown: str, page: Any, config: Any, **kwargs: Any) -> str:
    docs_dir = Path(config["docs_dir"]).resolve()
    root = Path(config["config_file_path"]).resolve().parent
    return rewrite_page(markdown, (docs_dir / page.file.src_uri).parent, docs_dir, root)
