"""F1: Aliyun RPC signature v1, checked against Aliyun's published examples."""

import pytest

from messaging.sms.signature import (
    canonicalized_query,
    percent_encode,
    sign,
    signature_matches,
    string_to_sign,
)

# The worked example of Aliyun SMS's "signature" document (HTTP protocol and
# signature, dysmsapi SendSms): credentials testId / testSecret.
SMS_DOC_PARAMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}
SMS_DOC_CANONICAL = (
    "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001"
    "&RegionId=cn-hangzhou"
    "&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8"
    "&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466"
    "&SignatureVersion=1.0&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D"
    "&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25"
)
SMS_DOC_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123"
    "%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF"
    "%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF"
    "%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce"
    "%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode"
    "%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D"
    "%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"
)
SMS_DOC_SIGNATURE = "zJDF+Lrzhj/ThnlvIToysFRq6t4="

# The example of Alibaba Cloud's general RPC "signature mechanism" document
# (ECS DescribeRegions): credentials testid / testsecret.
RPC_DOC_PARAMS = {
    "Timestamp": "2016-02-23T12:46:24Z",
    "Format": "XML",
    "AccessKeyId": "testid",
    "Action": "DescribeRegions",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "Version": "2014-05-26",
    "SignatureVersion": "1.0",
}
RPC_DOC_SIGNATURE = "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("AZaz09-_.~", "AZaz09-_.~"),  # RFC 3986 unreserved: left alone
        ("a b", "a%20b"),  # space is %20, never +
        ("a*b", "a%2Ab"),
        ("a+b", "a%2Bb"),
        ("/", "%2F"),
        ("2017-07-12T02:42:19Z", "2017-07-12T02%3A42%3A19Z"),
        ('{"code":"1"}', "%7B%22code%22%3A%221%22%7D"),
        ("阿", "%E9%98%BF"),  # UTF-8 bytes, upper-case hex
    ],
)
def test_f1_percent_encoding_follows_aliyun_rules(raw, encoded):
    assert percent_encode(raw) == encoded


def test_f1_canonical_query_is_sorted_and_encoded_as_published():
    assert canonicalized_query(SMS_DOC_PARAMS) == SMS_DOC_CANONICAL


def test_f1_string_to_sign_matches_published_example():
    assert string_to_sign(SMS_DOC_PARAMS) == SMS_DOC_STRING_TO_SIGN


def test_f1_aliyun_signature_matches_published_example():
    assert sign(SMS_DOC_PARAMS, "testSecret") == SMS_DOC_SIGNATURE


def test_f1_aliyun_signature_matches_published_rpc_example():
    # given the parameters in the document's (unsorted) order
    # then sorting happens inside and the published signature comes out
    assert sign(RPC_DOC_PARAMS, "testsecret") == RPC_DOC_SIGNATURE


def test_f1_signature_parameter_is_not_part_of_what_is_signed():
    signed = {**SMS_DOC_PARAMS, "Signature": SMS_DOC_SIGNATURE}
    assert sign(signed, "testSecret") == SMS_DOC_SIGNATURE
    assert signature_matches(signed, "testSecret")


@pytest.mark.parametrize(
    ("change", "secret"),
    [
        ({}, "otherSecret"),
        ({"PhoneNumbers": "15300000002"}, "testSecret"),
        ({"Signature": ""}, "testSecret"),
    ],
)
def test_f1_tampered_request_or_wrong_secret_fails_verification(change, secret):
    signed = {**SMS_DOC_PARAMS, "Signature": SMS_DOC_SIGNATURE, **change}
    assert not signature_matches(signed, secret)


def test_f1_post_requests_sign_a_different_string():
    assert string_to_sign(RPC_DOC_PARAMS, "POST").startswith("POST&%2F&")
    assert sign(RPC_DOC_PARAMS, "testsecret", "POST") != RPC_DOC_SIGNATURE
