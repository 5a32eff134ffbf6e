"""WeChat Pay API v3 signatures and resource encryption, shared by the adapter and the fake.

- Requests: RSA-SHA256 (PKCS#1 v1.5) with the merchant key over
  "METHOD\\nPATH_WITH_QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n", sent as the Authorization header.
- Responses and notifications: the same with the platform key over "TIMESTAMP\\nNONCE\\nBODY\\n",
  sent as the Wechatpay-* headers.
- Notification resources: AEAD_AES_256_GCM with the 32-byte APIv3 key.
"""

from __future__ import annotations

import base64
import re
import secrets
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

AUTH_SCHEME = "WECHATPAY2-SHA256-RSA2048"


def new_nonce() -> str:
    return secrets.token_hex(16).upper()


def now_timestamp() -> str:
    return str(int(time.time()))


def sign(private_key: rsa.RSAPrivateKey, message: str) -> str:
    raw = private_key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode("ascii")


def verify(public_key: rsa.RSAPublicKey, message: str, signature_b64: str) -> bool:
    try:
        raw = base64.b64decode(signature_b64, validate=True)
        public_key.verify(raw, message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def request_message(method: str, path_with_query: str, timestamp: str, nonce: str, body: str) -> str:
    return f"{method}\n{path_with_query}\n{timestamp}\n{nonce}\n{body}\n"


def response_message(timestamp: str, nonce: str, body: str) -> str:
    return f"{timestamp}\n{nonce}\n{body}\n"


def pay_sign_message(app_id: str, timestamp: str, nonce: str, package: str) -> str:
    return f"{app_id}\n{timestamp}\n{nonce}\n{package}\n"


def authorization(
    *,
    mchid: str,
    serial_no: str,
    private_key: rsa.RSAPrivateKey,
    method: str,
    path_with_query: str,
    body: str,
    timestamp: str | None = None,
    nonce: str | None = None,
) -> str:
    timestamp = timestamp or now_timestamp()
    nonce = nonce or new_nonce()
    signature = sign(private_key, request_message(method, path_with_query, timestamp, nonce, body))
    return (
        f'{AUTH_SCHEME} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{serial_no}"'
    )


_AUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')


def parse_authorization(value: str) -> dict[str, str] | None:
    """The parameters of an Authorization header, or None when it is not our scheme."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme != AUTH_SCHEME:
        return None
    return dict(_AUTH_PARAM.findall(rest))


def encrypt_resource(apiv3_key: bytes, plaintext: str, associated_data: str, nonce: str) -> str:
    raw = AESGCM(apiv3_key).encrypt(nonce.encode("utf-8"), plaintext.encode("utf-8"), associated_data.encode("utf-8"))
    return base64.b64encode(raw).decode("ascii")


def decrypt_resource(apiv3_key: bytes, ciphertext_b64: str, associated_data: str, nonce: str) -> str:
    """Raises InvalidTag (or ValueError for bad base64/nonce) when it was not sealed with this key."""
    raw = base64.b64decode(ciphertext_b64, validate=True)
    plain = AESGCM(apiv3_key).decrypt(nonce.encode("utf-8"), raw, associated_data.encode("utf-8"))
    return plain.decode("utf-8")


def generate_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def load_private_key(pem: str | bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode() if isinstance(pem, str) else pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the merchant key must be an RSA private key")
    return key


def load_public_key(pem: str | bytes) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the platform key must be an RSA public key")
    return key


def public_pem(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
