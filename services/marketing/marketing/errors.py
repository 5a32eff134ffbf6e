"""Every error code of the marketing service, with the i18n key of its message.

Clients switch on the code (ErrorInfo.reason; values never change), people read the message the
gateway renders from the key.
"""

from crmkit.errors import ErrorCodeEnum


class ErrorCode(ErrorCodeEnum):
    # A field is missing, too long or not one of the choices; `fields` names it.
    MARKETING_INPUT_INVALID = "MARKETING_INPUT_INVALID", "error.marketing_input_invalid"
    # Writing the company library and the tenant's settings is for the owner and store managers.
    MARKETING_ADMIN_ONLY = "MARKETING_ADMIN_ONLY", "error.marketing_admin_only"
    # Sharing and the salesperson's own preferences are for staff.
    MARKETING_STAFF_ONLY = "MARKETING_STAFF_ONLY", "error.marketing_staff_only"
    # Missing or another tenant's: the same from outside.
    CATEGORY_NOT_FOUND = "CATEGORY_NOT_FOUND", "error.category_not_found"
    ARTICLE_NOT_FOUND = "ARTICLE_NOT_FOUND", "error.article_not_found"
    # A category with articles in it is not deleted: move them first.
    CATEGORY_NOT_EMPTY = "CATEGORY_NOT_EMPTY", "error.category_not_empty"
    # An article that is off cannot be shared (and its shared links show it is gone).
    ARTICLE_INACTIVE = "ARTICLE_INACTIVE", "error.article_inactive"
    # A share link that was never issued, altered, or whose article is gone: one answer.
    SHARE_NOT_FOUND = "SHARE_NOT_FOUND", "error.share_not_found"
    # A reading beat for a view that does not exist or is not this visitor's.
    VIEW_NOT_FOUND = "VIEW_NOT_FOUND", "error.view_not_found"
    # Missing, another tenant's, or (for a salesperson) a visitor another salesperson's share brought.
    VISITOR_NOT_FOUND = "VISITOR_NOT_FOUND", "error.visitor_not_found"
    # No CJK font on this server for posters (POSTER_FONT, or install fonts-wqy-microhei).
    POSTER_FONT_MISSING = "POSTER_FONT_MISSING", "error.poster_font_missing"
    # A card is shared after its salesperson has opened (made) it.
    CARD_NOT_FOUND = "CARD_NOT_FOUND", "error.card_not_found"
    # A product the catalogue does not have (or no longer lists) cannot be put on a poster.
    PRODUCT_NOT_FOUND = "PRODUCT_NOT_FOUND", "error.product_not_found"
    # The pasted article link did not answer in time; try again, or upload the page as a file.
    IMPORT_UNREACHABLE = "IMPORT_UNREACHABLE", "error.import_unreachable"
    # No WeChat app is configured (WECHAT_APP_ID): the page offers no WeChat login.
    WECHAT_LOGIN_OFF = "WECHAT_LOGIN_OFF", "error.wechat_login_off"
    # WeChat refused the code (used, expired or never issued): log in again for a new one.
    WECHAT_CODE_INVALID = "WECHAT_CODE_INVALID", "error.wechat_code_invalid"
    # WeChat did not answer, failed, or refused this platform's app credentials: try later.
    WECHAT_UNAVAILABLE = "WECHAT_UNAVAILABLE", "error.wechat_unavailable"
    # Materials (D6): missing or another tenant's; switched off (shared links show it is gone).
    MATERIAL_NOT_FOUND = "MATERIAL_NOT_FOUND", "error.material_not_found"
    MATERIAL_INACTIVE = "MATERIAL_INACTIVE", "error.material_inactive"
    # The file store is not set up (FILE_STORE) or did not answer: materials' files wait for it.
    FILE_STORE_NOT_CONFIGURED = "FILE_STORE_NOT_CONFIGURED", "error.file_store_not_configured"
    FILE_STORE_UNAVAILABLE = "FILE_STORE_UNAVAILABLE", "error.file_store_unavailable"
    # An uploaded poster picture (D4) that is missing, another tenant's, or another salesperson's own.
    POSTER_IMAGE_NOT_FOUND = "POSTER_IMAGE_NOT_FOUND", "error.poster_image_not_found"
    # A poster (made from a picture or a text) that is missing or not mine.
    POSTER_NOT_FOUND = "POSTER_NOT_FOUND", "error.poster_not_found"
