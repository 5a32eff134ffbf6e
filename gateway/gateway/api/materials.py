"""The material library (D6, 素材库) for staff: the owner and store managers upload documents,
images and videos (multipart) and write scripts (话术); salespeople list those that are on, open
or download them, and share them. A shared material opens at the reader's page `/s/<token>`
(gateway.reader), its file at `/s/<token>/file`."""

from __future__ import annotations

from apiflask import APIBlueprint

from crm.marketing.v1 import marketing_pb2 as pb
from gateway.api.article_schemas import ShareIn, ShareOut
from gateway.api.articles import reader_url
from gateway.api.calls import call, call_stream, call_upload
from gateway.api.common import READ_ERRORS, SECURED, WRITE_ERRORS, page_out, page_request
from gateway.api.material_schemas import (
    MaterialActiveIn,
    MaterialFileQuery,
    MaterialListOut,
    MaterialOut,
    MaterialQuery,
    MaterialRecipientsOut,
    MaterialUpdateIn,
    MaterialUploadIn,
    ScriptIn,
    material_dict,
    recipient_dict,
)
from gateway.api.uploads import accepts_upload_of, upload_chunks
from gateway.auth import staff_only
from gateway.files import streamed_file
from gateway.idempotency import idempotent

bp = APIBlueprint("materials", __name__, tag="Materials", url_prefix="/api/v1")
# The largest material (a video); each kind's own limit is the marketing service's to check.
MAX_MATERIAL_MB = 100
# A 100 MB video travels in 1 MB messages: more time than a form gets.
FILE_TIMEOUT = 300.0


@bp.get("/materials")
@bp.doc(operation_id="listMaterials", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(MaterialQuery, location="query", arg_name="query")
@bp.output(MaterialListOut)
def list_materials(query):
    """The material library, newest first (salespeople: the materials that are on)

    `kind` is document, image, video or script; `q` words of the title; `folder` one of `folders`.
    """
    reply = call(
        "marketing",
        "ListMaterials",
        pb.ListMaterialsRequest(
            page=page_request(query), q=query["q"], kind=query["kind"], folder=query["folder"], state=query["state"]
        ),
    )
    return {
        "materials": [material_dict(m) for m in reply.materials],
        "folders": list(reply.folders),
        "page": page_out(reply.page),
    }


@bp.post("/materials")
@bp.doc(operation_id="createScript", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(ScriptIn, arg_name="body")
@bp.output(MaterialOut, status_code=201)
def create_script(body):
    """Write a script (话术) (owner, store manager); it is off until switched on"""
    fields = pb.MaterialInput(title=body["title"], kind="script", folder=body["folder"], text=body["text"])
    reply = call_upload("marketing", "UploadMaterial", [pb.MaterialUpload(fields=fields)])
    return material_dict(reply)


@bp.post("/materials/upload")
@bp.doc(operation_id="uploadMaterial", security=SECURED, responses=[*WRITE_ERRORS, 413])
@staff_only
@accepts_upload_of(MAX_MATERIAL_MB)
@bp.input(MaterialUploadIn, location="files", arg_name="form")
@bp.output(MaterialOut, status_code=201)
def upload_material(form):
    """Upload a document, image or video (owner, store manager; multipart `file`, `title`, `kind`,
    `folder`); it is off until switched on

    400 names `file` when the file is over its kind's limit (`file.material_too_large`) or its
    bytes are not one of the kind's types (`file.material_type`), whatever its name says.
    """
    upload = form["file"]
    fields = pb.MaterialInput(
        title=form["title"], kind=form["kind"], folder=form["folder"], file_name=upload.filename or ""
    )
    parts = (pb.MaterialUpload(chunk=piece) for piece in upload_chunks(upload, MAX_MATERIAL_MB))
    reply = call_upload(
        "marketing", "UploadMaterial", _first_then(pb.MaterialUpload(fields=fields), parts), timeout=FILE_TIMEOUT
    )
    return material_dict(reply)


def _first_then(first, rest):
    yield first
    yield from rest


@bp.get("/materials/<string:material_id>")
@bp.doc(operation_id="getMaterial", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(MaterialOut)
def get_material(material_id):
    """One material with its counts"""
    return material_dict(call("marketing", "GetMaterial", pb.GetMaterialRequest(id=material_id)))


@bp.put("/materials/<string:material_id>")
@bp.doc(operation_id="updateMaterial", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(MaterialUpdateIn, arg_name="body")
@bp.output(MaterialOut)
def update_material(material_id, body):
    """Rename a material, move it to a folder, or edit a script's text (owner, store manager)"""
    request_message = pb.UpdateMaterialRequest(id=material_id, **body)
    return material_dict(call("marketing", "UpdateMaterial", request_message))


@bp.put("/materials/<string:material_id>/active")
@bp.doc(operation_id="setMaterialActive", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(MaterialActiveIn, arg_name="body")
@bp.output(MaterialOut)
def set_material_active(material_id, body):
    """Switch a material on (salespeople see and share it) or off (owner, store manager)"""
    request_message = pb.SetMaterialActiveRequest(id=material_id, active=body["active"])
    return material_dict(call("marketing", "SetMaterialActive", request_message))


@bp.delete("/materials/<string:material_id>")
@bp.doc(operation_id="deleteMaterial", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output({}, status_code=204)
def delete_material(material_id):
    """Delete a material and its file (owner, store manager); its shared links then show it is gone"""
    call("marketing", "DeleteMaterial", pb.DeleteMaterialRequest(id=material_id))
    return ""


@bp.get("/materials/<string:material_id>/file")
@bp.doc(operation_id="getMaterialFile", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(MaterialFileQuery, location="query", arg_name="query")
@bp.output({}, content_type="application/octet-stream", description="The file (a `Range` of it answers 206)")
def get_material_file(material_id, query):
    """Open a material's file, or download it (`download=true`, counted as a download)"""

    def read(offset: int, length: int):
        message = pb.ReadMaterialFileRequest(id=material_id, offset=offset, length=length, download=query["download"])
        return call_stream("marketing", "ReadMaterialFile", message, timeout=FILE_TIMEOUT)

    return streamed_file(read, download=query["download"], cache="private, max-age=300")


@bp.post("/materials/<string:material_id>/shares")
@bp.doc(operation_id="shareMaterial", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(ShareIn, arg_name="body")
@bp.output(ShareOut, status_code=201)
def share_material(material_id, body):
    """My share link for a material (D6): who opens it, and for how long, is counted as mine"""
    request_message = pb.ShareMaterialRequest(material_id=material_id, method=body["method"])
    share = call("marketing", "ShareMaterial", request_message)
    return {"token": share.token, "url": reader_url(share.token), "method": share.method, "depth": share.depth}


@bp.get("/materials/<string:material_id>/recipients")
@bp.doc(operation_id="listMaterialRecipients", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(MaterialRecipientsOut)
def list_material_recipients(material_id):
    """Who opened a material: per visitor, views, visible seconds and the last view, most recent
    first (salespeople: the readers of their own links)"""
    reply = call("marketing", "ListMaterialRecipients", pb.ListMaterialRecipientsRequest(material_id=material_id))
    return {"recipients": [recipient_dict(r) for r in reply.recipients]}
