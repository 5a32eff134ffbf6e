"""Error codes of the customers service: clients switch on these, people read the message key."""


class Codes:
    # InvalidInput
    CUSTOMER_INPUT_INVALID = "CUSTOMER_INPUT_INVALID"  # name, phone, store or custom field values
    FIELD_DEFINITION_INVALID = "FIELD_DEFINITION_INVALID"  # a DefineCustomerField request
    PAGE_INVALID = "PAGE_INVALID"  # page / page_size out of range, query too long
    # NotFound: missing, another tenant's, or not visible to this salesperson (ids cannot be probed)
    CUSTOMER_NOT_FOUND = "CUSTOMER_NOT_FOUND"
    # AlreadyExists
    CUSTOMER_PHONE_TAKEN = "CUSTOMER_PHONE_TAKEN"
    # PermissionDenied
    FIELD_DEFINE_DENIED = "FIELD_DEFINE_DENIED"  # only owner / store manager configure fields
    REGISTER_DENIED = "CUSTOMER_REGISTER_DENIED"  # caller is not a salesperson, manager or owner
    OWNER_ASSIGN_DENIED = "CUSTOMER_OWNER_ASSIGN_DENIED"  # a salesperson naming another owner
    STORE_ACCESS_DENIED = "STORE_ACCESS_DENIED"  # a store that is not one of the caller's
    CUSTOMERS_ACCESS_DENIED = "CUSTOMERS_ACCESS_DENIED"  # caller is neither staff nor a service
    # Leads, follow-ups, visits, duplicates (C6-C9)
    LEAD_INPUT_INVALID = "LEAD_INPUT_INVALID"
    FOLLOWUP_INPUT_INVALID = "FOLLOWUP_INPUT_INVALID"
    VISIT_INPUT_INVALID = "VISIT_INPUT_INVALID"
    LEAD_NOT_FOUND = "LEAD_NOT_FOUND"
    VISIT_NOT_FOUND = "VISIT_NOT_FOUND"
    DUPLICATE_NOT_FOUND = "DUPLICATE_NOT_FOUND"
    ACTIVITY_DENIED = "ACTIVITY_DENIED"  # not staff in a selling or managing role
    LEAD_ASSIGN_DENIED = "LEAD_ASSIGN_DENIED"  # only managers assign
    LEAD_IMPORT_DENIED = "LEAD_IMPORT_DENIED"  # only managers import spreadsheets
    LEADS_ALL_DENIED = "LEADS_ALL_DENIED"  # only managers list every lead
    LEAD_FOLLOW_DENIED = "LEAD_FOLLOW_DENIED"  # not the lead's salesperson
    CUSTOMER_FOLLOW_DENIED = "CUSTOMER_FOLLOW_DENIED"  # not the customer's salesperson nor a manager
    VISIT_ASSIGN_DENIED = "VISIT_ASSIGN_DENIED"  # a salesperson planning a colleague's day
    DUPLICATE_RESOLVE_DENIED = "DUPLICATE_RESOLVE_DENIED"  # neither side's salesperson nor a manager
    # Conflict (wrong state)
    LEAD_ALREADY_ASSIGNED = "LEAD_ALREADY_ASSIGNED"
    LEAD_NOT_ASSIGNED = "LEAD_NOT_ASSIGNED"
    LEAD_CLOSED = "LEAD_CLOSED"  # converted or merged already
    CUSTOMER_ELIMINATED = "CUSTOMER_ELIMINATED"  # restore it to the active list first
    CUSTOMER_ACTIVE = "CUSTOMER_ACTIVE"  # restoring a customer that is not eliminated
    LEAD_TAKEN = "LEAD_TAKEN"  # phone and unionID belong to two different leads
    VISIT_ALREADY_DONE = "VISIT_ALREADY_DONE"
    DUPLICATE_RESOLVED = "DUPLICATE_RESOLVED"
    DUPLICATE_IS_COLLISION = "DUPLICATE_IS_COLLISION"  # one side must release before a merge
    # Segments (C4)
    SEGMENT_INVALID = "SEGMENT_INVALID"  # InvalidInput: name or filter (the field is named)
    SEGMENT_NOT_FOUND = "SEGMENT_NOT_FOUND"  # NotFound: missing or another tenant's
    SEGMENT_NAME_TAKEN = "SEGMENT_NAME_TAKEN"  # AlreadyExists: the tenant has a segment of that name
    SEGMENT_CHANGE_DENIED = "SEGMENT_CHANGE_DENIED"  # PermissionDenied: neither its creator nor a manager
    SEGMENT_STREAM_DENIED = "SEGMENT_STREAM_DENIED"  # PermissionDenied: streaming is for services
    SEGMENT_UNREADABLE = "SEGMENT_UNREADABLE"  # Conflict: its stored filter no longer reads; save anew or delete


class MessageKeys:
    INVALID_INPUT = "error.invalid_input"
    CUSTOMER_NOT_FOUND = "error.customer_not_found"
    CUSTOMER_PHONE_TAKEN = "error.customer_phone_taken"
    PERMISSION_DENIED = "error.permission_denied"
    STORE_ACCESS_DENIED = "error.store_access_denied"
    LEAD_NOT_FOUND = "error.lead_not_found"
    VISIT_NOT_FOUND = "error.visit_not_found"
    DUPLICATE_NOT_FOUND = "error.duplicate_not_found"
    LEAD_ALREADY_ASSIGNED = "error.lead_already_assigned"
    LEAD_NOT_ASSIGNED = "error.lead_not_assigned"
    LEAD_CLOSED = "error.lead_closed"
    CUSTOMER_ELIMINATED = "error.customer_eliminated"
    CUSTOMER_ACTIVE = "error.customer_active"
    VISIT_ALREADY_DONE = "error.visit_already_done"
    DUPLICATE_RESOLVED = "error.duplicate_resolved"
    DUPLICATE_IS_COLLISION = "error.duplicate_is_collision"
    SEGMENT_NOT_FOUND = "error.segment_not_found"
    SEGMENT_NAME_TAKEN = "error.segment_name_taken"
    SEGMENT_UNREADABLE = "error.segment_unreadable"


class OwnershipCodes:
    """C2, C3, C5, C12 codes (kept apart so the areas merge without touching each other)."""

    # InvalidInput
    TAG_INPUT_INVALID = "TAG_INPUT_INVALID"
    SETTINGS_INPUT_INVALID = "CUSTOMER_SETTINGS_INVALID"
    OWNERSHIP_INPUT_INVALID = "OWNERSHIP_INPUT_INVALID"  # reason, staff id, location search
    REGISTRATION_TOKEN_INVALID = "REGISTRATION_TOKEN_INVALID"  # forged, malformed or expired QR token
    # NotFound
    TAG_NOT_FOUND = "TAG_NOT_FOUND"
    APPLICATION_NOT_FOUND = "REGISTRATION_APPLICATION_NOT_FOUND"
    # AlreadyExists
    TAG_NAME_TAKEN = "TAG_NAME_TAKEN"
    # Conflict (409)
    CUSTOMER_NOT_IN_POOL = "CUSTOMER_NOT_IN_POOL"  # someone holds it (e.g. another claimer won)
    CUSTOMER_ALREADY_IN_POOL = "CUSTOMER_ALREADY_IN_POOL"
    RECLAIM_COOLDOWN = "CUSTOMER_RECLAIM_COOLDOWN"  # the previous owner must wait
    APPLICATION_ALREADY_REVIEWED = "REGISTRATION_APPLICATION_REVIEWED"
    APPLICATION_PENDING = "REGISTRATION_APPLICATION_PENDING"  # the phone already waits for review
    # QuotaExceeded (429)
    HOLD_LIMIT_REACHED = "CUSTOMER_HOLD_LIMIT_REACHED"
    DAILY_CLAIM_LIMIT_REACHED = "CUSTOMER_DAILY_CLAIM_LIMIT_REACHED"
    # PermissionDenied
    MANAGERS_ONLY = "CUSTOMER_MANAGERS_ONLY"  # tags, settings, transfer, lock, review
    NOT_YOUR_CUSTOMER = "CUSTOMER_NOT_YOURS"  # releasing a colleague's customer
    # Unavailable
    REGISTRATION_QR_NOT_CONFIGURED = "REGISTRATION_QR_NOT_CONFIGURED"
    STAFF_DIRECTORY_UNAVAILABLE = "STAFF_DIRECTORY_UNAVAILABLE"  # no identity client configured


class OwnershipMessageKeys:
    TAG_NOT_FOUND = "error.tag_not_found"
    TAG_NAME_TAKEN = "error.tag_name_taken"
    REGISTRATION_TOKEN_INVALID = "error.registration_token_invalid"
    APPLICATION_NOT_FOUND = "error.registration_application_not_found"
    APPLICATION_ALREADY_REVIEWED = "error.registration_application_reviewed"
    APPLICATION_PENDING = "error.registration_application_pending"
    CUSTOMER_NOT_IN_POOL = "error.customer_not_in_pool"
    CUSTOMER_ALREADY_IN_POOL = "error.customer_already_in_pool"
    RECLAIM_COOLDOWN = "error.customer_reclaim_cooldown"
    HOLD_LIMIT_REACHED = "error.customer_hold_limit_reached"
    DAILY_CLAIM_LIMIT_REACHED = "error.customer_daily_claim_limit_reached"
    REGISTRATION_QR_NOT_CONFIGURED = "error.registration_qr_not_configured"
