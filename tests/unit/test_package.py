"""The public face: every name in __all__ resolves, lazily, to the module that defines it."""

from __future__ import annotations

import ast
from pathlib import Path

import dlvclient
from tests.support import loaded_by

INIT = Path(dlvclient.__file__)


def _type_checking_imports() -> dict[str, str]:
    """Name -> module of the imports under ``if TYPE_CHECKING:`` in __init__.py."""
    tree = ast.parse(INIT.read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.dump(n))
    return {
        alias.asname or alias.name: f".{node.module}"
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_every_public_name_resolves() -> None:
    for name in dlvclient.__all__:
        assert getattr(dlvclient, name) is not None, name


def test_lazy_table_matches_the_typed_imports() -> None:
    lazy = dlvclient._LAZY  # type: ignore[attr-defined]
    assert lazy == _type_checking_imports()
    assert set(lazy) <= set(dlvclient.__all__)
    # What is not lazy is imported with the package.
    assert all(n in vars(dlvclient) for n in dlvclient.__all__ if n not in lazy)


def test_importing_the_package_loads_no_pydantic_and_no_client() -> None:
    heavy = ("pydantic", "dlvclient._client", "dlvclient._models", "dlvclient._report")
    assert loaded_by("dlvclient", [*heavy, "dlvclient._elf"]) == []


def test_the_client_loads_no_analysis_and_no_report_schema() -> None:
    # The CLI imports the client while dlv loads the core: what it does not need at once waits.
    later = ("dlvclient._schema", "dlvclient._origin", "dlvclient._stackmatch", "dlvclient._report")
    assert loaded_by("dlvclient._client", [*later, "dlvclient._waits", "dlvclient._elf"]) == []


def test_unknown_names_are_attribute_errors() -> None:
    assert not hasattr(dlvclient, "NoSuchThing")
