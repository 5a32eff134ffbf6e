"""E2 P2 (ADR 0021): a queued claim's stream entry carries everything the writer needs, and an
entry that does not parse is told apart (left pending for a writer that can read it)."""

from datetime import UTC, datetime, timedelta

from coupons.service.claims_stream import PendingClaim, _claim, _deliveries

AT = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def pending(**overrides) -> PendingClaim:
    fields = {
        "id": "5f0c8a52-0000-4000-8000-000000000001",
        "tenant_id": "t-1",
        "template_id": "tpl-1",
        "template_name": "满100减20",
        "holder": "p:13900000001",
        "phone": "13900000001",
        "code": "1234567890123452",
        "claimed_at": AT,
        "valid_from": AT,
        "valid_until": AT + timedelta(days=30),
        "channel": "claim",
        "request_id": "req-1",
    }
    return PendingClaim(**(fields | overrides))


def entry(claim: PendingClaim, seq: int) -> dict[str, str]:
    # As the script writes it: `seq` first, then the claim's own fields.
    names_and_values = ["seq", str(seq), *claim.fields()]
    return dict(zip(names_and_values[::2], names_and_values[1::2], strict=True))


def test_e2_an_entry_reads_back_as_the_claim_with_the_slot_the_script_gave():
    claim = pending()
    assert _claim(entry(claim, 2)) == PendingClaim(**{**claim.__dict__, "seq": 2})


def test_e2_times_keep_their_zone_and_an_empty_request_id_stays_empty():
    got = _claim(entry(pending(request_id=""), 1))
    assert got.valid_until == AT + timedelta(days=30) and got.valid_until.tzinfo is not None
    assert got.request_id == ""


def test_e2_an_entry_that_does_not_parse_is_delivered_without_a_claim():
    broken = entry(pending(), 1) | {"at": "yesterday"}
    missing = {k: v for k, v in entry(pending(), 1).items() if k != "c"}
    deliveries = _deliveries([("1-0", broken), ("2-0", missing), ("3-0", entry(pending(), 1)), ("4-0", {})])
    assert [(d.entry_id, d.claim is None) for d in deliveries] == [("1-0", True), ("2-0", True), ("3-0", False)]
