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
    # Segments (C4)
    SEGMENT_INVALID = "SEGMENT_INVALID"  # InvalidInput: name or filter (the field is named)
    SEGMENT_NOT_FOUND = "SEGMENT_NOT_FOUND"  # NotFound: missing or another tenant's
    SEGMENT_NAME_TAKEN = "SEGMENT_NAME_TAKEN"  # AlreadyExists: the tenant has a segment of that name
    SEGMENT_CHANGE_DENIED = "SEGMENT_CHANGE_DENIED"  # PermissionDenied: neither its creator nor a manager
    SEGMENT_STREAM_DENIED = "SEGMENT_STREAM_DENIED"  # PermissionDenied: streaming is for services


class MessageKeys:
    INVALID_INPUT = "error.invalid_input"
    CUSTOMER_NOT_FOUND = "error.customer_not_found"
    CUSTOMER_PHONE_TAKEN = "error.customer_phone_taken"
    PERMISSION_DENIED = "error.permission_denied"
    STORE_ACCESS_DENIED = "error.store_access_denied"
    SEGMENT_NOT_FOUND = "error.segment_not_found"
    SEGMENT_NAME_TAKEN = "error.segment_name_taken"
