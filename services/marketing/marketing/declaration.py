"""The marketing service as the platform sees it (crmkit.declaration, ADR 0012)."""

from pathlib import Path

from crmkit.declaration import Declaration, Variable, Worker

from .wechat import FAKE_APP_ID, FAKE_APP_SECRET

DECLARATION = Declaration(
    name="marketing",
    grpc_port=50056,
    # A material's file is streamed to the gateway as the reader's phone takes it: a slow phone
    # holds a thread for the whole download.
    grpc_workers=32,
    doc="the article library, share links and reader tracking (D1, D2), the visitor centre (C10)",
    grpc_services=("crm.marketing.v1.MarketingService",),
    build="marketing.server:build",
    ports="marketing.server:ports_from_env",
    migrations=Path(__file__).parent / "migrations",
    peers={
        "identity": "the salesperson's name and phone on posters (D4)",
        "orders": "recommended products on a reader's page (D1, D14)",
    },
    env=(
        Variable(
            "POSTER_FONT",
            "A CJK font file for posters; empty: the first of the image's wqy fonts found (fonts-wqy-microhei).",
        ),
        Variable(
            "ARTICLE_IMPORT_ALLOW_PRIVATE",
            '"true" only for test clusters: pasted article links may then reach addresses inside the network.',
        ),
        Variable(
            "WECHAT_APP_ID",
            "The official account (服务号) whose web-page authorization readers log in with (ADR 0018); "
            "empty: readers' pages offer no WeChat login.",
        ),
        Variable(
            "WECHAT_APP_SECRET",
            "The account's AppSecret (optional: without the Secret there is no WeChat login).",
            secret=("crm-wechat", "app-secret"),
            optional=True,
        ),
        Variable("WECHAT_OPEN_URL", "WeChat's authorization page host.", default="https://open.weixin.qq.com"),
        Variable(
            "WECHAT_API_URL", "WeChat's API host (sns/oauth2, sns/userinfo).", default="https://api.weixin.qq.com"
        ),
        Variable(
            "WECHAT_LOGIN_ANY_BROWSER",
            '"true" only with a fake of WeChat: offer the login in any browser (WeChat\'s page works in '
            "WeChat's own browser only).",
        ),
        Variable(
            "FILE_STORE",
            "Materials' files (D6: documents, images, videos) and uploaded poster pictures (D4) in an "
            "S3-compatible bucket (OSS, COS, MinIO, S3).",
            default="s3",
        ),
        Variable("S3_BUCKET"),
        Variable("S3_REGION"),
        Variable("S3_ENDPOINT_URL"),
        Variable("S3_ADDRESSING_STYLE", default="virtual"),
        Variable("S3_ACCESS_KEY_ID", secret=("crm-marketing-s3", "access-key-id")),
        Variable("S3_SECRET_ACCESS_KEY", secret=("crm-marketing-s3", "secret-access-key")),
    ),
    # No WeChat account here: the local fake of WeChat's authorization (python -m
    # marketing.wechat.fake_server), whose consent page any browser can use.
    worker=Worker(
        wire="marketing.subscriptions:wire",
        doc="marks the readers who became customers (C10) from the customers service's lead_converted "
        "and customer_registered events",
    ),
    local_env={
        "WECHAT_APP_ID": FAKE_APP_ID,
        "WECHAT_APP_SECRET": FAKE_APP_SECRET,
        "WECHAT_OPEN_URL": "{fake:marketing.wechat.fake_server}",
        "WECHAT_API_URL": "{fake:marketing.wechat.fake_server}",
        "WECHAT_LOGIN_ANY_BROWSER": "true",
        # Materials and poster pictures on the run's own disk folder, URLs signed with a run's secret.
        "FILE_STORE": "local",
        "FILE_STORE_ROOT": "{folder:files}",
        "FILE_STORE_SIGNING_SECRET": "{secret:file-signing}",
    },
)
