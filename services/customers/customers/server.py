"""Composition root of the customers gRPC server: `python -m customers.server`."""

from __future__ import annotations

from collections.abc import Mapping

from crmkit.runtime import ServiceRuntime, serve
from crmkit.settings import Settings, env
from customers import grpc_api_ownership
from customers.declaration import DECLARATION
from customers.grpc_api import registration
from customers.grpc_api_activity import activity_registration
from customers.grpc_api_segments import segments_registration
from customers.staff_directory import StaffDirectory, identity_directory

SERVICE = DECLARATION.name


# HMAC key of registration QR tokens (C2); only this service signs and verifies them.
REGISTRATION_SECRET_ENV = "REGISTRATION_QR_SECRET"


def build(
    settings: Settings, *, registration_secret: str | None = None, staff: StaffDirectory | None = None
) -> ServiceRuntime:
    """Wire the database and the servicers; connects to nothing until the first call. Without a
    registration secret the QR methods answer UNAVAILABLE (main() refuses to start without).
    `staff` replaces the identity-backed directory (tests)."""
    settings.require("database_url")
    db = DECLARATION.open_database(settings.database_url, pool_size=settings.database_pool_size)
    secret = registration_secret or env(REGISTRATION_SECRET_ENV)
    # Transfers (C3), lead assignment (C7) and visits planned for a colleague (C6) check the
    # colleague with identity; without IDENTITY_ADDR and a service token they answer UNAVAILABLE.
    # main() requires both.
    closers = []
    if staff is None and "identity" in settings.peers and settings.service_token:
        staff = identity_directory(settings.peer("identity"), settings.service_token)
        closers.append(staff.close)
    return ServiceRuntime(
        service=SERVICE,
        db=db,
        registrations=[
            registration(db),
            grpc_api_ownership.registration(db, registration_secret=secret.encode() if secret else None, staff=staff),
            activity_registration(db, staff=staff),
            segments_registration(db),
        ],
        closers=closers,
    )


def ports_from_env(environ: Mapping[str, str]) -> dict:
    return {"registration_secret": environ.get(REGISTRATION_SECRET_ENV) or None}


def main() -> None:
    settings = DECLARATION.settings_from_env()
    # Check everything before opening anything: a missing key must stop startup, not the first call.
    settings.require("database_url", "jwt_public_key", "service_token")
    settings.peer("identity")
    serve(build(settings, registration_secret=env(REGISTRATION_SECRET_ENV, required=True)), settings)


if __name__ == "__main__":
    main()
