"""Goroutines kept by what is anywhere on their stacks (dlvclient._stackmatch)."""

from __future__ import annotations

import pytest

from dlvclient import InvalidArgumentError, StackMatch
from dlvclient._schema import BucketFrame


def frames(*functions: str) -> list[BucketFrame]:
    return [
        BucketFrame(function=f, file=f"/src/{f.split('.')[0]}.go", line=n, is_runtime=False)
        for n, f in enumerate(functions, 10)
    ]


def test_every_text_must_be_on_some_frame() -> None:
    stack = frames("net.(*conn).Read", "main.readLoop", "main.serve")
    assert StackMatch.of("readLoop")(stack)
    assert StackMatch.of(["readLoop", "serve"])(stack)
    assert not StackMatch.of(["readLoop", "writeLoop"])(stack)
    assert StackMatch.of("/src/main.go:11")(stack)  # file:line counts too
    assert not StackMatch.of("main.go:11 main")(stack)  # but not across the two


def test_without_drops_stacks_with_the_text_anywhere() -> None:
    stack = frames("net.(*conn).Read", "main.readLoop")
    assert not StackMatch.of(without="readLoop")(stack)
    assert StackMatch.of("net.", without="writeLoop")(stack)
    assert StackMatch()(stack)
    assert not StackMatch()


def test_texts_are_whole_strings_and_not_empty() -> None:
    assert StackMatch.of("ab").contains == ("ab",)
    with pytest.raises(InvalidArgumentError):
        StackMatch.of("")
