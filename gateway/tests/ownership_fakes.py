"""A fake of crm.customers.v1.CustomerOwnershipService (C2 C3 C5 C12), hosted beside the fake
customers service on the customers address: records calls, answers recognisable values."""

from __future__ import annotations

from gateway_fakes import CREATED, Recorder

from crm.common.v1 import common_pb2
from crm.customers.v1 import customers_pb2 as cpb
from crm.customers.v1 import ownership_pb2 as pb
from crm.customers.v1 import ownership_pb2_grpc
from crmkit.grpc_server import ServiceRegistration


def customer(cid="c-1", owner="s-1", **kw) -> cpb.Customer:
    return cpb.Customer(id=cid, tenant_id="t-1", name="王记", phone="13800000001", owner_staff_id=owner, **kw)


class FakeOwnership(ownership_pb2_grpc.CustomerOwnershipServiceServicer):
    def __init__(self):
        self.rec = Recorder()

    def ListTags(self, request, context):
        self.rec.record("ListTags", request, context)
        return pb.ListTagsResponse(tags=[pb.Tag(id="tag-1", name="大客户", colour="#FF0000", customer_count=3)])

    def CreateTag(self, request, context):
        self.rec.record("CreateTag", request, context)
        return pb.Tag(id="tag-9", name=request.name, colour=request.colour)

    def UpdateTag(self, request, context):
        self.rec.record("UpdateTag", request, context)
        return pb.Tag(id=request.id, name=request.name, colour=request.colour, customer_count=1)

    def DeleteTag(self, request, context):
        self.rec.record("DeleteTag", request, context)
        return pb.DeleteTagResponse()

    def TagCustomers(self, request, context):
        self.rec.record("TagCustomers", request, context)
        return pb.TagCustomersResponse(changed=len(request.tag_ids) * len(request.customer_ids))

    def UntagCustomers(self, request, context):
        self.rec.record("UntagCustomers", request, context)
        return pb.TagCustomersResponse(changed=1)

    def GetCustomerSettings(self, request, context):
        self.rec.record("GetCustomerSettings", request, context)
        return pb.CustomerSettings(pool_followup_days=30)

    def UpdateCustomerSettings(self, request, context):
        self.rec.record("UpdateCustomerSettings", request, context)
        return request

    def IssueRegistrationQr(self, request, context):
        actor = self.rec.record("IssueRegistrationQr", request, context)
        return pb.RegistrationQr(
            url=f"{request.link_base}/tok",
            token="tok",
            png=b"\x89PNG-fake",
            salesperson_id=actor.subject_id,
            expires_at=CREATED,
        )

    def GetRegistrationForm(self, request, context):
        self.rec.record("GetRegistrationForm", request, context, staff=False)
        return pb.RegistrationForm(
            tenant_id="t-1",
            salesperson_id="s-1",
            fields=[cpb.CustomerField(key="shop", label="店名", kind=cpb.FIELD_KIND_TEXT, required=True)],
            expires_at=CREATED,
        )

    def ApplyForRegistration(self, request, context):
        self.rec.record("ApplyForRegistration", request, context, staff=False)
        return pb.RegistrationApplication(
            id="a-1", salesperson_id="s-1", name=request.name, phone=request.phone, status=pb.APPLICATION_STATUS_PENDING
        )

    def ListRegistrationApplications(self, request, context):
        self.rec.record("ListRegistrationApplications", request, context)
        return pb.ListRegistrationApplicationsResponse(
            applications=[pb.RegistrationApplication(id="a-1", name="王", status=request.status, created_at=CREATED)],
            page=common_pb2.PageInfo(page=request.page.page, page_size=request.page.page_size, total=1),
        )

    def ApproveRegistrationApplication(self, request, context):
        self.rec.record("ApproveRegistrationApplication", request, context)
        return pb.RegistrationApplication(id=request.id, status=pb.APPLICATION_STATUS_APPROVED, customer_id="c-5")

    def RejectRegistrationApplication(self, request, context):
        self.rec.record("RejectRegistrationApplication", request, context)
        return pb.RegistrationApplication(
            id=request.id, status=pb.APPLICATION_STATUS_REJECTED, reject_reason=request.reason
        )

    def ReleaseCustomer(self, request, context):
        self.rec.record("ReleaseCustomer", request, context)
        return customer(request.customer_id, owner="")

    def ClaimCustomer(self, request, context):
        actor = self.rec.record("ClaimCustomer", request, context)
        return customer(request.customer_id, owner=actor.subject_id, owned_since=CREATED)

    def TransferCustomer(self, request, context):
        self.rec.record("TransferCustomer", request, context)
        return customer(request.customer_id, owner=request.to_staff_id)

    def SetCustomerLocked(self, request, context):
        self.rec.record("SetCustomerLocked", request, context)
        return customer(request.customer_id, locked=request.locked)

    def ListOwnershipHistory(self, request, context):
        self.rec.record("ListOwnershipHistory", request, context)
        return pb.ListOwnershipHistoryResponse(
            changes=[pb.OwnershipChange(action="registered", to_staff_id="s-1", by_staff_id="s-1", created_at=CREATED)]
        )

    def ListPoolCustomers(self, request, context):
        self.rec.record("ListPoolCustomers", request, context)
        return pb.ListPoolCustomersResponse(
            customers=[customer("c-7", owner="")],
            page=common_pb2.PageInfo(page=request.page.page, page_size=request.page.page_size, total=1),
        )

    def NearbyCustomers(self, request, context):
        self.rec.record("NearbyCustomers", request, context)
        near = customer("c-2", latitude=31.23, longitude=121.47)
        return pb.NearbyCustomersResponse(
            customers=[pb.NearbyCustomer(customer=near, distance_m=120, amap_url="https://uri.amap.com/marker?x")]
        )


def registration(fake: FakeOwnership) -> ServiceRegistration:
    return ServiceRegistration(
        ownership_pb2_grpc.add_CustomerOwnershipServiceServicer_to_server,
        fake,
        "crm.customers.v1.CustomerOwnershipService",
    )
