"""The services' declarations as the launcher, the cluster and the chart use them (ADR 0012).

python -m launcher.declarations list            name, port, worker, jobs of each service
python -m launcher.declarations render-chart    write the chart's generated values
python -m launcher.declarations render-chart --check   fail when they are stale (CI)
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml

from crmkit.declaration import Declaration, Resources, Worker, addr_env, declarations

ROOT = Path(__file__).resolve().parents[2]
VALUES = ROOT / "deploy" / "helm" / "crm" / "values.yaml"
BEGIN = "# BEGIN generated from the services' declarations"
END = "# END generated"
# {fake:<module>}: a local stand-in of a provider's API, started by the run from the module's
# `serve_fake()` (an object with `url` and `stop()`), e.g. printing's fake FeieYun.
# {gateway}: the run's own gateway address, where the stand-ins send their callbacks.
PLACEHOLDER = re.compile(r"\{(secret|folder):([a-z0-9-]+)\}|\{(fake_sms)\}|\{(fake):([a-z0-9_.]+)\}|\{(gateway)\}")


def load(names=None) -> dict[str, Declaration]:
    return declarations(names)


def grpc_ports(decls: Mapping[str, Declaration], base: int | None = None) -> dict[str, int]:
    """Each service's declared port, or the same spacing from `base` (--grpc-base-port)."""
    first = min(d.grpc_port for d in decls.values())
    offset = 0 if base is None else base - first
    return {name: d.grpc_port + offset for name, d in decls.items()}


def port_span(decls: Mapping[str, Declaration]) -> int:
    ports = [d.grpc_port for d in decls.values()]
    return max(ports) - min(ports) + 1


# --- local runs: `make run` and the test cluster ------------------------------------------------


def local_env(decl: Declaration, environ: Mapping[str, str], resolve: Callable[[str, str], str]) -> dict[str, str]:
    """The declared stand-ins for a local run, placeholders resolved by `resolve(kind, name)`; none
    when the environment sets any of those variables (the operator chose a real provider)."""
    if any(environ.get(name) for name in decl.local_env):
        return {}

    def _value(match: re.Match) -> str:
        if match.group(4):
            return resolve("fake", match.group(5))
        if match.group(6):
            return resolve("gateway", "")
        return resolve(match.group(1) or match.group(3), match.group(2) or "")

    return {name: PLACEHOLDER.sub(_value, value) for name, value in decl.local_env.items()}


def start_fake(module: str):
    """A declared `{fake:<module>}` stand-in, started on a free port: `<module>.serve_fake()`."""
    from crmkit.declaration import resolve

    return resolve(f"{module}:serve_fake")()


def uses_fake_sms(decls: Mapping[str, Declaration], environ: Mapping[str, str]) -> bool:
    return any(
        "{fake_sms}" in value
        for d in decls.values()
        if not any(environ.get(name) for name in d.local_env)
        for value in d.local_env.values()
    )


def peer_env(decl: Declaration, addresses: Mapping[str, str]) -> dict[str, str]:
    return {addr_env(peer): addresses[peer] for peer in decl.peers}


# --- the chart's values --------------------------------------------------------------------------


def _comment(text: str, indent: int) -> list[str]:
    """`text` as YAML comment lines of at most 100 columns."""
    if not text:
        return []
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + len(word) + indent + 3 > 100:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return [f"{' ' * indent}# {line}" for line in lines]


def _quote(value: str) -> str:
    return '""' if value == "" else value if re.fullmatch(r"[A-Za-z0-9_./:-]+", value) else f'"{value}"'


def _resources(r: Resources, indent: int) -> list[str]:
    pad = " " * indent
    return [
        f"{pad}resources:",
        f"{pad}  requests: {{cpu: {r.cpu}, memory: {r.memory}}}",
        f"{pad}  limits: {{memory: {r.memory_limit}}}",
    ]


def _service_block(d: Declaration) -> list[str]:
    out = [f"  {d.name}:", *_comment(d.doc, 4), "    enabled: true"]
    out += ["    image:", f"      repository: {d.name}", '      tag: ""', f"    replicas: {d.replicas}"]
    out += ["    autoscaling:", "      enabled: true", f"      maxReplicas: {d.max_replicas}"]
    out += ["      targetCPUUtilizationPercentage: 70"]
    out += [f"    grpcPort: {d.grpc_port}", *_resources(d.resources, 4)]
    out += ["    database:", f"      secretName: crm-{d.name}-db", "      secretKey: url"]
    out += [f"      poolSize: {d.database_pool}", "      maxOverflow: 0"]
    if d.extra_connections:
        out.append(f"      extraConnections: {d.extra_connections}")
    for peer, why in d.peers.items():
        out += _comment(f"{peer}: {why}", 4)
    out.append(f"    peers: [{', '.join(d.peers)}]")
    out.append(f"    signsJwt: {'true' if d.signs_tokens else 'false'}")
    plain = [v for v in d.env if v.secret is None]
    secret = [v for v in d.env if v.secret is not None]
    out.append("    env:" if plain else "    env: {}")
    for v in plain:
        out += [*_comment(v.doc, 6), f"      {v.name}: {_quote(v.default)}"]
    out.append("    secretEnv:" if secret else "    secretEnv: {}")
    for v in secret:
        out += [*_comment(v.doc, 6), f"      {v.name}:", f"        name: {v.secret[0]}", f"        key: {v.secret[1]}"]
        if v.optional:
            out.append("        optional: true")
    worker = d.worker
    out.append("    worker:")
    if worker:
        out += _comment(worker.doc[:1].upper() + worker.doc[1:] + ".", 6)
    out += [f"      enabled: {'true' if worker else 'false'}", f"      replicas: {worker.replicas if worker else 1}"]
    out += _resources(worker.resources if worker else Resources("50m", "128Mi", "256Mi"), 6)
    out.append(f"      databasePoolSize: {worker.database_pool if worker else Worker('').database_pool}")
    return out


def _cron_block(d: Declaration) -> list[str]:
    out = []
    for job in d.jobs:
        out += [f"  {d.name}-{job.name}:", *_comment(job.doc, 4), "    enabled: true"]
        out += [f"    service: {d.name}", f"    job: {job.name}"]
        if job.redis:
            out.append("    redis: true")
        if job.peers:
            out.append(f"    peers: [{', '.join(job.peers)}]")
        out += [f'    schedule: "{job.schedule}"', "    backoffLimit: 2"]
        out += [f"    activeDeadlineSeconds: {job.deadline_seconds}", *_resources(job.resources, 4)]
    return out


def generated_values(decls: Mapping[str, Declaration]) -> str:
    """The chart's `cronJobs` and `services` maps, as committed between the markers of values.yaml."""
    lines = [
        BEGIN,
        "# (python -m launcher.declarations render-chart): change a service's declaration.py, not these.",
        "",
        "# Scheduled jobs: `python -m <service>.jobs <job>` as a CronJob, with only the service's",
        "# database (events they write leave through the service's outbox, published by its server).",
        "#   service: a block of .Values.services; job: the jobs subcommand; schedule: cron, UTC;",
        "#   redis: the shared Redis too; peers: <PEER>_ADDR and the service token.",
        "cronJobs:",
    ]
    for d in decls.values():
        lines += _cron_block(d)
    lines += [
        "",
        "# One block per service. Keys are the service names: folder services/<name>/, Python package",
        "# <name>, Kubernetes objects <release>-<name>.",
        "#   peers:        services whose gRPC address this one needs, as <NAME>_ADDR",
        "#   env:          extra plain variables; secretEnv: extra variables from Secrets",
        "#   signsJwt:     receives JWT_PRIVATE_KEY (only the service that issues tokens)",
        "#   autoscaling:  a HorizontalPodAutoscaler keeps `replicas` to maxReplicas server pods at",
        "#                 the target CPU (% of the request); off: `replicas` pods",
        "#   database:     poolSize + maxOverflow (+ extraConnections): the connections one server",
        "#                 process holds (DATABASE_POOL_SIZE, DATABASE_MAX_OVERFLOW); a worker's is",
        "#                 worker.databasePoolSize. The render fails when every pod together could",
        "#                 open more than PostgreSQL takes (postgresql, pgbouncer; docs/capacity.md)",
        "# Resources set no CPU limit on purpose: CFS throttling adds tail latency to gRPC calls,",
        "# and the request already reserves the CPU for scheduling.",
        "services:",
    ]
    for i, d in enumerate(decls.values()):
        lines += ([""] if i else []) + _service_block(d)
    lines.append(END)
    return "\n".join(lines) + "\n"


def rendered_values(decls: Mapping[str, Declaration], current: str) -> str:
    """values.yaml with its generated part and the gateway's peers (every declared service: it
    reaches them and probes them for /readyz) brought up to date."""
    start, end = current.index(BEGIN), current.index(END)
    end = current.index("\n", end) + 1
    text = current[:start] + generated_values(decls) + current[end:]
    gateway_peers = f"  peers: [{', '.join(decls)}]  # every declared service (generated)"
    return re.sub(r"(?m)^  peers: \[.*\].*$", gateway_peers, text)


def rendered_ci_values(decls: Mapping[str, Declaration], current: str) -> str:
    """ci-values.yaml, whose every service runs a worker: the services its hand-written part does
    not set get a block of their own between its markers."""
    start, end = current.index(f"  {BEGIN}"), current.index(f"  {END}")
    comments = [line for line in current[start:end].splitlines() if line.startswith("  #")]
    hand = yaml.safe_load(current[:start] + current[end:])["services"]
    blocks = [f"  {name}:\n    worker:\n      enabled: true\n" for name in decls if name not in hand]
    return current[:start] + "\n".join(comments) + "\n" + "".join(blocks) + current[end:]


def render_chart(check: bool = False, chart: Path = VALUES.parent) -> int:
    stale = []
    for path, render in ((chart / "values.yaml", rendered_values), (chart / "ci-values.yaml", rendered_ci_values)):
        current = path.read_text()
        wanted = render(load(), current)
        if wanted != current:
            stale.append(path)
            if not check:
                path.write_text(wanted)
                print(f"wrote {path}")
    if check and stale:
        print(f"{', '.join(map(str, stale))} stale: run python -m launcher.declarations render-chart", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m launcher.declarations")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the declared services")
    chart = sub.add_parser("render-chart", help="write the chart's values generated from the declarations")
    chart.add_argument("--check", action="store_true", help="only fail when the committed values are stale")
    args = parser.parse_args(argv)
    if args.command == "render-chart":
        return render_chart(check=args.check)
    for name, d in load().items():
        jobs = ", ".join(j.name for j in d.jobs) or "-"
        print(f"{name:12} {d.grpc_port}  worker={'yes' if d.worker else 'no':3}  jobs={jobs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
