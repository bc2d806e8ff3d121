"""Installing a Delve: the errors that need neither Go nor the network."""

from __future__ import annotations

import pytest

from dlvclient._delve import install_delve
from dlvclient._errors import DelveInstallError, InvalidArgumentError


def test_install_without_go_says_so() -> None:
    with pytest.raises(DelveInstallError, match="needs Go"):
        install_delve("1.27.2", go="/nonexistent/go")


def test_install_rejects_what_is_not_a_version() -> None:
    with pytest.raises(InvalidArgumentError, match="not a Delve version"):
        install_delve("latest-and-greatest")
    with pytest.raises(InvalidArgumentError, match="older than every release"):
        install_delve("1.9.1")
