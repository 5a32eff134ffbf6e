"""Every error code of the customers service, with the i18n key of its message.

Clients switch on the code (ErrorInfo.reason; values never change), people read the message the
gateway renders from the key. `raise NotFound(ErrorCode.CUSTOMER_NOT_FOUND)` brings the key along.
"""

from crmkit.errors import ErrorCodeEnum

INVALID_INPUT = "error.invalid_input"
PERMISSION_DENIED = "error.permission_denied"


class ErrorCode(ErrorCodeEnum):
    # InvalidInput
    CUSTOMER_INPUT_INVALID = "CUSTOMER_INPUT_INVALID", INVALID_INPUT  # name, phone, store or custom field values
    FIELD_DEFINITION_INVALID = "FIELD_DEFINITION_INVALID", INVALID_INPUT  # a DefineCustomerField request
    PAGE_INVALID = "PAGE_INVALID", INVALID_INPUT  # page / page_size out of range, query too long
    # NotFound: missing, another tenant's, or not visible to this salesperson (ids cannot be probed)
    CUSTOMER_NOT_FOUND = "CUSTOMER_NOT_FOUND", "error.customer_not_found"
    # AlreadyExists
    CUSTOMER_PHONE_TAKEN = "CUSTOMER_PHONE_TAKEN", "error.customer_phone_taken"
    # PermissionDenied
    FIELD_DEFINE_DENIED = "FIELD_DEFINE_DENIED", PERMISSION_DENIED  # only owner / store manager configure fields
    # The caller is not a salesperson, manager or owner.
    CUSTOMER_REGISTER_DENIED = "CUSTOMER_REGISTER_DENIED", PERMISSION_DENIED
    CUSTOMER_OWNER_ASSIGN_DENIED = "CUSTOMER_OWNER_ASSIGN_DENIED", PERMISSION_DENIED  # a salesperson naming another
    STORE_ACCESS_DENIED = "STORE_ACCESS_DENIED", "error.store_access_denied"  # a store that is not the caller's
    CUSTOMERS_ACCESS_DENIED = "CUSTOMERS_ACCESS_DENIED", PERMISSION_DENIED  # neither staff nor a service
    # Leads, follow-ups, visits, duplicates (C6-C9)
    LEAD_INPUT_INVALID = "LEAD_INPUT_INVALID", INVALID_INPUT
    FOLLOWUP_INPUT_INVALID = "FOLLOWUP_INPUT_INVALID", INVALID_INPUT
    VISIT_INPUT_INVALID = "VISIT_INPUT_INVALID", INVALID_INPUT
    LEAD_NOT_FOUND = "LEAD_NOT_FOUND", "error.lead_not_found"
    VISIT_NOT_FOUND = "VISIT_NOT_FOUND", "error.visit_not_found"
    DUPLICATE_NOT_FOUND = "DUPLICATE_NOT_FOUND", "error.duplicate_not_found"
    ACTIVITY_DENIED = "ACTIVITY_DENIED", PERMISSION_DENIED  # not staff in a selling or managing role
    LEAD_ASSIGN_DENIED = "LEAD_ASSIGN_DENIED", PERMISSION_DENIED  # only managers assign
    LEAD_IMPORT_DENIED = "LEAD_IMPORT_DENIED", PERMISSION_DENIED  # only managers import spreadsheets
    LEADS_ALL_DENIED = "LEADS_ALL_DENIED", PERMISSION_DENIED  # only managers list every lead
    LEAD_FOLLOW_DENIED = "LEAD_FOLLOW_DENIED", PERMISSION_DENIED  # not the lead's salesperson
    CUSTOMER_FOLLOW_DENIED = "CUSTOMER_FOLLOW_DENIED", PERMISSION_DENIED  # not its salesperson nor a manager
    VISIT_ASSIGN_DENIED = "VISIT_ASSIGN_DENIED", PERMISSION_DENIED  # a salesperson planning a colleague's day
    DUPLICATE_RESOLVE_DENIED = "DUPLICATE_RESOLVE_DENIED", PERMISSION_DENIED  # neither side's salesperson nor manager
    # Conflict (wrong state)
    LEAD_ALREADY_ASSIGNED = "LEAD_ALREADY_ASSIGNED", "error.lead_already_assigned"
    LEAD_NOT_ASSIGNED = "LEAD_NOT_ASSIGNED", "error.lead_not_assigned"
    LEAD_CLOSED = "LEAD_CLOSED", "error.lead_closed"  # converted or merged already
    CUSTOMER_ELIMINATED = "CUSTOMER_ELIMINATED", "error.customer_eliminated"  # restore it to the active list first
    CUSTOMER_ACTIVE = "CUSTOMER_ACTIVE", "error.customer_active"  # restoring a customer that is not eliminated
    LEAD_TAKEN = "LEAD_TAKEN", INVALID_INPUT  # phone and unionID belong to two different leads
    VISIT_ALREADY_DONE = "VISIT_ALREADY_DONE", "error.visit_already_done"
    DUPLICATE_RESOLVED = "DUPLICATE_RESOLVED", "error.duplicate_resolved"
    DUPLICATE_IS_COLLISION = "DUPLICATE_IS_COLLISION", "error.duplicate_is_collision"  # one side must release first
    # Segments (C4)
    SEGMENT_INVALID = "SEGMENT_INVALID", INVALID_INPUT  # name or filter (the field is named)
    SEGMENT_NOT_FOUND = "SEGMENT_NOT_FOUND", "error.segment_not_found"  # missing or another tenant's
    SEGMENT_NAME_TAKEN = "SEGMENT_NAME_TAKEN", "error.segment_name_taken"  # the tenant has a segment of that name
    SEGMENT_CHANGE_DENIED = "SEGMENT_CHANGE_DENIED", PERMISSION_DENIED  # neither its creator nor a manager
    SEGMENT_STREAM_DENIED = "SEGMENT_STREAM_DENIED", PERMISSION_DENIED  # streaming is for services
    # Its stored filter no longer reads: save it anew or delete it.
    SEGMENT_UNREADABLE = "SEGMENT_UNREADABLE", "error.segment_unreadable"
    # Tags, settings, ownership and the public pool, QR registration (C2, C3, C5, C12)
    TAG_INPUT_INVALID = "TAG_INPUT_INVALID", INVALID_INPUT
    CUSTOMER_SETTINGS_INVALID = "CUSTOMER_SETTINGS_INVALID", INVALID_INPUT
    OWNERSHIP_INPUT_INVALID = "OWNERSHIP_INPUT_INVALID", INVALID_INPUT  # reason, staff id, location search
    # A forged, malformed or expired QR token.
    REGISTRATION_TOKEN_INVALID = "REGISTRATION_TOKEN_INVALID", "error.registration_token_invalid"
    TAG_NOT_FOUND = "TAG_NOT_FOUND", "error.tag_not_found"
    REGISTRATION_APPLICATION_NOT_FOUND = (
        "REGISTRATION_APPLICATION_NOT_FOUND",
        "error.registration_application_not_found",
    )
    TAG_NAME_TAKEN = "TAG_NAME_TAKEN", "error.tag_name_taken"
    # Conflict (409); not in the pool: someone holds it (another claimer won, say).
    CUSTOMER_NOT_IN_POOL = "CUSTOMER_NOT_IN_POOL", "error.customer_not_in_pool"
    CUSTOMER_ALREADY_IN_POOL = "CUSTOMER_ALREADY_IN_POOL", "error.customer_already_in_pool"
    CUSTOMER_RECLAIM_COOLDOWN = "CUSTOMER_RECLAIM_COOLDOWN", "error.customer_reclaim_cooldown"  # previous owner waits
    REGISTRATION_APPLICATION_REVIEWED = "REGISTRATION_APPLICATION_REVIEWED", "error.registration_application_reviewed"
    # The phone already waits for review.
    REGISTRATION_APPLICATION_PENDING = "REGISTRATION_APPLICATION_PENDING", "error.registration_application_pending"
    # QuotaExceeded (429)
    CUSTOMER_HOLD_LIMIT_REACHED = "CUSTOMER_HOLD_LIMIT_REACHED", "error.customer_hold_limit_reached"
    CUSTOMER_DAILY_CLAIM_LIMIT_REACHED = (
        "CUSTOMER_DAILY_CLAIM_LIMIT_REACHED",
        "error.customer_daily_claim_limit_reached",
    )
    # PermissionDenied
    CUSTOMER_MANAGERS_ONLY = "CUSTOMER_MANAGERS_ONLY", PERMISSION_DENIED  # tags, settings, transfer, lock, review
    CUSTOMER_NOT_YOURS = "CUSTOMER_NOT_YOURS", PERMISSION_DENIED  # releasing a colleague's customer
    # Unavailable
    REGISTRATION_QR_NOT_CONFIGURED = "REGISTRATION_QR_NOT_CONFIGURED", "error.registration_qr_not_configured"
    STAFF_DIRECTORY_UNAVAILABLE = "STAFF_DIRECTORY_UNAVAILABLE", "error.unavailable"  # no identity client configured
