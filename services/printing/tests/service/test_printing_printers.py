"""G1: printers per store, several at once, network and FeieYun; the owner for every store, a store
manager for their own; nobody else, and no other tenant."""

import pytest
from printing_service_kit import cloud, network, sn

from crm.printing.v1 import printing_pb2 as pb
from crmkit.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from printing.service.printers import PrinterFields, check_printer


def test_g1_a_store_has_several_printers_of_both_kinds(printing, tenant, feie_server):
    counter = printing.call("CreatePrinter", network(tenant.store, 9100), token=tenant.manager)
    number = sn()
    kitchen = printing.call(
        "CreatePrinter",
        cloud(tenant.store, number, role="kitchen", name="后厨", category_ids=["c-hot", "c-hot", " "]),
        token=tenant.owner,
    )
    assert (counter.kind, counter.role, counter.paper_mm, counter.port, counter.online) == (
        "network",
        "counter",
        58,
        9100,
        True,
    )
    assert (kitchen.kind, kitchen.feie_sn, list(kitchen.category_ids)) == ("feieyun", number, ["c-hot"])
    # The key goes to FeieYun's account, never back to a client.
    assert kitchen.feie_key_set and not hasattr(kitchen, "feie_key")
    assert number in feie_server.fake.printers
    listed = printing.call("ListPrinters", pb.ListPrintersRequest(store_id=tenant.store), token=tenant.manager)
    assert {p.id for p in listed.printers} == {counter.id, kitchen.id}

    changed = network(tenant.store, 9101, name="前台二号", paper=80, enabled=False)
    updated = printing.call(
        "UpdatePrinter", pb.UpdatePrinterRequest(id=counter.id, printer=changed), token=tenant.owner
    )
    assert (updated.name, updated.port, updated.paper_mm, updated.enabled) == ("前台二号", 9101, 80, False)
    # An empty key keeps the stored one.
    same = cloud(tenant.store, number, role="kitchen", name="后厨", key="")
    assert printing.call("UpdatePrinter", pb.UpdatePrinterRequest(id=kitchen.id, printer=same), token=tenant.owner)

    printing.call("DeletePrinter", pb.DeletePrinterRequest(id=counter.id), token=tenant.owner)
    with pytest.raises(NotFound):
        printing.call("GetPrinter", pb.GetPrinterRequest(id=counter.id), token=tenant.owner)


def test_g1_a_store_manager_manages_only_their_stores_and_salespeople_none(printing, tenant):
    made = printing.call("CreatePrinter", network(tenant.store, 9100), token=tenant.owner)
    with pytest.raises(PermissionDenied) as denied:
        printing.call("CreatePrinter", network(tenant.other_store, 9100), token=tenant.manager)
    assert denied.value.code == "PRINTING_STORE_DENIED"
    with pytest.raises(NotFound):
        printing.call("GetPrinter", pb.GetPrinterRequest(id=made.id), token=tenant.other_manager)
    with pytest.raises(NotFound):
        printing.call("TestPrint", pb.TestPrintRequest(printer_id=made.id), token=tenant.other_manager)
    assert not printing.call("ListPrinters", pb.ListPrintersRequest(), token=tenant.other_manager).printers
    with pytest.raises(PermissionDenied) as sales:
        printing.call("ListPrinters", pb.ListPrintersRequest(), token=tenant.sales)
    assert sales.value.code == "PRINTING_ADMIN_ONLY"
    # The owner sees every store's printers.
    printing.call("CreatePrinter", network(tenant.other_store, 9100), token=tenant.other_manager)
    assert len(printing.call("ListPrinters", pb.ListPrintersRequest(), token=tenant.owner).printers) == 2


def test_g1_another_tenant_sees_nothing(printing, tenant):
    from printing_testkit import ref, staff_token

    made = printing.call("CreatePrinter", network(tenant.store, 9100), token=tenant.owner)
    stranger = staff_token(ref("t"), ref("o"), "owner")
    for method, request in (
        ("GetPrinter", pb.GetPrinterRequest(id=made.id)),
        ("TestPrint", pb.TestPrintRequest(printer_id=made.id)),
        ("DeletePrinter", pb.DeletePrinterRequest(id=made.id)),
        ("UpdatePrinter", pb.UpdatePrinterRequest(id=made.id, printer=network(tenant.store, 9100))),
    ):
        with pytest.raises(NotFound):
            printing.call(method, request, token=stranger)
    assert not printing.call("ListPrinters", pb.ListPrintersRequest(store_id=tenant.store), token=stranger).printers
    assert printing.call("GetPrinter", pb.GetPrinterRequest(id=made.id), token=tenant.owner).name == "前台"


def test_g1_wrong_fields_are_named_and_nothing_is_written(printing, tenant):
    bad = pb.PrinterInput(store_id=tenant.store, name="", kind="usb", role="bar", paper_mm=76)
    with pytest.raises(InvalidInput) as err:
        printing.call("CreatePrinter", bad, token=tenant.owner)
    assert err.value.fields == {
        "name": "validation.required",
        "kind": "validation.invalid_choice",
        "role": "validation.invalid_choice",
        "paper_mm": "validation.invalid_choice",
    }
    with pytest.raises(InvalidInput) as host:
        printing.call("CreatePrinter", network(tenant.store, 9100, host="a b"), token=tenant.owner)
    assert host.value.fields == {"host": "validation.invalid_host"}
    with pytest.raises(InvalidInput) as key:
        printing.call("CreatePrinter", cloud(tenant.store, sn(), key=""), token=tenant.owner)
    assert key.value.fields == {"feie_key": "validation.required"}
    # FeieYun refuses a wrong key: the merchant hears it at once.
    with pytest.raises(InvalidInput) as refused:
        printing.call("CreatePrinter", cloud(tenant.store, sn(), key="x"), token=tenant.owner)
    assert refused.value.code == "CLOUD_PRINTER_REFUSED"
    assert not printing.call("ListPrinters", pb.ListPrintersRequest(store_id=tenant.store), token=tenant.owner).printers


def test_g1_only_printer_ports_unless_a_test_cluster_allows_any():
    fields = PrinterFields(store_id="s", name="前台", kind="network", role="counter", paper_mm=80, host="10.0.0.5")
    assert check_printer(fields, any_port=False, key_required=True).port == 9100
    with pytest.raises(InvalidInput) as err:
        check_printer(PrinterFields(**{**fields.__dict__, "port": 6379}), any_port=False, key_required=True)
    assert err.value.fields == {"port": "validation.printer_port"}
    assert check_printer(PrinterFields(**{**fields.__dict__, "port": 6379}), any_port=True, key_required=True)
    # Categories and the store default only mean something for preparation printers.
    counter = check_printer(
        PrinterFields(**{**fields.__dict__, "category_ids": ("c",), "store_default": True}),
        any_port=False,
        key_required=True,
    )
    assert (counter.category_ids, counter.store_default) == ((), False)


def test_g1_cloud_printers_need_the_platforms_feieyun_account(database_url):
    from printing_testkit import ref

    from crmkit.auth import Actor
    from crmkit.db import utcnow
    from crmkit.settings import Settings
    from printing import server
    from printing.adapters.feieyun import FeieyunClient
    from printing.service import printers

    rt = server.build(Settings(service="printing", database_url=database_url), feieyun=FeieyunClient("", "", ""))
    try:
        owner = Actor(kind="staff", subject_id=ref("o"), tenant_id=ref("t"), roles=frozenset({"owner"}))
        fields = PrinterFields(
            store_id="s", name="云", kind="feieyun", role="counter", paper_mm=58, feie_sn="123456", feie_key="abcd"
        )
        with pytest.raises(DomainError) as err:
            printers.create_printer(
                rt.db, owner, fields, feieyun=FeieyunClient("", "", ""), any_port=False, now=utcnow()
            )
        assert err.value.code == "CLOUD_PRINTING_UNAVAILABLE"
    finally:
        rt.close()


def test_g4_store_settings_have_defaults_and_bounds(printing, tenant):
    got = printing.call("GetPrintSettings", pb.GetPrintSettingsRequest(store_id=tenant.store), token=tenant.manager)
    # G3: auto-print is on, auto-accept off until the merchant turns it on.
    assert (got.stale_after_minutes, got.offline_after_failures, got.auto_print, got.auto_accept) == (
        30,
        3,
        True,
        False,
    )
    wanted = pb.PrintSettings(store_id=tenant.store, stale_after_minutes=10, offline_after_failures=2, auto_print=False)
    assert printing.call("UpdatePrintSettings", wanted, token=tenant.manager) == wanted
    wanted = pb.PrintSettings(
        store_id=tenant.store, stale_after_minutes=10, offline_after_failures=2, auto_print=True, auto_accept=True
    )
    assert printing.call("UpdatePrintSettings", wanted, token=tenant.manager) == wanted
    got = printing.call("GetPrintSettings", pb.GetPrintSettingsRequest(store_id=tenant.store), token=tenant.owner)
    assert (got.auto_print, got.auto_accept) == (True, True)
    with pytest.raises(InvalidInput) as err:
        printing.call(
            "UpdatePrintSettings",
            pb.PrintSettings(store_id=tenant.store, stale_after_minutes=0, offline_after_failures=50),
            token=tenant.owner,
        )
    assert err.value.fields == {
        "stale_after_minutes": "validation.out_of_range",
        "offline_after_failures": "validation.out_of_range",
    }
    with pytest.raises(PermissionDenied):
        printing.call("GetPrintSettings", pb.GetPrintSettingsRequest(store_id=tenant.store), token=tenant.other_manager)
