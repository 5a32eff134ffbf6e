"""Issue 12.1: a service added by its declaration alone (launcher.example_service, installed by
conftest.py before the platform starts) is migrated, started (its own process in the cluster,
its gRPC server in the embedded process) and probed by the gateway's /readyz with the others."""

import requests

from launcher.example_service import NAME


def test_i12_a_declared_service_runs_and_the_gateway_probes_it(platform):
    ready = requests.get(f"{platform.gateway_url}/readyz", timeout=5)

    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"][NAME] == "ok"
    if platform.mode == "cluster":
        assert platform.procs[NAME].args[1:] == ["-m", f"{NAME}.server"]
        assert f"{NAME}-worker" not in platform.procs
    else:
        assert NAME in platform.platform.runtimes
    assert platform.grpc_address(NAME).startswith("127.0.0.1:")
