"""F1: the Aliyun SMS adapter's request building, answer mapping and settings,
without a network (the HTTP round trip is in tests/test_sms_fake_server.py)."""

import json
from urllib.parse import parse_qsl

import pytest
import requests

from messaging.sms.aliyun import (
    DEFAULT_ENDPOINT,
    AliyunSmsSender,
    SmsConfigError,
    _receipt_from,
    sender_from_env,
)
from messaging.sms.fake_server import TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET
from messaging.sms.port import SmsMessage, SmsRejected, SmsUnavailable
from messaging.sms.signature import sign


def make_sender(**overrides):
    settings = dict(
        access_key_id="testId",
        access_key_secret="testSecret",
        sign_name="阿里云短信测试专用",
        templates={"login_code": "SMS_71390007"},
        clock=lambda: "2017-07-12T02:42:19Z",
        nonce=lambda: "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    )
    settings.update(overrides)
    return AliyunSmsSender(**settings)


def login_code(phone="13800000001", key="evt-1"):
    return SmsMessage(phone=phone, template="login_code", params={"code": "123456"}, idempotency_key=key)


def response(status, body):
    r = requests.Response()
    r.status_code = status
    r._content = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode()
    return r


class TestSendSmsRequest:
    def test_f1_request_carries_common_and_sendsms_parameters(self):
        # given a sender with a template mapping
        # when it builds the request for a login code
        params = dict(parse_qsl(make_sender().signed_query(login_code())))
        # then every published parameter is there, with our key mapped
        assert params == {
            "AccessKeyId": "testId",
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
            "SignatureVersion": "1.0",
            "Timestamp": "2017-07-12T02:42:19Z",
            "Version": "2017-05-25",
            "PhoneNumbers": "13800000001",
            "SignName": "阿里云短信测试专用",
            "TemplateCode": "SMS_71390007",
            "TemplateParam": '{"code":"123456"}',
            "OutId": "evt-1",
            "Signature": params["Signature"],
        }

    def test_f1_request_is_signed_over_exactly_what_is_sent(self):
        params = dict(parse_qsl(make_sender().signed_query(login_code())))
        signature = params.pop("Signature")
        assert signature == sign(params, "testSecret")

    def test_f1_idempotency_key_is_sent_as_out_id(self):
        params = dict(parse_qsl(make_sender().signed_query(login_code(key="event-42"))))
        assert params["OutId"] == "event-42"

    def test_f1_query_uses_percent20_not_plus_for_spaces(self):
        msg = SmsMessage("13800000001", "login_code", {"name": "Li Lei*"}, "k")
        query = make_sender().signed_query(msg)
        assert "+" not in query
        assert "Li%20Lei%2A" in query  # the URL carries the value encoded once

    def test_f1_unmapped_template_is_rejected_before_any_request(self):
        msg = SmsMessage("13800000001", "birthday", {}, "k")
        with pytest.raises(SmsRejected) as err:
            make_sender().send(msg)
        assert err.value.code == "TemplateNotConfigured"


class TestSendBatch:
    def coupon(self, phone, code):
        return SmsMessage(phone=phone, template="coupon_issued", params={"code": code}, idempotency_key=f"k-{code}")

    def test_p2_batch_request_carries_one_entry_per_message(self):
        sender = make_sender(templates={"coupon_issued": "SMS_9"})
        msgs = [self.coupon("13800000001", "1"), self.coupon("13800000002", "2")]
        params = dict(parse_qsl(sender.signed_batch_query(msgs)))
        assert params["Action"] == "SendBatchSms" and params["TemplateCode"] == "SMS_9"
        assert json.loads(params["PhoneNumberJson"]) == ["13800000001", "13800000002"]
        assert json.loads(params["SignNameJson"]) == ["阿里云短信测试专用"] * 2
        assert json.loads(params["TemplateParamJson"]) == [{"code": "1"}, {"code": "2"}]
        assert "PhoneNumbers" not in params and "OutId" not in params

    def test_p2_a_refused_batch_is_sent_message_by_message(self):
        answers = [
            response(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL"}),  # the batch
            response(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL"}),  # the first on its own
            response(200, {"Code": "OK", "BizId": "b-2"}),
        ]

        class Session:
            def get(self, url, timeout):
                return answers.pop(0)

        sender = make_sender(templates={"coupon_issued": "SMS_9"}, session=Session())
        outcomes = sender.send_batch([self.coupon("13800000001", "1"), self.coupon("13800000002", "2")])
        assert isinstance(outcomes[0], SmsRejected) and outcomes[0].code == "isv.MOBILE_NUMBER_ILLEGAL"
        assert outcomes[1].provider_message_id == "b-2"

    def test_p2_an_unavailable_provider_decides_nothing_for_the_batch(self):
        class Session:
            def get(self, url, timeout):
                return response(503, {"Code": "ServiceUnavailable"})

        sender = make_sender(templates={"coupon_issued": "SMS_9"}, session=Session())
        with pytest.raises(SmsUnavailable):
            sender.send_batch([self.coupon("13800000001", "1"), self.coupon("13800000002", "2")])


class TestAnswerMapping:
    def test_f1_ok_answer_becomes_a_receipt_with_the_biz_id(self):
        receipt = _receipt_from(
            response(
                200,
                {"Code": "OK", "Message": "OK", "BizId": "9006197469364984^0", "RequestId": "R"},
            )
        )
        assert (receipt.provider_message_id, receipt.provider) == ("9006197469364984^0", "aliyun")

    @pytest.mark.parametrize(
        ("status", "code"),
        [
            (200, "isv.BUSINESS_LIMIT_CONTROL"),
            (200, "isv.MOBILE_NUMBER_ILLEGAL"),
            (200, "isv.SMS_TEMPLATE_ILLEGAL"),
            (200, "isv.SMS_SIGNATURE_ILLEGAL"),
            (200, "isv.INVALID_JSON_PARAM"),
            (400, "SignatureDoesNotMatch"),
            (404, "InvalidAccessKeyId.NotFound"),
        ],
    )
    def test_f1_provider_refusal_is_rejected_with_its_code(self, status, code):
        with pytest.raises(SmsRejected) as err:
            _receipt_from(response(status, {"Code": code, "Message": "no", "RequestId": "R"}))
        assert err.value.code == code

    @pytest.mark.parametrize(
        ("status", "body"),
        [
            (503, {"Code": "ServiceUnavailable", "Message": "busy"}),
            (500, {"Code": "InternalError", "Message": "oops"}),
            (200, {"Code": "isp.SYSTEM_ERROR", "Message": "call again"}),
            (400, {"Code": "Throttling.User", "Message": "flow control"}),
            (502, "<html>Bad Gateway</html>"),
            (200, "not json"),
        ],
    )
    def test_f1_provider_failure_is_unavailable_and_retryable(self, status, body):
        with pytest.raises(SmsUnavailable):
            _receipt_from(response(status, body))

    def test_f1_unreadable_client_error_is_rejected(self):
        with pytest.raises(SmsRejected) as err:
            _receipt_from(response(404, "<html>Not Found</html>"))
        assert err.value.code == "HTTP404"


class TestSenderFromEnv:
    REAL = {
        "SMS_PROVIDER": "aliyun",
        "ALIYUN_ACCESS_KEY_ID": "LTAI-id",
        "ALIYUN_ACCESS_KEY_SECRET": "secret",
        "ALIYUN_SMS_SIGN_NAME": "某某商城",
        "ALIYUN_SMS_TEMPLATE_LOGIN_CODE": "SMS_1",
    }

    def test_f1_aliyun_provider_uses_the_public_endpoint_by_default(self):
        sender = sender_from_env(self.REAL)
        assert isinstance(sender, AliyunSmsSender)
        assert sender._url == DEFAULT_ENDPOINT + "/"

    def test_f1_endpoint_can_be_overridden(self):
        sender = sender_from_env({**self.REAL, "ALIYUN_SMS_ENDPOINT": "http://127.0.0.1:8090"})
        assert sender._url == "http://127.0.0.1:8090/"

    @pytest.mark.parametrize(
        "missing",
        [
            "SMS_PROVIDER",
            "ALIYUN_ACCESS_KEY_ID",
            "ALIYUN_ACCESS_KEY_SECRET",
            "ALIYUN_SMS_SIGN_NAME",
            "ALIYUN_SMS_TEMPLATE_LOGIN_CODE",
        ],
    )
    def test_f1_missing_setting_stops_startup_naming_the_variable(self, missing):
        environ = {k: v for k, v in self.REAL.items() if k != missing}
        with pytest.raises(SmsConfigError, match=missing):
            sender_from_env(environ)

    def test_f1_unknown_provider_is_refused(self):
        with pytest.raises(SmsConfigError, match="SMS_PROVIDER"):
            sender_from_env({**self.REAL, "SMS_PROVIDER": "tencent"})

    def test_f1_fake_provider_needs_the_fake_endpoint(self):
        with pytest.raises(SmsConfigError, match="ALIYUN_SMS_ENDPOINT"):
            sender_from_env({"SMS_PROVIDER": "fake"})

    def test_f1_fake_provider_uses_test_credentials_and_readable_template(self):
        sender = sender_from_env({"SMS_PROVIDER": "fake", "ALIYUN_SMS_ENDPOINT": "http://127.0.0.1:8090"})
        params = dict(parse_qsl(sender.signed_query(login_code())))
        assert params["AccessKeyId"] == TEST_ACCESS_KEY_ID
        assert params["TemplateCode"] == "login_code"
        assert (
            sign({k: v for k, v in params.items() if k != "Signature"}, TEST_ACCESS_KEY_SECRET) == params["Signature"]
        )

    def test_e2_coupon_templates_map_to_their_configured_codes(self):
        sender = sender_from_env(
            {
                **self.REAL,
                "ALIYUN_SMS_TEMPLATE_COUPON_ISSUED": "SMS_2",
                "ALIYUN_SMS_TEMPLATE_COUPON_EXPIRING": " SMS_3 ",
            }
        )
        issued = SmsMessage("13800138000", "coupon_issued", {"code": "1"}, "k")
        expiring = SmsMessage("13800138000", "coupon_expiring", {"code": "1"}, "k")
        assert dict(parse_qsl(sender.signed_query(issued)))["TemplateCode"] == "SMS_2"
        assert dict(parse_qsl(sender.signed_query(expiring)))["TemplateCode"] == "SMS_3"

    def test_e2_unconfigured_coupon_template_refuses_the_text_not_the_startup(self):
        sender = sender_from_env(self.REAL)
        with pytest.raises(SmsRejected) as err:
            sender.signed_query(SmsMessage("13800138000", "coupon_expiring", {"code": "1"}, "k"))
        assert err.value.code == "TemplateNotConfigured"
        assert dict(parse_qsl(sender.signed_query(login_code())))["TemplateCode"] == "SMS_1"

    def test_e2_fake_provider_names_coupon_templates_by_their_keys(self):
        sender = sender_from_env({"SMS_PROVIDER": "fake", "ALIYUN_SMS_ENDPOINT": "http://127.0.0.1:8090"})
        msg = SmsMessage("13800138000", "coupon_issued", {"code": "1"}, "k")
        assert dict(parse_qsl(sender.signed_query(msg)))["TemplateCode"] == "coupon_issued"
