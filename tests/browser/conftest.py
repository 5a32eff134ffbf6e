"""Browser journeys (H6): the web apps in Debian's Chromium (Playwright for Python, no browser
download), against the embedded platform started as `make run` starts it (demo tenant seeded).

Each page records its console errors and failed requests; a test fails on any. A failing test
leaves a screenshot under build/browser/; `shot(page, name)` saves the main pages' screenshots
there too (copied into docs/screenshots/ when they change)."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, sync_playwright

from launcher.process import LauncherProcess

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "browser"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
# The flags this machine's probe checked: no sandbox as root, no network of Chromium's own.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    if items and not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        raise pytest.UsageError(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    dist = Path(__file__).resolve().parents[2] / "web" / "dist"
    if not (dist / "admin" / "index.html").is_file() or not (dist / "m" / "index.html").is_file():
        raise RuntimeError("web/dist is not built: run `make install` (npm ci and the web build)")
    # Every browser and API login of the suite comes from this machine's one address: the per-IP
    # limit on the public auth endpoints (20 a minute) is for clients, not for a whole suite.
    limits = {"RATE_LIMIT_PUBLIC_PER_MIN": "10000"}
    plat = LauncherProcess(tmp_path_factory.mktemp("var"), demo=True, env=limits).start()
    try:
        yield plat
    finally:
        plat.stop()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Watched:
    """What went wrong on a page that the user would not see in the DOM: script errors, a 5xx from
    anything, and a missing file of the app itself. An API's 4xx is an answer the page shows
    (Chromium logs every 4xx as "Failed to load resource": those lines are left to the response
    check here)."""

    def __init__(self, page: Page):
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")

    def _response(self, response) -> None:
        api = "/api/" in response.url
        if response.status >= 500 or (response.status >= 400 and not api):
            self.errors.append(f"{response.status} {response.request.method} {response.url}")


def _page(browser, request, viewport, *, mobile: bool):
    context = browser.new_context(
        viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", is_mobile=mobile, has_touch=mobile
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    watched = Watched(page)
    yield page
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()
    assert not watched.errors, "\n".join(watched.errors)


@pytest.fixture
def desktop(browser, request):
    yield from _page(browser, request, DESKTOP, mobile=False)


@pytest.fixture
def phone(browser, request):
    yield from _page(browser, request, PHONE, mobile=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def sms_code(platform: LauncherProcess, phone_number: str) -> str:
    messages = requests.get(f"{platform.sms_url}/_fake/messages", params={"phone": phone_number}, timeout=5).json()
    assert messages, f"no SMS reached {phone_number}"
    return messages[-1]["params"]["code"]


def api_token(platform: LauncherProcess, phone_number: str, password: str = "demo1234") -> str:
    resp = requests.post(
        f"{platform.base_url}/api/v1/auth/login/password",
        json={"phone": phone_number, "password": password},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


def mobile_login(page: Page, platform: LauncherProcess, phone_number: str, password: str = "demo1234") -> None:
    page.goto(f"{platform.base_url}/m/login")
    page.get_by_role("textbox", name="手机号").fill(phone_number)
    page.get_by_role("textbox", name="密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("您好").wait_for()


def admin_login(page: Page, base: str, phone_number: str, password: str = "demo1234") -> None:
    page.goto(f"{base}/admin/login")
    page.get_by_role("textbox", name="手机号").fill(phone_number)
    page.get_by_role("textbox", name="密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("欢迎回来").wait_for()


def api_call(platform: LauncherProcess, token: str, method: str, path: str, **kw) -> dict:
    """One API call set up outside the browser (a fresh Idempotency-Key each), asserted to succeed."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
    resp = requests.request(method, f"{platform.base_url}{path}", headers=headers, timeout=10, **kw)
    assert resp.status_code < 300, resp.text
    return resp.json() if resp.content else {}
