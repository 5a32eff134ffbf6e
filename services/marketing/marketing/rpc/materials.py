"""The material library (D6)."""

from __future__ import annotations

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.auth import require_actor
from crmkit.paging import page_from_proto
from crmkit.protos import timestamp

from ..service import materials
from .messages import (
    file_chunks,
    material_pb,
    share_pb,
    upload_request,
)


class MaterialRpcs:
    # Materials (D6)

    def UploadMaterial(self, request_iterator, context):
        fields, chunks = upload_request(request_iterator)
        return material_pb(
            materials.upload_material(self.db, require_actor(), self.store, fields, chunks, now=self.clock())
        )

    def UpdateMaterial(self, request, context):
        row = materials.update_material(
            self.db, require_actor(), request.id, request.title, request.folder, request.text, now=self.clock()
        )
        return material_pb(row)

    def SetMaterialActive(self, request, context):
        return material_pb(
            materials.set_material_active(self.db, require_actor(), request.id, request.active, now=self.clock())
        )

    def DeleteMaterial(self, request, context):
        materials.delete_material(self.db, require_actor(), request.id, self.store)
        return pb.DeleteMaterialResponse()

    def GetMaterial(self, request, context):
        return material_pb(materials.get_material(self.db, require_actor(), request.id))

    def ListMaterials(self, request, context):
        page = page_from_proto(request.page)
        found = materials.list_materials(
            self.db, require_actor(), page, q=request.q, kind=request.kind, folder=request.folder, state=request.state
        )
        return pb.ListMaterialsResponse(
            materials=[material_pb(m) for m in found.materials], page=page.info(found.total), folders=found.folders
        )

    def ReadMaterialFile(self, request, context):
        read = materials.read_material_file(
            self.db, require_actor(), self.store, request.id, request.offset, request.length, request.download
        )
        yield from file_chunks(read)

    def ShareMaterial(self, request, context):
        return share_pb(
            materials.share_material(self.db, require_actor(), request.material_id, request.method, now=self.clock())
        )

    def ReadSharedMaterialFile(self, request, context):
        read = materials.read_shared_file(
            self.db, require_actor(), self.store, request.token, request.offset, request.length, request.download
        )
        yield from file_chunks(read)

    def ListMaterialRecipients(self, request, context):
        found = materials.list_recipients(self.db, require_actor(), request.material_id)
        return pb.ListMaterialRecipientsResponse(
            recipients=[
                pb.MaterialRecipient(
                    visitor_id=r.visitor_id,
                    nickname=r.nickname,
                    phone=r.phone,
                    staff_id=r.staff_id,
                    views=r.views,
                    seconds=r.seconds,
                    last_view_at=timestamp(r.last_view_at),
                )
                for r in found
            ]
        )
