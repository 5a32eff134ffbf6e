"""Issue 15 over HTTP, every service a real process (and in the embedded mode): a merchant with a
counter and a kitchen printer (local TCP listeners) turns on auto-accept and auto-print; a
customer logs in by SMS code, places a takeaway order and pays through the fake WeChat Pay, whose
notification arrives twice → one paid order; the merchant's open app hears of it within 2 s;
printing's worker accepts it and prints the receipt at the counter (items in Chinese, totals) and
only the hot dishes in the kitchen; the order is handed to the fake Dada, whose callback completes
it. An in-store order is verified by its code once. A partial refund of the takeaway is asked for,
the merchant is alerted and approves, WeChat Pay's refund notification settles it; a face-to-face
order's refund request is refused by name. Forged and altered notifications, refunds over what
was paid, wrong-state steps and another tenant's reach change nothing."""

from __future__ import annotations

import time
import uuid

from client import Api, eventually
from journey import PASSWORD, client_address, create_staff, login, notifications, phone, sign_up, sms_code
from open_app import ALERT_WITHIN_SECONDS, OpenApp

from printing.escpos_reader import read
from printing.fake_printer import PrinterListener

WECHATPAY = "orders.payments.fake_server"
DADA = "orders.delivery.fake_server"


def ok(resp, status=200) -> dict:
    assert resp.status_code == status, resp.text
    return resp.json()


def customer_session(anon: Api, tenant_id: str, platform) -> Api:
    """A shop customer logged in by SMS code (B6), the code read from the fake SMS provider."""
    number, source = phone(), {"X-Forwarded-For": client_address()}
    before = len(platform.sms_server.messages(phone=number))
    sent = anon.post("/api/v1/shop/login/code", json={"tenant_id": tenant_id, "phone": number}, headers=source)
    ok(sent, 202)
    code = sms_code(number, after=before, platform=platform)
    login_body = {"tenant_id": tenant_id, "phone": number, "code": code}
    return anon.as_(ok(anon.post("/api/v1/shop/login", json=login_body, headers=source))["access_token"])


def place(customer: Api, body: dict) -> dict:
    return ok(customer.post("/api/v1/shop/orders", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}), 201)


def pay_by_wechat(customer: Api, order: dict) -> dict:
    return ok(customer.post(f"/api/v1/shop/orders/{order['id']}/pay", json={"method": "wechat", "openid": "o-j"}))


def out_trade_no(order: dict) -> str:
    return order["id"].replace("-", "")


def merchant(platform, anon: Api) -> dict:
    """A merchant of its own (a noodle shop): two categories, three dishes in stock, a store manager."""
    signed = sign_up(anon, "三号面馆")
    owner = anon.as_(login(anon, signed["owner_phone"]))
    store = signed["head_store"]["id"]
    manager = create_staff(owner, "陈店长", ["store_manager"], store, password=PASSWORD)
    hot = ok(owner.post("/api/v1/categories", json={"name": "热菜"}), 201)["id"]
    drink = ok(owner.post("/api/v1/categories", json={"name": "饮品"}), 201)["id"]
    products = {}
    for name, category, price in (("宫保鸡丁", hot, 1800), ("牛肉拉面", hot, 1500), ("柠檬茶", drink, 800)):
        body = {"name": name, "unit": "份", "wholesale_price_fen": price, "kind": "goods", "listed": True}
        product = ok(owner.post("/api/v1/products", json={**body, "category_id": category}), 201)
        ok(owner.put(f"/api/v1/products/{product['id']}/stock/{store}", json={"quantity": 100, "reason": "期初"}))
        products[name] = product["id"]
    tenant_id = ok(owner.get("/api/v1/me"))["tenant_id"]
    return {
        "owner": owner,
        "manager": anon.as_(login(anon, manager["phone"])),
        "store": store,
        "tenant_id": tenant_id,
        "hot": hot,
        "products": products,
    }


def printer(store: str, name: str, port: int, role: str = "counter", **more) -> dict:
    body = {"store_id": store, "name": name, "kind": "network", "role": role, "paper_mm": 80}
    return {**body, "host": "127.0.0.1", "port": port, **more}


def test_b6_b8_b12_g3_f4_a_takeaway_paid_twice_is_one_order_accepted_printed_delivered_and_refunded(platform):
    anon = Api(platform.gateway_url)
    shop = merchant(platform, anon)
    manager, store, dishes = shop["manager"], shop["store"], shop["products"]
    wechat, dada = platform.fakes[WECHATPAY].fake, platform.fakes[DADA].fake
    counter_l, kitchen_l = PrinterListener().start(), PrinterListener().start()
    try:
        ok(manager.post("/api/v1/printers", json=printer(store, "前台", counter_l.port)), 201)
        kitchen = printer(store, "后厨", kitchen_l.port, role="kitchen", category_ids=[shop["hot"]])
        ok(manager.post("/api/v1/printers", json=kitchen), 201)
        settings = {"store_id": store, "stale_after_minutes": 30, "offline_after_failures": 3}
        ok(manager.put("/api/v1/printers/settings", json={**settings, "auto_print": True, "auto_accept": True}))
        app = OpenApp(manager)
        customer = customer_session(anon, shop["tenant_id"], platform)

        takeaway = place(
            customer,
            {
                "store_id": store,
                "kind": "takeaway",
                "lines": [
                    {"product_id": dishes["宫保鸡丁"], "quantity": 2, "spec": "少辣"},
                    {"product_id": dishes["柠檬茶"], "quantity": 1},
                ],
                "contact_name": "王先生",
                "contact_phone": "13812348000",
                "address": "朝阳区建国路88号",
                # Picked on the map in the mini-program (GCJ-02): where Dada sends the rider.
                "latitude": 39.9087,
                "longitude": 116.4605,
                "note": "不要香菜",
            },
        )
        assert (takeaway["state"], takeaway["total_fen"]) == ("awaiting_payment", 4400)
        assert (takeaway["latitude"], takeaway["longitude"]) == (39.9087, 116.4605)
        params = pay_by_wechat(customer, takeaway)["pay_params"]
        assert params["package"].startswith("prepay_id=") and params["signType"] == "RSA"

        # WeChat Pay notifies twice: one paid order, one alert, one receipt.
        started = time.monotonic()
        deliveries = wechat.pay(out_trade_no(takeaway), times=2)
        assert [d.status for d in deliveries] == [200, 200] or [d.status for d in deliveries] == [204, 204]
        alerts, taken = app.wait_for_alert(started)
        assert taken <= ALERT_WITHIN_SECONDS, taken
        assert [a["kind"] for a in alerts] == ["storefront_order"] and takeaway["number"] in alerts[0]["title"]

        # G3: accepted and printed with nobody at a screen.
        accepted = eventually(
            lambda: (o := ok(manager.get(f"/api/v1/storefront/orders/{takeaway['id']}")))["state"] == "accepted" and o,
            timeout=20,
        )
        assert accepted["paid_fen"] == 4400 and accepted["payment_method"] == "wechat"
        assert eventually(lambda: counter_l.jobs() and kitchen_l.jobs(), timeout=20)
        time.sleep(1.5)
        assert len(counter_l.jobs()) == 1 and len(kitchen_l.jobs()) == 1
        receipt = read(counter_l.jobs()[0])
        for text in ("外卖订单", takeaway["number"], "宫保鸡丁", "柠檬茶", "不要香菜", "138****8000"):
            assert text in receipt.text, text
        totals = {line.split()[0]: line.split()[-1] for line in receipt.lines if line.startswith(("小计", "实付"))}
        assert totals == {"小计": "44.00", "实付": "44.00"}
        slip = read(kitchen_l.jobs()[0]).text
        assert "宫保鸡丁" in slip and "柠檬茶" not in slip and "44.00" not in slip

        # B12: handed to Dada, whose delivered callback completes it.
        handed = ok(manager.post(f"/api/v1/storefront/orders/{takeaway['id']}/delivery"))
        assert handed["state"] == "delivering" and handed["delivery"]["provider"] == "dada"
        assert dada.handed(takeaway["id"]) == ((39.9087, 116.4605), 1.0)
        dada.advance(takeaway["id"], 2)
        dada.advance(takeaway["id"], 4)
        done = eventually(
            lambda: (o := ok(customer.get(f"/api/v1/shop/orders/{takeaway['id']}")))["state"] == "done" and o,
            timeout=20,
        )
        assert done["delivery"]["status"] == "delivered" and done["delivery"]["rider_name"]

        # B8: a partial refund asked, the merchant alerted and approving, WeChat Pay's notice settles it.
        over = customer.post(
            f"/api/v1/shop/orders/{takeaway['id']}/refunds", json={"amount_fen": 4500, "reason": "多收"}
        )
        assert over.status_code == 400 and "amount_fen" in over.json()["error"]["fields"], over.text
        started = time.monotonic()
        asked = ok(
            customer.post(
                f"/api/v1/shop/orders/{takeaway['id']}/refunds", json={"amount_fen": 800, "reason": "少了柠檬茶"}
            )
        )
        [refund] = asked["refunds"]
        alerts, taken = app.wait_for_alert(started)
        assert taken <= ALERT_WITHIN_SECONDS and [a["kind"] for a in alerts] == ["storefront_refund"], (alerts, taken)
        path = f"/api/v1/storefront/orders/{takeaway['id']}/refunds/{refund['id']}"
        approved = ok(manager.post(f"{path}/approve", json={"amount_fen": 800}))
        assert approved["refunds"][0]["state"] == "approved"
        wechat.settle_refund(refund["id"].replace("-", ""), times=2)
        settled = eventually(
            lambda: (o := ok(customer.get(f"/api/v1/shop/orders/{takeaway['id']}")))["refunded_fen"] == 800 and o,
            timeout=20,
        )
        assert settled["refunds"][0]["state"] == "refunded" and settled["state"] == "done"
        assert len([n for n in notifications(manager) if n["kind"] == "storefront_order"]) == 1

        # A wrong-state step; another tenant reaches nothing.
        ship = manager.post(f"/api/v1/storefront/orders/{takeaway['id']}/actions/ship", json={"carrier": "顺丰"})
        assert ship.status_code in (400, 409), ship.text
        other = anon.as_(login(anon, sign_up(anon, "四号面馆")["owner_phone"]))
        assert other.get(f"/api/v1/storefront/orders/{takeaway['id']}").status_code == 404
        assert other.post(f"/api/v1/storefront/orders/{takeaway['id']}/delivery").status_code == 404
        assert ok(other.get("/api/v1/storefront/orders"))["items"] == []
    finally:
        counter_l.stop()
        kitchen_l.stop()


def test_b6_b7_b8_an_in_store_order_verifies_once_and_face_to_face_takes_no_refund(platform):
    anon = Api(platform.gateway_url)
    shop = merchant(platform, anon)
    manager, store, dishes = shop["manager"], shop["store"], shop["products"]
    wechat = platform.fakes[WECHATPAY].fake
    settings = {"store_id": store, "stale_after_minutes": 30, "offline_after_failures": 3, "auto_accept": True}
    ok(manager.put("/api/v1/printers/settings", json=settings))
    customer = customer_session(anon, shop["tenant_id"], platform)

    in_store = place(
        customer, {"store_id": store, "kind": "in_store", "lines": [{"product_id": dishes["牛肉拉面"], "quantity": 1}]}
    )
    pay_by_wechat(customer, in_store)
    wechat.pay(out_trade_no(in_store))
    confirmed = eventually(
        lambda: (o := ok(customer.get(f"/api/v1/shop/orders/{in_store['id']}")))["state"] == "confirmed" and o,
        timeout=20,
    )
    code = confirmed["verification_code"]
    assert code and confirmed["verification_qr"].endswith(code)
    verified = ok(
        manager.post("/api/v1/storefront/verify", json={"code": confirmed["verification_qr"], "store_id": store})
    )
    assert (verified["id"], verified["state"]) == (in_store["id"], "done")
    again = manager.post("/api/v1/storefront/verify", json={"code": code, "store_id": store})
    assert again.status_code == 409, again.text
    refused = customer.post(
        f"/api/v1/shop/orders/{in_store['id']}/refunds", json={"amount_fen": 100, "reason": "不想要了"}
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "REFUND_NOT_ACCEPTED", refused.text

    face = place(customer, {"store_id": store, "kind": "face_to_face", "amount_fen": 5000})
    pay_by_wechat(customer, face)
    wechat.pay(out_trade_no(face))
    assert eventually(lambda: ok(customer.get(f"/api/v1/shop/orders/{face['id']}"))["state"] == "done", timeout=20)
    refused = customer.post(f"/api/v1/shop/orders/{face['id']}/refunds", json={"amount_fen": 5000, "reason": "付错了"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "REFUND_NOT_ACCEPTED", refused.text
    assert ok(customer.get(f"/api/v1/shop/orders/{face['id']}"))["refunds"] == []


def test_b6_forged_and_altered_payment_notifications_change_nothing(platform):
    anon = Api(platform.gateway_url)
    shop = merchant(platform, anon)
    wechat = platform.fakes[WECHATPAY].fake
    customer = customer_session(anon, shop["tenant_id"], platform)
    order = place(
        customer,
        {
            "store_id": shop["store"],
            "kind": "in_store",
            "lines": [{"product_id": shop["products"]["柠檬茶"], "quantity": 2}],
        },
    )
    pay_by_wechat(customer, order)
    [forged] = wechat.pay(out_trade_no(order), forge=True)
    assert forged.status >= 400
    found = ok(customer.get(f"/api/v1/shop/orders/{order['id']}"))
    assert (found["state"], found["paid_fen"]) == ("awaiting_payment", 0)

    second = place(
        customer,
        {
            "store_id": shop["store"],
            "kind": "in_store",
            "lines": [{"product_id": shop["products"]["柠檬茶"], "quantity": 1}],
        },
    )
    pay_by_wechat(customer, second)
    [altered] = wechat.pay(out_trade_no(second), tamper_payer_total_fen=1)
    assert altered.status >= 400
    found = ok(customer.get(f"/api/v1/shop/orders/{second['id']}"))
    assert (found["state"], found["paid_fen"]) == ("awaiting_payment", 0)
    # Bad input names the field and writes nothing.
    bad = customer.post(
        "/api/v1/shop/orders",
        json={
            "store_id": shop["store"],
            "kind": "takeaway",
            "lines": [{"product_id": shop["products"]["柠檬茶"], "quantity": 1}],
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert bad.status_code == 400 and "address" in bad.json()["error"]["fields"], bad.text
    assert ok(customer.get("/api/v1/shop/orders"))["total"] == 2
