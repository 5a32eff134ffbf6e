"""Error codes of the orders service: clients switch on these, people read the message key."""


class Codes:
    # InvalidInput
    CATALOGUE_INPUT_INVALID = "CATALOGUE_INPUT_INVALID"  # category, product, stock or price fields
    ORDER_INPUT_INVALID = "ORDER_INPUT_INVALID"  # lines, store, reason of an order or return
    LIST_INPUT_INVALID = "LIST_INPUT_INVALID"  # filters of a list (dates, query)
    # NotFound: missing, another tenant's, or not visible to this caller
    CATEGORY_NOT_FOUND = "CATEGORY_NOT_FOUND"
    PRODUCT_NOT_FOUND = "PRODUCT_NOT_FOUND"
    CUSTOMER_NOT_FOUND = "CUSTOMER_NOT_FOUND"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    RETURN_NOT_FOUND = "RETURN_NOT_FOUND"
    # AlreadyExists
    BARCODE_TAKEN = "PRODUCT_BARCODE_TAKEN"
    # PermissionDenied
    CATALOGUE_DENIED = "CATALOGUE_MANAGE_DENIED"  # catalogue and customer prices: owner, store manager
    STOCK_DENIED = "STOCK_MANAGE_DENIED"  # stock: owner, store manager, warehouse
    PRICE_CHANGE_NOT_ALLOWED = "PRICE_CHANGE_NOT_ALLOWED"  # a typed price without "change_price"
    ORDER_ACTION_DENIED = "ORDER_ACTION_DENIED"  # a back-office step by the wrong role
    RETURN_ACTION_DENIED = "RETURN_ACTION_DENIED"
    SUBMIT_DENIED = "ORDER_SUBMIT_DENIED"  # caller is not staff
    STORE_ACCESS_DENIED = "STORE_ACCESS_DENIED"  # a store that is not the caller's or the customer's
    SETTINGS_DENIED = "ORDER_SETTINGS_DENIED"  # only the owner changes tenant order settings
    # Conflict
    ORDER_STATE_INVALID = "ORDER_STATE_INVALID"
    RETURN_STATE_INVALID = "RETURN_STATE_INVALID"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    CREDIT_BLOCKED = "CREDIT_BLOCKED"  # over the credit limit or owing overdue debt, tenant blocks
    ORDER_ALREADY_VERIFIED = "ORDER_ALREADY_VERIFIED"  # B7: its code was verified before
    # Unavailable
    COUPONS_UNAVAILABLE = "COUPONS_UNAVAILABLE"  # an order with coupons while the coupons service is not configured


class MessageKeys:
    INVALID_INPUT = "error.invalid_input"
    NOT_FOUND = "error.not_found"
    CUSTOMER_NOT_FOUND = "error.customer_not_found"
    PRODUCT_NOT_FOUND = "error.product_not_found"
    ORDER_NOT_FOUND = "error.order_not_found"
    RETURN_NOT_FOUND = "error.return_not_found"
    BARCODE_TAKEN = "error.product_barcode_taken"
    PERMISSION_DENIED = "error.permission_denied"
    PRICE_CHANGE_NOT_ALLOWED = "error.price_change_not_allowed"
    STATE_INVALID = "error.state_invalid"
    INSUFFICIENT_STOCK = "error.insufficient_stock"
    CREDIT_BLOCKED = "error.credit_blocked"
    ORDER_ALREADY_VERIFIED = "error.order_already_verified"
