"""The crash report's JSON contract, generated from the model so the page cannot drift from it.

As an mkdocs hook it refreshes the key table of ``report-schema.md`` at build time and publishes
``report.schema.json`` beside it. Run as a script it rewrites the table in the committed page
(``python docs/_hooks/report_schema.py``), which ``tests/test_docs.py`` checks is current.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PAGE = Path(__file__).resolve().parent.parent / "report-schema.md"
SCHEMA_FILE = "report.schema.json"
BEGIN = "<!-- BEGIN GENERATED: report keys (python docs/_hooks/report_schema.py) -->"
END = "<!-- END GENERATED: report keys -->"


def report_schema() -> dict[str, Any]:
    """JSON Schema of ``dlvclient report --json``: what is written, so every key is present."""
    from dlvclient._schema import CrashReport

    schema = CrashReport.model_json_schema(mode="serialization")
    schema["$id"] = SCHEMA_FILE
    return schema


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        # Keys beside a $ref (a field's description) win over the referenced definition's.
        local = {key: value for key, value in node.items() if key != "$ref"}
        node = {**defs[node["$ref"].rsplit("/", 1)[-1]], **local}
    return node


def _type(node: dict[str, Any], defs: dict[str, Any]) -> tuple[str, dict[str, Any] | None, str]:
    """The type's text, the object schema whose keys go below it (if any), and the path suffix."""
    node = _resolve(node, defs)
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        nullable = len(options) < len(node["anyOf"])
        if len(options) == 1:
            text, child, suffix = _type(options[0], defs)
            return (f"{text} or null" if nullable else text), child, suffix
        return " or ".join(_type(o, defs)[0] for o in node["anyOf"]), None, ""
    if "enum" in node:
        return " \\| ".join(f'`"{v}"`' for v in node["enum"]), None, ""
    kind = node.get("type")
    if kind == "array":
        text, child, suffix = _type(node.get("items", {}), defs)
        plural = f"{text}s" if text.isalpha() else text  # integer -> integers, object -> objects
        return f"array of {plural}", child, "[]" + suffix
    if kind == "object" and "properties" in node:
        return "object", node, ""
    if kind == "object":
        value = _type(node.get("additionalProperties", {}), defs)[0]
        return f"object of string → {value}", None, ""
    return str(kind or "any"), None, ""


def _rows(
    node: dict[str, Any], defs: dict[str, Any], prefix: str = ""
) -> Iterator[tuple[str, str, str]]:
    for name, prop in node["properties"].items():
        path = f"{prefix}{name}"
        text, child, suffix = _type(prop, defs)
        description = prop.get("description") or _resolve(prop, defs).get("description", "")
        yield path, text, description
        if child is not None:
            yield from _rows(child, defs, f"{path}{suffix}.")


def schema_table(schema: dict[str, Any] | None = None) -> str:
    """The Markdown table of every key of the report, nested keys as dotted paths."""
    schema = schema or report_schema()
    lines = ["| Key | Type | Meaning |", "| --- | --- | --- |"]
    for path, text, description in _rows(schema, schema.get("$defs", {})):
        meaning = " ".join(description.split()).replace("|", "\\|")
        lines.append(f"| `{path}` | {text} | {meaning} |")
    return "\n".join(lines)


def refresh(markdown: str) -> str:
    """The page with its generated section replaced by the current table."""
    head, sep, rest = markdown.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not (sep and sep2):
        raise ValueError(f"report-schema.md lacks the markers {BEGIN!r} ... {END!r}")
    return f"{head}{BEGIN}\n{schema_table()}\n{END}{tail}"


# --- mkdocs hook events --------------------------------------------------------------------------


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    if page.file.src_uri == PAGE.name:
        return refresh(markdown)
    return markdown


def on_files(files: Any, config: Any, **kwargs: Any) -> Any:
    from mkdocs.structure.files import File

    content = json.dumps(report_schema(), indent=2) + "\n"
    files.append(File.generated(config, SCHEMA_FILE, content=content))
    return files


if __name__ == "__main__":
    PAGE.write_text(refresh(PAGE.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write(f"refreshed {PAGE}\n")
