"""Griffe extension: show dlvclient's API in the reference the way users call it.

* Docstrings are written for ``help()`` and IDEs, in reST habits: ``:class:`X``` roles and
  ``>>>`` examples. Markdown would show the roles verbatim and the examples as nested quotes, so
  roles become cross-references (optional ones: a name the site does not document stays plain
  code instead of failing the strict build) and examples ``pycon`` code blocks.
* ``open_core``/``connect`` are used with ``async with``: shown as returning an async context
  manager, not as coroutines returning an ``AsyncIterator`` (how ``@asynccontextmanager``
  functions are written).
* A pydantic field documented with ``Field(description=...)`` (what the JSON schema shows) gets
  that description as its docstring, so the reference lists it too.
* A function made a method by assignment in a class body (``crash_report = crash_report``) is
  an opaque attribute to static analysis: it is shown as the method it is.
* ``dlvclient.sync.Client`` builds its methods from ``AsyncClient``'s with descriptors, which
  static analysis sees as opaque attributes; they are shown as the blocking methods they are,
  with the async method's parameters and docstring. ``dlvclient.sync``'s openers, built the
  same way from the async ones, are shown as functions with their parameters too.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|attr|data|exc|mod|obj):`(?P<tilde>~?)(?P<target>[^`]+)`")
_BLOCKING_METHOD = re.compile(
    r"_Blocking(?P<iter>Iter)?\(AsyncClient\.(?P<name>\w+)(?:, [^()]*)?\)"
)
# sync's openers: a session opener with the maker of its client, or a one-shot call.
_BLOCKING_OPENER = re.compile(
    r"_blocking_session\((?P<module>_\w+)\.(?P<name>\w+), _(?P<kind>core|live)_client\)"
    r"|_blocking\((?P<call_module>_\w+)\.(?P<call>\w+)\)"
)
_CONTEXT_MANAGERS = {
    "asynccontextmanager": "AbstractAsyncContextManager",
    "contextmanager": "AbstractContextManager",
}


def _lookup(scope: griffe.Object | griffe.Alias, path: str) -> griffe.Object | None:
    try:
        found = scope[path]
        target = found.final_target if found.is_alias else found
    except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None
    return target if isinstance(target, griffe.Object) else None


class RstToMarkdown(griffe.Extension):
    """Rewrites every docstring of a package once it is fully loaded (aliases resolved)."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        self._pkg = pkg
        # Objects the package re-exports are documented under their public name
        # (dlvclient.LoadConfig), not where they are defined (dlvclient._models.LoadConfig).
        self._public: dict[str, str] = {}
        for name in pkg.exports or ():
            target = _lookup(pkg, str(name))
            if target is not None:
                self._public[target.path] = f"{pkg.path}.{name}"
        for obj in self._objects(pkg):
            if isinstance(obj, griffe.Class):
                _bound_functions(obj)
            if isinstance(obj, griffe.Attribute) and obj.docstring is None:
                _field_description(obj)
        self._blocking_twins(pkg)
        for obj in self._objects(pkg):
            if isinstance(obj, griffe.Function):
                _as_context_manager(obj)
            if obj.docstring is not None:
                obj.docstring.value = self._convert(obj, obj.docstring.value)

    def _blocking_twins(self, pkg: griffe.Module) -> None:
        sync, asynchronous = _lookup(pkg, "sync"), _lookup(pkg, "_client")
        if not isinstance(sync, griffe.Module) or asynchronous is None:
            return
        client, async_client = _lookup(sync, "Client"), _lookup(asynchronous, "AsyncClient")
        if client is None or async_client is None:
            return
        for member in list(client.members.values()):
            if member.is_alias:  # an import: reading it would resolve it
                continue
            match = _BLOCKING_METHOD.fullmatch(str(getattr(member, "value", "")))
            original = _lookup(async_client, match["name"]) if match else None
            if match and isinstance(original, griffe.Function):
                returns = original.returns
                if match["iter"] and isinstance(returns, griffe.ExprSubscript):
                    returns = griffe.ExprSubscript("Iterator", returns.slice)
                _replace(client, member, original, returns, original.docstring)
        for member in list(sync.members.values()):
            if member.is_alias:
                continue
            match = _BLOCKING_OPENER.fullmatch(str(getattr(member, "value", "")))
            if match is None:
                continue
            module = _lookup(pkg, match["module"] or match["call_module"])
            original = _lookup(module, match["name"] or match["call"]) if module else None
            if not isinstance(original, griffe.Function):
                continue
            if match["kind"]:
                client_name = "Client" if match["kind"] == "core" else "LiveClient"
                client = griffe.ExprName(client_name, parent=sync)
                returns: str | griffe.Expr | None = griffe.ExprSubscript(
                    "AbstractContextManager", client
                )
            else:  # a coroutine function's annotation is what the blocking call returns
                returns = original.returns
            _replace(sync, member, original, returns, member.docstring)

    def _objects(self, obj: griffe.Object) -> list[griffe.Object]:
        out = [obj]
        for member in obj.members.values():
            if not member.is_alias:
                out.extend(self._objects(member))  # type: ignore[arg-type]
        return out

    def _public_path(self, obj: griffe.Object) -> str:
        parts: list[str] = []
        current: griffe.Object | None = obj
        while current is not None:
            if current.path in self._public:
                return ".".join([self._public[current.path], *reversed(parts)])
            parts.append(current.name)
            current = current.parent
        return obj.path

    def _resolve(self, obj: griffe.Object, target: str) -> str | None:
        scopes: list[griffe.Object] = []
        scope: griffe.Object | None = obj
        while scope is not None:
            scopes.append(scope)
            scope = scope.parent
        relative = target.removeprefix(f"{self._pkg.path}.")
        for candidate_scope in scopes:
            found = _lookup(candidate_scope, relative)
            if found is not None:
                return self._public_path(found)
        return None

    def _role(self, obj: griffe.Object, match: re.Match[str]) -> str:
        target = match["target"].strip().removesuffix("()")
        shown = target.rsplit(".", 1)[-1] if match["tilde"] else target
        code = f"<code>{shown}</code>"
        identifier = self._resolve(obj, target)
        if identifier is None:
            return code
        return f'<autoref identifier="{identifier}" optional>{code}</autoref>'

    def _convert(self, obj: griffe.Object, text: str) -> str:
        text = _ROLE.sub(lambda m: self._role(obj, m), text)
        return _fence_doctests(text)


def _field_description(attribute: griffe.Attribute) -> None:
    value = attribute.value
    if not (isinstance(value, griffe.ExprCall) and str(value.function) == "Field"):
        return
    for argument in value.arguments:
        if isinstance(argument, griffe.ExprKeyword) and argument.name == "description":
            try:
                text = ast.literal_eval(str(argument.value))
            except (ValueError, SyntaxError):
                return
            if isinstance(text, str):
                attribute.docstring = griffe.Docstring(text, parent=attribute)


def _bound_functions(cls: griffe.Class) -> None:
    for member in list(cls.members.values()):
        if member.is_alias or not isinstance(member, griffe.Attribute):
            continue
        value = member.value
        function = _lookup(cls.module, value.name) if isinstance(value, griffe.ExprName) else None
        if isinstance(function, griffe.Function) and len(function.parameters) > 0:
            # The first parameter becomes ``self``: the method's own signature lacks it.
            parameters = griffe.Parameters(*list(function.parameters)[1:])
            method = _replace(cls, member, function, function.returns, function.docstring)
            method.parameters = parameters
            method.labels |= function.labels


def _replace(
    parent: griffe.Object,
    member: griffe.Object | griffe.Alias,
    original: griffe.Function,
    returns: str | griffe.Expr | None,
    docstring: griffe.Docstring | None,
) -> griffe.Function:
    """Put a function with ``original``'s parameters in place of ``member``; return it."""
    twin = griffe.Function(
        member.name,
        lineno=member.lineno,
        endlineno=member.endlineno,
        parameters=original.parameters,
        returns=returns,
    )
    if docstring is not None:
        twin.docstring = griffe.Docstring(
            docstring.value,
            lineno=docstring.lineno,
            endlineno=docstring.endlineno,
            parent=twin,
            parser=docstring.parser,
            parser_options=docstring.parser_options,
        )
    parent.set_member(member.name, twin)
    return twin


def _as_context_manager(function: griffe.Function) -> None:
    decorators = {str(d.value).rsplit(".", 1)[-1] for d in function.decorators}
    for decorator, manager in _CONTEXT_MANAGERS.items():
        returns = function.returns
        if decorator in decorators and isinstance(returns, griffe.ExprSubscript):
            function.returns = griffe.ExprSubscript(manager, returns.slice)
            function.labels.discard("async")


def _fence_doctests(text: str) -> str:
    """Wrap each run of ``>>>``/``...`` lines (and the output after them) in a pycon block."""
    out: list[str] = []
    in_example = False
    for line in text.splitlines():
        if line.lstrip().startswith(">>>") and not in_example:
            out.append("```pycon")
            in_example = True
        elif in_example and not line.strip():
            out.append("```")
            in_example = False
        out.append(line)
    if in_example:
        out.append("```")
    return "\n".join(out)
