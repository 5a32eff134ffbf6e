"""G1 G4 G3 in the admin's 打印机 page: the owner adds a network printer (a local TCP listener stands
in for it), test-prints it, an order's receipt prints on it, and the queue shows the job, reprinted
from there with 补打 on the paper; the store's auto-accept is switched on beside auto-print."""

from __future__ import annotations

import time
import uuid

from playwright.sync_api import expect

from conftest import admin_login, api_call, api_token, shot
from printing.escpos_reader import read
from printing.fake_printer import PrinterListener

OWNER = "13800000000"


def field(page, test: str):
    """An Element Plus input by its data-test (on the <input> itself or on its wrapper)."""
    return page.locator(f"input[data-test={test}], [data-test={test}] input").first


def wait_for(listener: PrinterListener, count: int, timeout: float = 20) -> list[bytes]:
    deadline = time.monotonic() + timeout
    while len(listener.jobs()) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(listener.jobs()) >= count, f"the printer received {len(listener.jobs())} jobs, not {count}"
    return listener.jobs()


def test_g1_a_printer_added_test_printed_and_its_queue_reprinted(platform, desktop):
    owner = api_token(platform, OWNER)
    store = api_call(platform, owner, "GET", "/api/v1/stores")["stores"][0]
    name = f"前台{uuid.uuid4().hex[:4]}"
    listener = PrinterListener().start()
    try:
        page = desktop
        admin_login(page, platform.base_url, OWNER)
        page.get_by_role("menuitem", name="打印机").click()
        expect(page.locator("[data-test=printer-store]")).to_contain_text(store["name"])

        # A printer without a name is refused on the field; with one it is listed.
        page.locator("[data-test=add-printer]").click()
        form = page.locator("[data-test=printer-form]")
        field(page, "printer-host").fill("127.0.0.1")
        field(page, "printer-port").fill(str(listener.port))
        page.locator("[data-test=save-printer]").click()
        expect(form.locator(".el-form-item__error").first).to_be_visible()
        field(page, "printer-name").fill(name)
        page.locator("[data-test=save-printer]").click()
        expect(page.locator("[data-test=printers]")).to_contain_text(name)
        expect(page.locator("[data-test=printers]")).to_contain_text(f"127.0.0.1:{listener.port}")
        expect(page.locator("[data-test=printers]")).to_contain_text("前台小票")

        page.locator(f"[data-test='test-{name}']").click()
        [test_page] = wait_for(listener, 1)
        printed = read(test_page)
        assert "打印测试" in printed.text and name in printed.text and "中" * 24 in printed.lines

        order_no = f"TA{uuid.uuid4().hex[:6].upper()}"
        ticket = {
            "store_id": store["id"],
            "order_id": uuid.uuid4().hex,
            "order_no": order_no,
            "kind": "in_store",
            "lines": [{"product_id": "p-1", "name": "招牌奶茶", "quantity": 2, "amount_fen": 2400}],
            "subtotal_fen": 2400,
            "paid_fen": 2400,
            "verification_code": "5566",
        }
        api_call(platform, owner, "POST", "/api/v1/print-jobs", json=ticket)
        receipt = read(wait_for(listener, 2)[1])
        assert "到店订单" in receipt.text and "招牌奶茶" in receipt.text and receipt.qr == ["5566"]

        page.get_by_role("tab", name="打印队列").click()
        jobs = page.locator("[data-test=print-jobs]")
        expect(jobs).to_contain_text(order_no)
        expect(jobs).to_contain_text("已打印")
        page.locator(f"[data-test='reprint-{order_no}']").click()
        again = read(wait_for(listener, 3)[2])
        assert "【补打】" in again.text and "招牌奶茶" in again.text

        # G3: the store turns auto-accept on beside auto-print; the worker reads it per order.
        page.get_by_role("tab", name="打印设置").click()
        expect(page.get_by_text("外卖、到店订单付款后自动接单")).to_be_visible()
        page.locator("[data-test=auto-accept]").click()
        page.locator("[data-test=save-print-settings]").click()
        expect(page.get_by_text("已保存").first).to_be_visible()
        saved = api_call(platform, owner, "GET", f"/api/v1/printers/settings?store_id={store['id']}")
        assert (saved["auto_accept"], saved["auto_print"]) == (True, True)
        shot(page, "g1-printers")
    finally:
        listener.stop()
