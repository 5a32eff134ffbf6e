import pytest

from launcher.cluster import Cluster


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    plat = Cluster(workdir=tmp_path_factory.mktemp("platform"))
    try:
        plat.start()
        yield plat
    finally:
        plat.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    # On failure, show what the processes logged: the test only sees HTTP.
    if report.failed and "platform" in item.fixturenames:
        plat = item.funcargs.get("platform")
        if plat is not None:
            report.sections.append(("platform logs", plat.logs()))
