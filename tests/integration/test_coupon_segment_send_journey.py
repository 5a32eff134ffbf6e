"""E2 E10 over HTTP with every service a real process: customers registered, a segment saved
through the gateway, a template's coupons sent to the segment (the coupons service streams the
members from the customers service with its own token): exactly one coupon per member, a retry
with the same send key issues nothing, and a salesperson's push reaches only own customers. Every
holder is texted once per coupon by the messaging worker (E2 E5: coupons.coupon_issued), read from
the fake SMS provider."""

from __future__ import annotations

from client import eventually
from journey import PASSWORD, create_staff, login, phone, sign_up


def ok(resp, status=200):
    assert resp.status_code == status, resp.text
    return resp.json()


def holders(api, template_id: str) -> list[str]:
    body = ok(api.get("/api/v1/coupons", params={"template_id": template_id, "page_size": 100}))
    return sorted(c["customer_id"] for c in body["coupons"])


def coupons_of(api, template_id: str) -> dict[str, str]:
    """customer id -> coupon code of one template's coupons."""
    body = ok(api.get("/api/v1/coupons", params={"template_id": template_id, "page_size": 100}))
    return {c["customer_id"]: c["code"] for c in body["coupons"]}


def coupon_texts(platform, phones: dict[str, str]) -> dict[str, list[tuple[str, str, str]]]:
    """customer id -> (template, coupon name, code) of every text the fake provider received."""
    return {
        customer_id: sorted(
            (m["template_code"], m["params"].get("name", ""), m["params"].get("code", ""))
            for m in platform.sms_server.messages(phone=number)
        )
        for customer_id, number in phones.items()
    }


def test_e2_e10_coupons_sent_to_a_saved_segment(platform, world):
    anon, other = world["anon"], world["other_owner"]
    # A tenant of its own: "one coupon per member" must not meet other journeys' customers.
    signed = sign_up(anon, "六号商贸")
    owner = anon.as_(login(anon, signed["owner_phone"]))
    store_id = signed["head_store"]["id"]
    seller = anon.as_(login(anon, create_staff(owner, "钱业务", ["salesperson"], store_id, password=PASSWORD)["phone"]))
    colleague = anon.as_(
        login(anon, create_staff(owner, "孙业务", ["salesperson"], store_id, password=PASSWORD)["phone"])
    )

    phones: dict[str, str] = {}

    def customer(api, name):
        number = phone()
        customer_id = ok(api.post("/api/v1/customers", json={"name": name, "phone": number}), 201)["id"]
        phones[customer_id] = number
        return customer_id

    mine = sorted(customer(seller, f"业务客户{i}") for i in range(3))
    theirs = customer(colleague, "同事的客户")
    segment = ok(owner.post("/api/v1/segments", json={"name": "全部客户", "filter": {}}), 201)

    template = {
        "name": "满50减5",
        "kind": "cash",
        "value_fen": 500,
        "valid_days": 30,
        "min_spend_fen": 5000,
        "total_quantity": 100,
        "per_person_limit": 1,
    }
    tpl = ok(owner.post("/api/v1/coupon-templates", json=template), 201)
    path = f"/api/v1/coupon-templates/{tpl['id']}/send-to-segment"

    # E2: the owner sends to every member: exactly one coupon each.
    sent = ok(owner.post(path, json={"segment_id": segment["id"], "send_key": "campaign-1"}))
    assert (sent["issued"], sent["skipped"], sent["finished"]) == (4, {}, True)
    assert holders(owner, tpl["id"]) == sorted([*mine, theirs])
    # The same request retried (a lost answer): the same send, nothing issued twice.
    again = ok(owner.post(path, json={"segment_id": segment["id"], "send_key": "campaign-1"}))
    assert (again["send_id"], again["issued"]) == (sent["send_id"], 4)
    assert len(holders(owner, tpl["id"])) == 4
    # A new send of the same template: everybody is at the per-person limit.
    second = ok(owner.post(path, json={"segment_id": segment["id"], "send_key": "campaign-2"}))
    assert (second["issued"], second["skipped"]) == (0, {"per_person_limit": 4})

    # E2: every holder was texted their coupon's name and code, once (the retried and the
    # refused sends issued nothing, so they texted nothing).
    codes = coupons_of(owner, tpl["id"])
    first_texts = {c: [("coupon_issued", "满50减5", codes[c])] for c in phones}
    assert eventually(lambda: coupon_texts(platform, phones) == first_texts, timeout=30), coupon_texts(platform, phones)

    # E10: a salesperson pushes another template to the segment: own customers only.
    push_tpl = ok(owner.post("/api/v1/coupon-templates", json={**template, "name": "业务专享"}), 201)
    pushed = ok(
        seller.post(
            f"/api/v1/coupon-templates/{push_tpl['id']}/send-to-segment",
            json={"segment_id": segment["id"], "send_key": "push-1"},
        )
    )
    assert pushed["issued"] == 3
    assert holders(owner, push_tpl["id"]) == mine
    # ... and only they get a second text, for the pushed coupon.
    push_codes = coupons_of(owner, push_tpl["id"])
    all_texts = {
        c: sorted(first_texts[c] + ([("coupon_issued", "业务专享", push_codes[c])] if c in mine else []))
        for c in phones
    }
    assert eventually(lambda: coupon_texts(platform, phones) == all_texts, timeout=30), coupon_texts(platform, phones)

    # Refusals: another tenant sees neither template nor segment; bad input names the field.
    assert other.post(path, json={"segment_id": segment["id"], "send_key": "x"}).status_code == 404
    bad = owner.post(path, json={"segment_id": segment["id"]})
    assert bad.status_code == 400 and "send_key" in bad.json()["error"]["fields"]
    unknown = owner.post(path, json={"segment_id": "no-such-segment", "send_key": "campaign-3"})
    assert unknown.status_code == 404, unknown.text
