"""`python -m identity.tokens service-token <name>`: print a service token for another service.

Ops run it once per service and store the output as that service's SERVICE_TOKEN secret; it is
signed with identity's JWT_PRIVATE_KEY (or JWT_PRIVATE_KEY_FILE) and valid for a year.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import timedelta

from crmkit.auth import TokenIssuer
from crmkit.settings import MissingSetting, Settings

NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,49}$")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m identity.tokens")
    sub = parser.add_subparsers(dest="command", required=True)
    svc = sub.add_parser("service-token", help="print a service token signed with JWT_PRIVATE_KEY")
    svc.add_argument("name", help="the calling service's name, e.g. messaging")
    svc.add_argument("--days", type=int, default=365, help="validity in days (default 365)")
    args = parser.parse_args(argv)
    if not NAME_RE.fullmatch(args.name):
        parser.error("name must be lower-case letters, digits, '-' or '_'")
    if args.days < 1:
        parser.error("--days must be at least 1")
    try:
        settings = Settings.from_env("identity").require("jwt_private_key")
    except MissingSetting as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(TokenIssuer(settings.jwt_private_key).service_token(args.name, ttl=timedelta(days=args.days)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
