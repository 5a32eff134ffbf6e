"""gRPC servicer of CustomerOwnershipService (C2, C3, C5, C12): proto -> arguments, actor from
the token (none for the two public registration methods), use case, result -> proto."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime

from crm.customers.v1 import ownership_pb2 as pb
from crm.customers.v1 import ownership_pb2_grpc
from crmkit.auth import require_actor
from crmkit.db import Database, utcnow
from crmkit.grpc_server import ServiceRegistration
from crmkit.paging import page_from_proto
from crmkit.protos import timestamp
from customers.domain.pool import CustomerSettings, PoolLevelRule
from customers.grpc_api import customer_to_proto, field_to_proto
from customers.service import customer_settings, nearby, ownership, registration_qr, tags
from customers.staff_directory import StaffDirectory

FULL_NAME = "crm.customers.v1.CustomerOwnershipService"

_STATUS_TO_PROTO = {
    registration_qr.PENDING: pb.APPLICATION_STATUS_PENDING,
    registration_qr.APPROVED: pb.APPLICATION_STATUS_APPROVED,
    registration_qr.REJECTED: pb.APPLICATION_STATUS_REJECTED,
}
_STATUS_FROM_PROTO = {v: k for k, v in _STATUS_TO_PROTO.items()}


def _tag(t: tags.TagView) -> pb.Tag:
    return pb.Tag(id=t.id, name=t.name, colour=t.colour, customer_count=t.customer_count)


def _application(a: registration_qr.ApplicationView) -> pb.RegistrationApplication:
    return pb.RegistrationApplication(
        id=a.id,
        salesperson_id=a.salesperson_id,
        name=a.name,
        phone=a.phone,
        fields=a.fields,
        status=_STATUS_TO_PROTO[a.status],
        reject_reason=a.reject_reason,
        customer_id=a.customer_id or "",
        reviewed_by_staff_id=a.reviewed_by_staff_id or "",
        created_at=timestamp(a.created_at),
        reviewed_at=timestamp(a.reviewed_at),
    )


def _settings(s: CustomerSettings) -> pb.CustomerSettings:
    values = asdict(s)
    values["pool_level_rules"] = [pb.PoolLevelRule(**rule) for rule in values["pool_level_rules"]]
    return pb.CustomerSettings(**values)


class OwnershipServicer(ownership_pb2_grpc.CustomerOwnershipServiceServicer):
    def __init__(
        self,
        db: Database,
        *,
        registration_secret: bytes | None,
        staff: StaffDirectory | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.db = db
        self.secret = registration_secret
        self.staff = staff
        self.clock = clock

    # --- Tags ---
    def ListTags(self, request, context):
        return pb.ListTagsResponse(tags=[_tag(t) for t in tags.list_tags(self.db.uow(), require_actor())])

    def CreateTag(self, request, context):
        return _tag(tags.create_tag(self.db.uow(), require_actor(), request.name, request.colour, now=self.clock()))

    def UpdateTag(self, request, context):
        return _tag(tags.update_tag(self.db.uow(), require_actor(), request.id, request.name, request.colour))

    def DeleteTag(self, request, context):
        tags.delete_tag(self.db.uow(), require_actor(), request.id)
        return pb.DeleteTagResponse()

    def TagCustomers(self, request, context):
        changed = tags.tag_customers(
            self.db.uow(), require_actor(), request.tag_ids, request.customer_ids, now=self.clock()
        )
        return pb.TagCustomersResponse(changed=changed)

    def UntagCustomers(self, request, context):
        changed = tags.untag_customers(self.db.uow(), require_actor(), request.tag_ids, request.customer_ids)
        return pb.TagCustomersResponse(changed=changed)

    # --- Settings ---
    def GetCustomerSettings(self, request, context):
        return _settings(customer_settings.get_customer_settings(self.db.uow(), require_actor()))

    def UpdateCustomerSettings(self, request, context):
        wanted = CustomerSettings(
            auto_approve_registrations=request.auto_approve_registrations,
            pool_followup_days=request.pool_followup_days,
            pool_order_days=request.pool_order_days,
            pool_warning_days=request.pool_warning_days,
            max_customers_held=request.max_customers_held,
            max_claims_per_day=request.max_claims_per_day,
            reclaim_cooldown_days=request.reclaim_cooldown_days,
            pool_level_rules=tuple(
                PoolLevelRule(r.level, r.followup_days, r.order_days) for r in request.pool_level_rules
            ),
        )
        saved = customer_settings.update_customer_settings(self.db.uow(), require_actor(), wanted, now=self.clock())
        return _settings(saved)

    # --- Registration QR ---
    def IssueRegistrationQr(self, request, context):
        qr = registration_qr.issue_registration_qr(
            require_actor(), request.link_base, request.valid_days, secret=self.secret, now=self.clock()
        )
        return pb.RegistrationQr(
            url=qr.url,
            token=qr.token,
            png=qr.png,
            salesperson_id=qr.salesperson_id,
            expires_at=timestamp(qr.expires_at),
        )

    def GetRegistrationForm(self, request, context):
        # Public: the signed token is the credential, no staff token is asked for.
        form = registration_qr.get_registration_form(self.db.uow(), request.token, secret=self.secret, now=self.clock())
        return pb.RegistrationForm(
            tenant_id=form.tenant_id,
            salesperson_id=form.salesperson_id,
            fields=[field_to_proto(d) for d in form.fields],
            expires_at=timestamp(form.expires_at),
        )

    def ApplyForRegistration(self, request, context):
        application = registration_qr.apply_for_registration(
            self.db.uow(),
            request.token,
            request.name,
            request.phone,
            dict(request.fields),
            secret=self.secret,
            now=self.clock(),
        )
        return _application(application)

    def ListRegistrationApplications(self, request, context):
        page = page_from_proto(request.page)
        status = _STATUS_FROM_PROTO.get(request.status, registration_qr.PENDING)
        result = registration_qr.list_applications(self.db.uow(), require_actor(), page, status)
        return pb.ListRegistrationApplicationsResponse(
            applications=[_application(a) for a in result.applications], page=page.info(result.total)
        )

    def ApproveRegistrationApplication(self, request, context):
        return _application(
            registration_qr.approve_application(self.db.uow(), require_actor(), request.id, now=self.clock())
        )

    def RejectRegistrationApplication(self, request, context):
        return _application(
            registration_qr.reject_application(
                self.db.uow(), require_actor(), request.id, request.reason, now=self.clock()
            )
        )

    # --- Ownership and the pool ---
    def ReleaseCustomer(self, request, context):
        view = ownership.release_customer(
            self.db.uow(), require_actor(), request.customer_id, request.reason, now=self.clock()
        )
        return customer_to_proto(view)

    def ClaimCustomer(self, request, context):
        return customer_to_proto(
            ownership.claim_customer(self.db.uow(), require_actor(), request.customer_id, now=self.clock())
        )

    def TransferCustomer(self, request, context):
        view = ownership.transfer_customer(
            self.db.uow(),
            require_actor(),
            request.customer_id,
            request.to_staff_id,
            request.reason,
            now=self.clock(),
            staff=self.staff,
        )
        return customer_to_proto(view)

    def SetCustomerLocked(self, request, context):
        return customer_to_proto(
            ownership.set_customer_locked(
                self.db.uow(), require_actor(), request.customer_id, request.locked, now=self.clock()
            )
        )

    def ListOwnershipHistory(self, request, context):
        changes = ownership.list_ownership_history(self.db.uow(), require_actor(), request.customer_id)
        return pb.ListOwnershipHistoryResponse(
            changes=[
                pb.OwnershipChange(
                    id=c.id,
                    customer_id=c.customer_id,
                    action=c.action,
                    from_staff_id=c.from_staff_id or "",
                    to_staff_id=c.to_staff_id or "",
                    by_staff_id=c.by_staff_id or "",
                    reason=c.reason,
                    created_at=timestamp(c.created_at),
                )
                for c in changes
            ]
        )

    def ListPoolCustomers(self, request, context):
        page = page_from_proto(request.page)
        result = ownership.list_pool_customers(self.db.uow(), require_actor(), page, request.query)
        return pb.ListPoolCustomersResponse(
            customers=[customer_to_proto(c) for c in result.customers], page=page.info(result.total)
        )

    # --- Map mode ---
    def NearbyCustomers(self, request, context):
        found = nearby.nearby_customers(
            self.db.uow(), require_actor(), request.latitude, request.longitude, request.radius_m, request.limit
        )
        return pb.NearbyCustomersResponse(
            customers=[
                pb.NearbyCustomer(
                    customer=customer_to_proto(n.customer),
                    distance_m=n.distance_m,
                    amap_url=n.amap_url,
                    baidu_url=n.baidu_url,
                )
                for n in found
            ]
        )


def registration(
    db: Database,
    *,
    registration_secret: bytes | None,
    staff: StaffDirectory | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> ServiceRegistration:
    return ServiceRegistration(
        ownership_pb2_grpc.add_CustomerOwnershipServiceServicer_to_server,
        OwnershipServicer(db, registration_secret=registration_secret, staff=staff, clock=clock),
        FULL_NAME,
    )
