"""Issue 12, item 4: the whiteboard of boundaries holds, in code and in tests. Services meet only
through proto and events (a service imports no other service, nor the gateway or the launcher),
the gateway reaches services only through their generated stubs (`crm.<service>.v1`), and the
runtime, crmkit, knows no service. Only the launcher and the bench harness may import every
service. Read with `ast` from the source: nothing is imported to check it."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (REPO / "services").iterdir() if (p / p.name / "__init__.py").exists())
# Code that composes the whole platform and may therefore import every part of it.
COMPOSERS = ("launcher", "bench")


def _python_files(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.rglob("*.py")) if "migrations" not in p.parts]


def _owners() -> dict[str, Path]:
    """Each part of the platform and its folder: a service (code and tests), the gateway, crmkit."""
    parts = {name: REPO / "services" / name for name in SERVICES}
    parts["gateway"] = REPO / "gateway"
    parts["crmkit"] = REPO / "libs" / "crmkit"
    return parts


def _helper_modules() -> dict[str, str]:
    """Test helper modules (`orders_testkit`, `gateway_fakes`, ...) by name, with their owner: a
    test importing another part's helpers reaches into its internals as surely as its code."""
    helpers = {}
    for owner, folder in _owners().items():
        for path in _python_files(folder):
            if "tests" in path.relative_to(folder).parts and path.stem not in ("conftest", "__init__"):
                helpers[path.stem] = owner
    return helpers


def _imported(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def _forbidden(owner: str, module: str, helpers: dict[str, str]) -> bool:
    top = module.split(".")[0]
    if top in COMPOSERS:
        return True
    if top in SERVICES or top == "gateway":
        return top != owner
    if top in helpers:
        return helpers[top] != owner
    return False


def crossings() -> list[str]:
    helpers = _helper_modules()
    found = []
    for owner, folder in _owners().items():
        for path in _python_files(folder):
            for line, module in _imported(path):
                if _forbidden(owner, module, helpers):
                    found.append(f"{path.relative_to(REPO)}:{line}: {owner} imports {module}")
    return found


def test_i12_services_gateway_and_crmkit_import_only_what_they_may():
    assert crossings() == []


def test_i12_the_check_knows_every_service_and_sees_a_crossing():
    assert SERVICES == ["coupons", "customers", "identity", "marketing", "messaging", "orders", "printing"]
    helpers = _helper_modules()
    assert helpers["orders_testkit"] == "orders" and helpers["gateway_fakes"] == "gateway"
    # What the check would say of the three crossings issue 12 found in the tests.
    assert _forbidden("orders", "coupons.service.redemption", helpers)
    assert _forbidden("gateway", "coupons.domain", helpers)
    assert _forbidden("crmkit", "orders", helpers)
    assert _forbidden("coupons", "orders_testkit", helpers)
    # Proto stubs are the contract; the launcher alone composes services.
    assert not _forbidden("gateway", "crm.coupons.v1.coupons_pb2", helpers)
    assert not _forbidden("orders", "crm.coupons.v1.coupons_pb2_grpc", helpers)
    assert _forbidden("gateway", "launcher.cluster", helpers)


def test_i12_crmkit_speaks_a_service_contract_only_in_its_peer_adapters():
    """crmkit may use the shared messages (`crm.common.v1`) anywhere; a service's own contract
    (`crm.customers.v1`, ...) only in `crmkit/peers/`, the adapters services share (ADR 0013)."""
    kit = REPO / "libs" / "crmkit" / "crmkit"
    found = [
        f"{path.relative_to(REPO)}:{line}: {module}"
        for path in _python_files(kit)
        if "peers" not in path.relative_to(kit).parts
        for line, module in _imported(path)
        if module.startswith("crm.") and not module.startswith("crm.common.")
    ]
    assert found == []
