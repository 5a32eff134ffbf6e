"""Every error code of the printing service, with the i18n key of its message.

Clients switch on the code (ErrorInfo.reason; values never change), people read the message the
gateway renders from the key.
"""

from crmkit.errors import ErrorCodeEnum


class ErrorCode(ErrorCodeEnum):
    # A field is missing, too long or not one of the choices; `fields` names it.
    PRINTING_INPUT_INVALID = "PRINTING_INPUT_INVALID", "error.printing_input_invalid"
    # Printers and the queue are the owner's and the store managers' (of their own stores).
    PRINTING_ADMIN_ONLY = "PRINTING_ADMIN_ONLY", "error.printing_admin_only"
    # A store manager naming a store that is not theirs.
    PRINTING_STORE_DENIED = "PRINTING_STORE_DENIED", "error.printing_store_denied"
    # Missing, another tenant's, or (for a store manager) another store's: the same from outside.
    PRINTER_NOT_FOUND = "PRINTER_NOT_FOUND", "error.printer_not_found"
    PRINT_JOB_NOT_FOUND = "PRINT_JOB_NOT_FOUND", "error.print_job_not_found"
    # FeieYun printers need the platform's FeieYun account (FEIEYUN_USER, FEIEYUN_UKEY).
    CLOUD_PRINTING_UNAVAILABLE = "CLOUD_PRINTING_UNAVAILABLE", "error.cloud_printing_unavailable"
    # FeieYun refused to add the printer (wrong SN or key, bound to another account).
    CLOUD_PRINTER_REFUSED = "CLOUD_PRINTER_REFUSED", "error.cloud_printer_refused"
    # A disabled printer takes no test page.
    PRINTER_DISABLED = "PRINTER_DISABLED", "error.printer_disabled"
