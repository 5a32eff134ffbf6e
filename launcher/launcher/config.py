"""Where the embedded platform keeps its files and which ports it uses.

No DATABASE_URL / AMQP_URL / REDIS_URL: SQLite files under var/, the in-process event bus,
fakeredis. With them set, the same processes use the real servers (one database per service,
derived from DATABASE_URL by suffixing the service name).
"""

from __future__ import annotations

import argparse
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from crmkit.auth import generate_keypair
from launcher.declarations import grpc_ports, load


@dataclass(frozen=True)
class LaunchConfig:
    var_dir: Path
    http_host: str
    http_port: int
    grpc_ports: dict[str, int]
    sms_port: int
    database_url: str | None
    amqp_url: str | None
    redis_url: str | None
    redis_prefix: str
    seed_demo: bool

    def database_for(self, service: str) -> str:
        if not self.database_url:
            return f"sqlite:///{self.var_dir / f'{service}.db'}"
        base, _, name = self.database_url.rpartition("/")
        return f"{base}/{name}_{service}"

    @property
    def embedded(self) -> bool:
        return not (self.database_url or self.amqp_url or self.redis_url)


def parse_args(argv: list[str] | None = None) -> LaunchConfig:
    parser = argparse.ArgumentParser(prog="python -m launcher", description="Run the whole CRM platform")
    parser.add_argument("--var-dir", default=os.environ.get("CRM_VAR_DIR", "var"))
    parser.add_argument("--host", default=os.environ.get("CRM_HTTP_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    declared = load()
    parser.add_argument(
        "--grpc-base-port",
        type=int,
        default=int(os.environ["CRM_GRPC_BASE_PORT"]) if os.environ.get("CRM_GRPC_BASE_PORT") else None,
        help="the first service's port; the others keep their declared spacing from it "
        f"(default: as declared, {', '.join(f'{n} {p}' for n, p in grpc_ports(declared).items())})",
    )
    parser.add_argument("--sms-port", type=int, default=int(os.environ.get("CRM_FAKE_SMS_PORT", "8090")))
    parser.add_argument("--no-demo", action="store_true", help="do not seed the demo tenant")
    args = parser.parse_args(argv)
    if os.environ.get("AMQP_URL") and not os.environ.get("REDIS_URL"):
        # Workers run as their own processes then; they cannot share an in-memory Redis.
        parser.error("AMQP_URL needs REDIS_URL as well")
    var_dir = Path(args.var_dir).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    return LaunchConfig(
        var_dir=var_dir,
        http_host=args.host,
        http_port=args.port,
        grpc_ports=grpc_ports(declared, args.grpc_base_port),
        sms_port=args.sms_port,
        database_url=os.environ.get("DATABASE_URL") or None,
        amqp_url=os.environ.get("AMQP_URL") or None,
        redis_url=os.environ.get("REDIS_URL") or None,
        redis_prefix=os.environ.get("REDIS_PREFIX", "crm:"),
        seed_demo=not args.no_demo,
    )


def signing_keys(var_dir: Path) -> tuple[str, str]:
    """The embedded platform's token keys, kept under var/ so tokens survive a restart."""
    private_path, public_path = var_dir / "jwt-private.pem", var_dir / "jwt-public.pem"
    if not private_path.exists():
        private_pem, public_pem = generate_keypair()
        private_path.write_text(private_pem)
        private_path.chmod(0o600)
        public_path.write_text(public_pem)
    return private_path.read_text(), public_path.read_text()


def local_secret(var_dir: Path, name: str) -> str:
    """A random secret kept under var/ (e.g. for signed file URLs), stable across restarts."""
    path = var_dir / f"{name}.secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text()
