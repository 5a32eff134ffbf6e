"""Schemas of the shop's own endpoints (B6): a customer's SMS login to one merchant, the
merchant's stores and listed products, paying and step bodies. The order itself is
gateway.api.storefront_schemas'."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Dict, Integer, List, Nested, String
from apiflask.validators import Length
from marshmallow import ValidationError, validates_schema

from gateway.api.common import PageQuery
from gateway.api.fields import PHONE, choice, ident, positive_fen, text
from gateway.api.storefront_schemas import STATES, StorefrontOrderOut

PAYMENT_METHODS = ("wechat", "stored_value")
# The customer's own steps of orders.domain.storefront.STEPS.
SHOP_ACTIONS = ("cancel", "confirm_receipt", "complete")


class ShopCodeIn(Schema):
    tenant_id = ident(required=True, metadata={"description": "The merchant, from its shop link"})
    phone = String(required=True, validate=PHONE)


class ShopCodeOut(Schema):
    expires_in_seconds = Integer()
    resend_after_seconds = Integer()


class ShopLoginIn(ShopCodeIn):
    code = text(6, required=True, min_len=6, metadata={"description": "The 6-digit code the SMS brought"})


class ShopLoginOut(Schema):
    access_token = String(metadata={"description": "A customer token: send it as Authorization: Bearer"})
    expires_in = Integer(metadata={"description": "Seconds; there is no refresh token, log in again"})
    customer_id = String()


class ShopStoreOut(Schema):
    id = String()
    name = String()
    address = String()


class ShopStoresOut(Schema):
    items = List(Nested(ShopStoreOut))


class ShopProductQuery(PageQuery):
    store_id = String(load_default="", validate=Length(max=64), metadata={"description": "Stock in this store"})
    query = String(load_default="", validate=Length(max=50), metadata={"description": "Part of the name"})


class ShopProductOut(Schema):
    id = String()
    name = String()
    category_id = String()
    unit = String()
    price_fen = Integer(metadata={"description": "The shop's list price (the product's wholesale price)"})
    stock = Integer(allow_none=True, metadata={"description": "In store_id; null without one or never stocked"})


class ShopProductsOut(Schema):
    items = List(Nested(ShopProductOut))
    total = Integer()


class ShopOrderQuery(PageQuery):
    state = choice(("", *STATES), load_default="")


class ShopPayIn(Schema):
    method = choice(PAYMENT_METHODS, required=True)
    openid = String(load_default="", validate=Length(max=128), metadata={"description": "wechat: the payer's openid"})

    @validates_schema
    def wechat_needs_openid(self, data, **kwargs):
        if data.get("method") == "wechat" and not data.get("openid", "").strip():
            raise ValidationError("validation.required", field_name="openid")


class ShopPaymentOut(Schema):
    order = Nested(StorefrontOrderOut)
    pay_params = Dict(
        keys=String(),
        values=String(),
        metadata={"description": "wechat: what wx.requestPayment takes (appId, timeStamp, nonceStr, package, ...)"},
    )


class ShopStepIn(Schema):
    reason = text(200, load_default="", metadata={"description": "cancel: why"})


class ShopRefundIn(Schema):
    amount_fen = positive_fen(required=True, metadata={"description": "All or part of what is left to refund"})
    reason = text(200, load_default="")
