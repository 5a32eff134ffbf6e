"""Every error code of the orders service, with the i18n key of its message.

Clients switch on the code (ErrorInfo.reason; values never change), people read the message the
gateway renders from the key. `raise NotFound(ErrorCode.ORDER_NOT_FOUND)` brings the key along.
"""

from crmkit.errors import ErrorCodeEnum

INVALID_INPUT = "error.invalid_input"
PERMISSION_DENIED = "error.permission_denied"
STATE_INVALID = "error.state_invalid"
UNAVAILABLE = "error.unavailable"


class ErrorCode(ErrorCodeEnum):
    # InvalidInput
    CATALOGUE_INPUT_INVALID = "CATALOGUE_INPUT_INVALID", INVALID_INPUT  # category, product, stock or price fields
    ORDER_INPUT_INVALID = "ORDER_INPUT_INVALID", INVALID_INPUT  # lines, store, reason of an order or return
    LIST_INPUT_INVALID = "LIST_INPUT_INVALID", INVALID_INPUT  # filters of a list (dates, query)
    # NotFound: missing, another tenant's, or not visible to this caller
    CATEGORY_NOT_FOUND = "CATEGORY_NOT_FOUND", "error.category_not_found"
    PRODUCT_NOT_FOUND = "PRODUCT_NOT_FOUND", "error.product_not_found"
    CUSTOMER_NOT_FOUND = "CUSTOMER_NOT_FOUND", "error.customer_not_found"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND", "error.order_not_found"
    RETURN_NOT_FOUND = "RETURN_NOT_FOUND", "error.return_not_found"
    # AlreadyExists
    PRODUCT_BARCODE_TAKEN = "PRODUCT_BARCODE_TAKEN", "error.product_barcode_taken"
    # PermissionDenied
    CATALOGUE_MANAGE_DENIED = "CATALOGUE_MANAGE_DENIED", PERMISSION_DENIED  # catalogue, customer prices: managers
    STOCK_MANAGE_DENIED = "STOCK_MANAGE_DENIED", PERMISSION_DENIED  # stock: owner, store manager, warehouse
    PRICE_CHANGE_NOT_ALLOWED = "PRICE_CHANGE_NOT_ALLOWED", "error.price_change_not_allowed"  # without change_price
    ORDER_ACTION_DENIED = "ORDER_ACTION_DENIED", PERMISSION_DENIED  # a back-office step by the wrong role
    RETURN_ACTION_DENIED = "RETURN_ACTION_DENIED", PERMISSION_DENIED
    ORDER_SUBMIT_DENIED = "ORDER_SUBMIT_DENIED", PERMISSION_DENIED  # the caller is not staff
    # A store that is not the caller's or the customer's (documents, B10 dashboards).
    STORE_ACCESS_DENIED = "STORE_ACCESS_DENIED", "error.store_access_denied"
    ORDER_SETTINGS_DENIED = "ORDER_SETTINGS_DENIED", PERMISSION_DENIED  # only the owner changes order settings
    # Conflict
    ORDER_STATE_INVALID = "ORDER_STATE_INVALID", STATE_INVALID
    RETURN_STATE_INVALID = "RETURN_STATE_INVALID", STATE_INVALID
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK", "error.insufficient_stock"
    CREDIT_BLOCKED = "CREDIT_BLOCKED", "error.credit_blocked"  # over the limit or owing overdue debt, tenant blocks
    ORDER_ALREADY_VERIFIED = "ORDER_ALREADY_VERIFIED", "error.order_already_verified"  # B7: verified before
    # Unavailable
    # An order with coupons while the coupons service is not configured.
    COUPONS_UNAVAILABLE = "COUPONS_UNAVAILABLE", "error.service_unavailable"
    STORES_UNAVAILABLE = "STORES_UNAVAILABLE", "error.service_unavailable"  # identity could not say
    RANKING_REBUILDING = "RANKING_REBUILDING", UNAVAILABLE  # another request rebuilds the month's ranking (B9)
    FILE_STORE_NOT_CONFIGURED = "FILE_STORE_NOT_CONFIGURED", UNAVAILABLE  # collection proofs need a file store
    FILE_STORE_UNAVAILABLE = "FILE_STORE_UNAVAILABLE", UNAVAILABLE
    # Receivables (B4)
    COLLECTION_INPUT_INVALID = "COLLECTION_INPUT_INVALID", INVALID_INPUT
    COLLECTION_NOT_FOUND = "COLLECTION_NOT_FOUND", "error.collection_not_found"
    PROOF_NOT_FOUND = "PROOF_NOT_FOUND", "error.proof_not_found"
    COLLECTION_ACTION_DENIED = "COLLECTION_ACTION_DENIED", PERMISSION_DENIED
    CREDIT_TERM_DENIED = "CREDIT_TERM_DENIED", PERMISSION_DENIED
    COLLECTION_STATE_INVALID = "COLLECTION_STATE_INVALID", STATE_INVALID
    COLLECTION_EXCEEDS_DEBT = "COLLECTION_EXCEEDS_DEBT", "error.collection_exceeds_debt"
    # Storefront orders and refunds (B6, B8)
    STOREFRONT_INPUT_INVALID = "STOREFRONT_INPUT_INVALID", INVALID_INPUT  # placing, a step's fields, list filters
    STOREFRONT_ACTION_DENIED = "STOREFRONT_ACTION_DENIED", PERMISSION_DENIED
    STOREFRONT_STATE_INVALID = "STOREFRONT_STATE_INVALID", STATE_INVALID
    # In-store, face-to-face and top-up orders take no refund requests (the merchant manual).
    REFUND_NOT_ACCEPTED = "REFUND_NOT_ACCEPTED", "error.refund_not_accepted"
    REFUND_PENDING = "REFUND_PENDING", "error.refund_pending"  # one request at a time
    REFUND_NOT_PENDING = "REFUND_NOT_PENDING", STATE_INVALID
    REFUND_AMOUNT_INVALID = "REFUND_AMOUNT_INVALID", INVALID_INPUT  # 0, or over what is left
    REFUND_INPUT_INVALID = "REFUND_INPUT_INVALID", INVALID_INPUT  # the reason of a request or rejection
    REFUND_NOT_FOUND = "REFUND_NOT_FOUND", "error.refund_not_found"
    # Storefront payment (B6): WeChat Pay and stored value
    PAYMENT_INPUT_INVALID = "PAYMENT_INPUT_INVALID", INVALID_INPUT  # method, openid
    PAYMENT_NOT_CONFIGURED = "PAYMENT_NOT_CONFIGURED", "error.payment_not_configured"  # no WECHATPAY_* settings
    PAYMENT_REJECTED = "PAYMENT_REJECTED", "error.payment_rejected"  # WeChat Pay refused (params provider_code)
    PAYMENT_UNAVAILABLE = "PAYMENT_UNAVAILABLE", UNAVAILABLE  # no trustworthy answer from WeChat Pay
    # A notification that does not verify (params reason: BAD_SIGNATURE, WRONG_MERCHANT...).
    PAYMENT_NOTIFICATION_REJECTED = "PAYMENT_NOTIFICATION_REJECTED", INVALID_INPUT
    # A verified notification whose amount is not the order's: refused, a person must look.
    PAYMENT_AMOUNT_MISMATCH = "PAYMENT_AMOUNT_MISMATCH", "error.payment_amount_mismatch"
    STORED_VALUE_INSUFFICIENT = "STORED_VALUE_INSUFFICIENT", "error.insufficient_balance"  # params balance
    # Storefront delivery (B12): Dada
    DELIVERY_NOT_CONFIGURED = "DELIVERY_NOT_CONFIGURED", "error.delivery_not_configured"  # no DADA_* settings
    DELIVERY_REJECTED = "DELIVERY_REJECTED", "error.delivery_rejected"  # params provider_code, message
    DELIVERY_UNAVAILABLE = "DELIVERY_UNAVAILABLE", UNAVAILABLE
    DELIVERY_CALLBACK_REJECTED = "DELIVERY_CALLBACK_REJECTED", INVALID_INPUT  # params reason
    # Performance and commission (B9, B11)
    PERFORMANCE_INPUT_INVALID = "PERFORMANCE_INPUT_INVALID", INVALID_INPUT
    PERFORMANCE_DENIED = "PERFORMANCE_DENIED", PERMISSION_DENIED
    COMMISSION_RULE_NOT_FOUND = "COMMISSION_RULE_NOT_FOUND", "error.not_found"
    COMMISSION_RULE_EXISTS = "COMMISSION_RULE_EXISTS", "error.already_exists"
