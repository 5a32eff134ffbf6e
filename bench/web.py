"""`python -m bench.web`: the web apps' size and speed (H6), measured, not asserted.

- First-load JavaScript of each app: the entry script of its built index.html and every chunk it
  loads at start (`modulepreload` links and static imports), gzipped as a server sends them;
  route chunks loaded later are not counted. Budgets: mobile <= 250 KB, admin <= 600 KB.
- Time to an interactive login page in Chromium on this machine: from navigation to the login
  button being enabled, median of several cold page loads (a new browser context each), against
  the embedded platform started as `make run` starts it. A baseline measured in the same run:
  the same browser loading the gateway's bare landing page (no script).
"""

from __future__ import annotations

import gzip
import re
import statistics
import tempfile
import time
from pathlib import Path

DIST = Path(__file__).resolve().parents[1] / "web" / "dist"
BUDGET_KB = {"m": 250, "admin": 600}
LOADS = 7


def first_load(app: str) -> tuple[int, int, list[str]]:
    """(raw bytes, gzip bytes, files) of what the app's index.html loads before any route."""
    folder = DIST / app
    html = (folder / "index.html").read_text()
    pending = re.findall(r'(?:src|href)="/' + app + r'/(assets/[^"]+\.js)"', html)
    seen: list[str] = []
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.append(name)
        code = (folder / name).read_text()
        # Static imports of a chunk load with it; `import("...")` (a route) does not.
        for spec in re.findall(r'(?:^|[;\s}])import\s*(?:[\w${},*\s]+from\s*)?["\']\./([^"\']+\.js)["\']', code):
            pending.append(f"assets/{spec}")
    raw = sum((folder / n).stat().st_size for n in seen)
    packed = sum(len(gzip.compress((folder / n).read_bytes(), 9)) for n in seen)
    return raw, packed, seen


def _time_to(browser, url: str, ready) -> float:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    ready(page)
    elapsed = time.perf_counter() - started
    context.close()
    return elapsed


def login_page_times() -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    from launcher.process import LauncherProcess

    with tempfile.TemporaryDirectory() as var, sync_playwright() as p:
        platform = LauncherProcess(Path(var), demo=False).start()
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        try:
            login = {
                app: lambda page: page.get_by_role("button", name="登录").wait_for(state="visible") for app in BUDGET_KB
            }
            results = {}
            for app, ready in login.items():
                url = f"{platform.base_url}/{app}/login"
                _time_to(browser, url, ready)  # warm the server's file cache, not the browser's
                results[app] = statistics.median(_time_to(browser, url, ready) for _ in range(LOADS))
            landing = lambda page: page.get_by_role("link").first.wait_for()  # noqa: E731
            results["baseline: landing page, no script"] = statistics.median(
                _time_to(browser, platform.base_url + "/", landing) for _ in range(LOADS)
            )
            return results
        finally:
            browser.close()
            platform.stop()


def main() -> None:
    print("Web apps: first-load JavaScript (gzip) against the budget")
    for app, budget in BUDGET_KB.items():
        raw, packed, files = first_load(app)
        verdict = "within" if packed / 1024 <= budget else "OVER"
        print(
            f"  /{app}/  {packed / 1024:7.1f} KB gzip ({raw / 1024:.0f} KB raw, {len(files)} files)  "
            f"budget {budget} KB: {verdict}"
        )
    print(f"Time to an interactive login page in Chromium (median of {LOADS} cold loads)")
    for what, seconds in login_page_times().items():
        print(f"  {what:<40} {seconds * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
