"""Checks a service's own tests run over its source, read with `ast` (nothing is executed):
error codes are spelled only through its `ErrorCode` enumeration, and every event its
catalogue lists is built somewhere. Each answers a list of problems, empty when all is well,
naming file and line so a failure says where to look."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

from crmkit import errors
from crmkit.errors import ErrorCodeEnum
from crmkit.events import EventCatalogue


def _error_classes() -> set[str]:
    found, todo = set(), [errors.DomainError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


def _modules(package_dir: Path) -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(package_dir.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_text(node: ast.expr | None) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == name), None)


def error_code_problems(package_dir: Path, codes: type[ErrorCodeEnum]) -> list[str]:
    """Every DomainError the package builds takes its code from `codes` (or none: crmkit's
    default), never a string; its message key comes with the code, never as a string; and no
    module outside errors.py writes a code's value out by hand."""
    classes = _error_classes()
    values = {member.value: member.name for member in codes}
    problems = []
    for path, tree in _modules(package_dir):
        found: list[tuple[int, str]] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                callee = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if callee not in classes:
                    continue
                code, key = _argument(node, 0, "code"), _argument(node, 1, "message_key")
                if _is_text(code):
                    found.append((node.lineno, f"{callee} with a code written as text"))
                if (
                    isinstance(code, ast.Attribute)
                    and isinstance(code.value, ast.Name)
                    and code.value.id == codes.__name__
                    and code.attr not in codes.__members__
                ):
                    found.append((node.lineno, f"{codes.__name__}.{code.attr} is not declared"))
                if _is_text(key):
                    found.append((node.lineno, f"{callee} with a message key written as text"))
            elif path.name != "errors.py" and isinstance(node, ast.Constant) and node.value in values:
                found.append((node.lineno, f"{node.value!r} spelled out: use {codes.__name__}.{values[node.value]}"))
        where = path.relative_to(package_dir.parent)
        problems += [f"{where}:{line}: {text}" for line, text in sorted(found)]
    return problems


def missing_message_keys(codes: type[ErrorCodeEnum], i18n_dir: Path) -> list[str]:
    """The codes whose message key has no text in one of the gateway's catalogues."""
    missing = []
    for catalogue in sorted(i18n_dir.glob("*.json")):
        texts = json.loads(catalogue.read_text(encoding="utf-8"))
        missing += [f"{catalogue.name}: {m.name} -> {m.message_key}" for m in codes if m.message_key not in texts]
    return missing


def unbuilt_events(package_dir: Path, catalogue: EventCatalogue) -> list[str]:
    """Event types whose builder no module of the package (besides events.py) calls, as
    `events.<builder>` or imported from events: a listed event nobody publishes is a word
    without a use."""
    used: set[str] = set()
    for path, tree in _modules(package_dir):
        if path.name == "events.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "events":
                used.add(node.attr)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == "events":
                used.update(alias.name for alias in node.names)
    return sorted(t for t, build in catalogue.builders.items() if build.__name__ not in used)
