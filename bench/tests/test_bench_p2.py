"""P2 bench's own logic (issue 6): reading redis-benchmark's output, the load generator's HTTP
and phone numbers, and /proc parsing. No timing is asserted."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import claims
from bench.baselines import parse_redis_benchmark_csv
from bench.cpu import parse_proc_stat
from coupons.service.coupons_claims import PHONE

REDIS_7 = (
    '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms",'
    '"max_latency_ms"\n'
    '"EVALSHA a88f 2 bench-p2-1:stock bench-p2-1:held p:__rand_int__ 1000000000","48019.21","14.612","5.240",'
    '"13.375","25.343","33.759","49.471"\n'
)


def test_redis_benchmark_csv_of_redis_7_gives_the_rps_column():
    assert parse_redis_benchmark_csv(REDIS_7) == 48019.21


def test_redis_benchmark_csv_of_redis_6_without_a_header_gives_the_second_column():
    assert parse_redis_benchmark_csv('"EVALSHA abc 0","51234.50"\n') == 51234.50


@pytest.mark.parametrize("out", ["", "ERR unknown command\n", '"test","rps"\n"A","1"\n"B","2"\n', '"A","fast"\n'])
def test_redis_benchmark_output_that_is_not_one_figure_is_refused(out):
    with pytest.raises(RuntimeError, match="redis-benchmark"):
        parse_redis_benchmark_csv(out)


def test_response_head_gives_status_and_content_length_whatever_the_header_case():
    head = b"HTTP/1.1 201 Created\r\nServer: crm-gateway\r\ncontent-LENGTH: 42\r\n\r\n"
    assert claims.parse_head(head) == (201, 42)
    assert claims.parse_head(b"HTTP/1.0 409 CONFLICT\r\n\r\n") == (409, None)
    with pytest.raises(ValueError):
        claims.parse_head(b"SSH-2.0-OpenSSH\r\n\r\n")


def test_phones_of_a_run_are_distinct_mobile_numbers_the_coupons_service_accepts():
    phones = [claims.phone_for(9, n) for n in (0, 1, 999_999_999)] + [claims.phone_for(8, 0)]
    assert len(set(phones)) == len(phones)
    assert all(PHONE.match(p) for p in phones)
    with pytest.raises(ValueError):
        claims.phone_for(2, 0)


def test_only_a_201_counts_as_a_claim_and_sold_out_is_told_apart_from_failures():
    assert claims.outcome(201, b"{}") == claims.OK
    assert claims.outcome(409, b'{"error": {"code": "COUPON_SOLD_OUT"}}') == claims.SOLD_OUT
    assert claims.outcome(409, b'{"error": {"code": "COUPON_PER_PERSON_LIMIT"}}') == claims.FAILED
    assert claims.outcome(429, b"") == claims.FAILED


def test_proc_stat_name_may_hold_spaces_and_parentheses():
    text = "4242 (postgres: a (b)) S 1 2 3 4 5 6 7 8 9 10 250 150 0 0 20 0 1 0\n"
    name, seconds = parse_proc_stat(text)
    assert name == "postgres: a (b)"
    assert seconds > 0


class _FakeClaimLink(BaseHTTPRequestHandler):
    """Answers like the gateway's claim: 201 for a new phone, 409 per-person for a repeat."""

    seen: list[str] = []
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 - http.server's name
        phone = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["phone"]
        with self.lock:
            repeat = phone in self.seen
            self.seen.append(phone)
        body = b'{"error": {"code": "COUPON_PER_PERSON_LIMIT"}}' if repeat else b'{"id": "c"}'
        self.send_response(409 if repeat else 201)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_concurrent_claimers_each_claim_with_a_new_phone_and_every_answer_is_counted():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeClaimLink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/v1/public/coupons/tok/claim"
        result = claims.claims(url, clients=20, seconds=0.3, run_digit=9)
    finally:
        server.shutdown()
        server.server_close()
    assert result.ok == len(_FakeClaimLink.seen) > 0
    assert result.failed == 0 and result.sold_out == 0
    assert len(result.latencies) == result.ok
    assert result.peak_clients == 20
    assert 0 < result.mean_clients <= 20
