"""Readers who log in with WeChat (D2, C7): the login port, the adapter written to WeChat's
web-page authorization (网页授权) API, and a local fake of that API for tests and `make run`.

The fake's app is named here (not in fake_server) so the declaration can name it without
importing any HTTP code. Not secrets: the fake accepts nothing else, and nothing real accepts them.
"""

FAKE_APP_ID = "wxfake0000000000ab"
FAKE_APP_SECRET = "fake-wechat-app-secret-0123456789"
