from __future__ import annotations

from dataclasses import dataclass

import pytest
from printing_testkit import ISSUER, PUBLIC_KEY, fresh_database, ref, staff_token

from crm.printing.v1 import printing_pb2_grpc
from crmkit import testing
from crmkit.auth import TokenVerifier
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.settings import Settings
from printing import server as printing_server
from printing.adapters.feieyun import FeieyunClient
from printing.adapters.feieyun_fake import TEST_UKEY, TEST_USER, FakeFeieyunServer
from printing.adapters.network import NetworkPrinters
from printing.grpc_api import FULL_NAME


@pytest.fixture(scope="session")
def database_url():
    # One migrated database for the run; every test uses its own tenant and stores.
    url = fresh_database()
    yield url
    testing.drop_database(url)


@pytest.fixture(scope="session")
def feie_server():
    with FakeFeieyunServer() as server:
        yield server


@pytest.fixture(scope="session")
def runtime(database_url, feie_server):
    settings = Settings(service="printing", database_url=database_url)
    feieyun = FeieyunClient(feie_server.api_url, TEST_USER, TEST_UKEY, timeout=1.0)
    network = NetworkPrinters(connect_timeout=1.0, write_timeout=2.0)
    # Listeners take free ports here; the dispatcher is driven by the tests (run_once), not started.
    rt = printing_server.build(settings, feieyun=feieyun, network=network, any_port=True)
    yield rt
    rt.close()


@pytest.fixture(scope="session")
def db(runtime):
    return runtime.db


@pytest.fixture(scope="session")
def dispatcher(runtime):
    return runtime.background[0]


@pytest.fixture(scope="session")
def printing(runtime):
    server, port, _ = build_server(
        "printing", runtime.registrations, verifier=TokenVerifier(PUBLIC_KEY), port=0, host="127.0.0.1"
    )
    server.start()
    client = ServiceClient(
        f"127.0.0.1:{port}", printing_pb2_grpc.PrintingServiceStub, FULL_NAME, service_token=ISSUER.service_token("gw")
    )
    yield client
    client.close()
    server.stop(0)


@dataclass(frozen=True)
class Tenant:
    id: str
    store: str
    other_store: str
    owner: str
    manager: str  # of `store`
    other_manager: str  # of `other_store`
    sales: str


@pytest.fixture
def tenant() -> Tenant:
    tid, store, other = ref("t"), ref("store"), ref("store")
    return Tenant(
        id=tid,
        store=store,
        other_store=other,
        owner=staff_token(tid, ref("o"), "owner"),
        manager=staff_token(tid, ref("m"), "store_manager", stores=(store,)),
        other_manager=staff_token(tid, ref("m"), "store_manager", stores=(other,)),
        sales=staff_token(tid, ref("s"), "salesperson", stores=(store,)),
    )
