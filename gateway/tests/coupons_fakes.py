"""A fake of crm.coupons.v1.CouponsService on its own address: records every call and answers
with fixed, recognisable values."""

from __future__ import annotations

from gateway_fakes import Recorder

from crm.coupons.v1 import coupons_pb2_grpc
from crmkit.grpc_server import ServiceRegistration


class FakeCoupons(coupons_pb2_grpc.CouponsServiceServicer):
    def __init__(self):
        self.rec = Recorder()


def registration(fake: FakeCoupons) -> ServiceRegistration:
    return ServiceRegistration(
        coupons_pb2_grpc.add_CouponsServiceServicer_to_server, fake, "crm.coupons.v1.CouponsService"
    )
