"""R3: every operation of the OpenAPI document, fuzzed (schemathesis on Hypothesis) anonymously
and with each role's token, against the real system as processes: no answer is a 5xx (and the
anonymous requests, sent with `Accept-Language: en`, are refused in English).

Each generated request (valid and invalid, per the document) is sent once as each role and once
without a token. Half of the cases of an operation with path ids aim at real objects of the
fuzzing tenant (made through the API, objects.py) rather than made-up ids, so the operations run
their business rules, not only their "not found". `R3_EXAMPLES` bounds the cases per operation
and mode (valid, invalid): the default keeps the run within the CI budget.
"""

from __future__ import annotations

import os
import re
import time
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import errors as hypothesis_errors
from hypothesis import strategies as st
from objects import kind_of, make_objects
from people import ROLES, login, tenant_with_every_role
from schemathesis.generation.modes import GenerationMode

from conftest import FIGURES

EXAMPLES = int(os.environ.get("R3_EXAMPLES", "6"))
# Operations that end the caller's own session: sent with a fresh login each time, so the
# fuzzing people stay logged in for the operations after them.
SESSION_ENDING = {"logout"}
CHINESE = re.compile("[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def fuzz_tenant(platform, anon):
    return tenant_with_every_role(anon, platform.sms_server, "模糊测试商贸")


@pytest.fixture(scope="module")
def fuzz_objects(fuzz_tenant):
    return make_objects(fuzz_tenant)


def real_path_ids(operation, objects: dict[str, str]) -> dict[str, str] | None:
    names = re.findall(r"\{(\w+)\}", operation.path)
    kinds = {name: kind_of(operation.path, name) for name in names}
    if not names or not all(kinds.get(n) in objects for n in names):
        return None
    return {name: objects[kinds[name]] for name in names}


def in_english(response) -> bool:
    """The error's words (message and field messages; field names are the client's own). A
    plain-text 400 of the HTTP server itself (waitress, for a malformed Content-Length) never
    reaches the app and has no words of ours; nor has a callback's answer to WeChat Pay or Dada."""
    if "json" not in response.headers.get("Content-Type", ""):
        return True
    body = response.json()
    if "error" not in body:
        # A provider's callback (B6 B12) is answered in the provider's format, for its servers.
        return True
    error = body["error"]
    return not any(CHINESE.search(text) for text in (error["message"], *error["fields"].values()))


def describe(platform, case, response, who: str) -> str:
    """What was sent, what came back, and what the processes logged about it (the cause)."""
    request_id = response.headers.get("X-Request-Id", "")
    time.sleep(0.5)  # a service logs its error as it answers: let the line reach the file
    cause = [
        line[-1500:]
        for p in platform.procs.values()
        for line in p.log_path.read_text(errors="replace").splitlines()
        if request_id and request_id in line and "gateway.access" not in line
    ]
    return (
        f"{case.operation.method.upper()} {case.operation.path} as {who}: {response.status_code}\n"
        f"  sent: {case.as_curl_command()[:600]}\n  logged: {cause[:2]}"
    )


# Thousands of requests in one test: the suite-wide 300 s limit is for one journey.
@pytest.mark.timeout(1800)
def test_r3_no_operation_answers_5xx_to_anyone(platform, anon, fuzz_tenant, fuzz_objects):
    schema = schemathesis.openapi.from_url(f"{platform.gateway_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: list[str] = []
    requests_made = 0

    def send(case) -> None:
        nonlocal requests_made
        for who in (*ROLES, "anonymous"):
            token = fuzz_tenant.apis[who].token if who != "anonymous" else None
            if token and case.operation.definition.raw.get("operationId") in SESSION_ENDING:
                token = login(anon, fuzz_tenant.phones[who])
            headers = {"Idempotency-Key": uuid.uuid4().hex}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            else:
                # Anonymous asks in English: every refusal (401 TOKEN_MISSING above all) must be.
                headers["Accept-Language"] = "en"
            response = case.call(base_url=platform.gateway_url, headers=headers, timeout=30)
            requests_made += 1
            FIGURES[f"R3 answers {response.status_code // 100}xx"] += 1
            if response.status_code >= 500:
                failures.append(describe(platform, case, response, who))
            elif not token and response.status_code >= 400 and not in_english(response):
                failures.append(f"not in English: {describe(platform, case, response, who)}")

    for operation in operations:
        ids = real_path_ids(operation, fuzz_objects)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            if ids is not None:
                strategy = st.one_of(strategy, operation.as_strategy(generation_mode=mode, path_parameters=ids))

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def fuzz(case):
                send(case)

            try:
                fuzz()
            except hypothesis_errors.Unsatisfiable:
                pass  # nothing to make invalid in this operation (no parameters, no body)
        FIGURES["R3 operations fuzzed"] += 1

    FIGURES["R3 requests"] += requests_made
    FIGURES["R3 5xx"] += len(failures)
    assert requests_made > len(operations) * len(ROLES)
    assert failures == [], "\n".join(failures[:50])
