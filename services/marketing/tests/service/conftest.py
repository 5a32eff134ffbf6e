from __future__ import annotations

from dataclasses import dataclass

import pytest
import redis as redis_lib
from marketing_testkit import ISSUER, PUBLIC_KEY, fresh_database, ref, staff_token

from crm.marketing.v1 import marketing_pb2_grpc
from crmkit import testing
from crmkit.auth import TokenVerifier
from crmkit.filestore.local import LocalFileStore
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.reading_beats import BeatStream
from crmkit.settings import Settings
from marketing import server as marketing_server
from marketing.beat_drainer import BeatDrainer
from marketing.catalogue import Product
from marketing.grpc_api import FULL_NAME
from marketing.importer import HttpFetcher
from marketing.sharers import Contact
from marketing.wechat import FAKE_APP_ID, FAKE_APP_SECRET
from marketing.wechat.fake_server import FakeWechatServer
from marketing.wechat.oauth import WechatOAuth


@pytest.fixture(scope="session")
def database_url():
    # One migrated database for the run; every test uses its own tenant and staff.
    url = fresh_database()
    yield url
    testing.drop_database(url)


class FakeSharers:
    """Identity's answer for the poster's signature (a peer service: a fake is allowed here;
    tests/integration runs the real one)."""

    def __init__(self):
        self.asked: list[tuple[str, str]] = []

    def contact(self, tenant_id: str, staff_id: str) -> Contact:
        self.asked.append((tenant_id, staff_id))
        return Contact("张业务", "13800000002")


@pytest.fixture(scope="session")
def sharers():
    return FakeSharers()


class FakeCatalogue:
    """The orders catalogue's answer: the listed products it knows, in the order asked."""

    def __init__(self):
        self.known: dict[str, Product] = {}

    def products(self, tenant_id: str, ids: tuple[str, ...]) -> list[Product]:
        return [self.known[i] for i in ids if i in self.known]


@pytest.fixture(scope="session")
def catalogue():
    return FakeCatalogue()


@pytest.fixture(scope="session")
def wechat():
    """The local fake of WeChat's web-page authorization the service logs readers in with."""
    with FakeWechatServer(port=0) as server:
        yield server


@pytest.fixture(scope="session")
def file_store(tmp_path_factory):
    """Materials' files (D6) and uploaded pictures (D4) on a real local store: the port's production
    adapter for disks."""
    return LocalFileStore(tmp_path_factory.mktemp("files"), signing_secret="test-signing-secret")


@pytest.fixture(scope="session")
def runtime(database_url, sharers, catalogue, wechat, file_store):
    settings = Settings(service="marketing", database_url=database_url)
    # Imports fetch from a local fake page here; the default refuses addresses inside the network.
    fetcher = HttpFetcher(allow_private=True)
    login = WechatOAuth(app_id=FAKE_APP_ID, app_secret=FAKE_APP_SECRET, open_url=wechat.url, api_url=wechat.url)
    rt = marketing_server.build(
        settings, sharers=sharers, catalogue=catalogue, fetcher=fetcher, wechat_login=login, file_store=file_store
    )
    yield rt
    rt.close()


@pytest.fixture(scope="session")
def db(runtime):
    return runtime.db


@pytest.fixture(scope="session")
def beats():
    """The gateway's queue of reading beats on the real Redis, under this run's own prefix."""
    prefix = f"{ref('mkt-test')}:"
    client = redis_lib.Redis.from_url(testing.REDIS_URL)
    yield BeatStream(client, prefix)
    testing.delete_redis_prefix(client, prefix)
    client.close()


@pytest.fixture(scope="session")
def drainer(db, beats):
    """A drainer the tests step by hand (drain_once) instead of the runtime's thread."""
    return BeatDrainer(db, beats, consumer="test-drainer")


@pytest.fixture(scope="session")
def marketing(runtime):
    server, port, _ = build_server(
        "marketing", runtime.registrations, verifier=TokenVerifier(PUBLIC_KEY), port=0, host="127.0.0.1"
    )
    server.start()
    client = ServiceClient(
        f"127.0.0.1:{port}",
        marketing_pb2_grpc.MarketingServiceStub,
        FULL_NAME,
        service_token=ISSUER.service_token("gateway"),
    )
    yield client
    client.close()
    server.stop(0)


@dataclass(frozen=True)
class Tenant:
    id: str
    owner: str
    manager: str
    sales: str
    sales_id: str
    other_sales: str
    other_sales_id: str


@pytest.fixture
def tenant() -> Tenant:
    tid = ref("t")
    sales_id, other_id = ref("s"), ref("s")
    return Tenant(
        id=tid,
        owner=staff_token(tid, ref("o"), "owner"),
        manager=staff_token(tid, ref("m"), "store_manager"),
        sales=staff_token(tid, sales_id),
        sales_id=sales_id,
        other_sales=staff_token(tid, other_id),
        other_sales_id=other_id,
    )
