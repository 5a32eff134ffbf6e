"""Where the CPU goes during a measurement: each cluster process with everything it started, the
whole PostgreSQL server, Redis's own count (INFO cpu), the load generator and the whole machine;
and the PostgreSQL sessions the bench's databases opened.

Counted honestly for processes that come and go: a part is a process *tree*. Its CPU is the
root's own time, the time of the children it has already reaped (`cutime`/`cstime` of
/proc/<pid>/stat, which the kernel adds when the parent waits for a child), and the time of every
live descendant (with what they reaped in turn). PostgreSQL is the tree of its postmaster, which
reaps every backend: a backend that exits mid-window, say one a churning pool closed, moves its
whole life's CPU from the live sum to the postmaster's `cutime`, so the window's difference
counts exactly its CPU within the window. Sampling only the backends alive at both ends, as
this module once did, missed them.

Redis, PostgreSQL and "machine" are shared: their figures include whatever else uses them.
`CpuSampler.idle` measures every part's rate with no load so a report can take theirs out."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import redis

from crmkit import testing

_TICK = os.sysconf("SC_CLK_TCK")
POSTGRES = "postgresql (server, exited backends too)"
POSTGRES_EXITED = "  of which exited backends (idle kept)"
REDIS = "redis (whole server)"
LOAD = "load generator"
MACHINE = "machine (all CPUs)"


@dataclass(frozen=True)
class ProcStat:
    pid: int
    name: str
    ppid: int
    own: float  # utime + stime, seconds
    reaped: float  # cutime + cstime: children it has waited for, seconds

    @property
    def total(self) -> float:
        return self.own + self.reaped


def read_stat(text: str) -> ProcStat:
    """The fields we use from the text of /proc/<pid>/stat. The command name is in parentheses
    and may itself hold spaces or parentheses: the fields follow the last ')'."""
    pid = int(text[: text.index("(")])
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    # proc(5) numbers them from 1 with pid and comm first: state is 3, ppid 4, utime 14, stime
    # 15, cutime 16, cstime 17; here state is index 0.
    own = (int(fields[11]) + int(fields[12])) / _TICK
    reaped = (int(fields[13]) + int(fields[14])) / _TICK
    return ProcStat(pid, name, int(fields[1]), own, reaped)


def parse_proc_stat(text: str) -> tuple[str, float]:
    """(command name, user + system CPU seconds of the process itself)."""
    stat = read_stat(text)
    return stat.name, stat.own


def snapshot(proc: Path = Path("/proc")) -> dict[int, ProcStat]:
    """Every process of the machine (those that vanish while being read are left out)."""
    found = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                stat = read_stat((entry / "stat").read_text())
            except (OSError, ValueError, IndexError):
                continue
            found[stat.pid] = stat
    return found


def tree_cpu(root: int, procs: Mapping[int, ProcStat]) -> float:
    """CPU seconds of `root` and of every descendant, live or already reaped."""
    children: dict[int, list[int]] = {}
    for stat in procs.values():
        children.setdefault(stat.ppid, []).append(stat.pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in procs:
            total += procs[pid].total
            todo.extend(children.get(pid, ()))
    return total


def postmaster(procs: Mapping[int, ProcStat]) -> int | None:
    """The PostgreSQL server's root process: a `postgres` whose parent is not one."""
    for stat in procs.values():
        parent = procs.get(stat.ppid)
        if stat.name == "postgres" and (parent is None or parent.name != "postgres"):
            return stat.pid
    return None


def _redis_cpu() -> float:
    info = redis.Redis.from_url(testing.REDIS_URL).info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def _machine_busy() -> float:
    """CPU seconds the whole machine spent not idle (all cores) since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / _TICK


def sessions_opened(database_urls: Iterable[str]) -> int:
    """Sessions ever opened on these databases (pg_stat_database.sessions, PostgreSQL 14+): the
    difference over a window is the connections the services opened in it, churn included."""
    import psycopg

    names = [url.rsplit("/", 1)[1].split("?")[0] for url in database_urls]
    if not names:
        return 0
    with psycopg.connect(testing.PG_ADMIN_URL, autocommit=True) as conn:
        # Other backends publish their counts up to a second late: a window's figure may shift
        # by a second's worth at each end, not more.
        row = conn.execute(
            "SELECT coalesce(sum(sessions), 0) FROM pg_stat_database WHERE datname = ANY(%s)", (names,)
        ).fetchone()
    return int(row[0])


SESSIONS = "new PostgreSQL sessions (count, not ms)"


class CpuSampler:
    """`start()` before a measurement, `stop()` after: CPU seconds per part in between (and the
    sessions the bench databases opened, under SESSIONS)."""

    def __init__(self, pids: dict[str, int], database_urls: Iterable[str] = ()):
        self.pids = pids
        self.database_urls = list(database_urls)

    def _read(self) -> dict[str, float]:
        procs = snapshot()
        parts = {name: tree_cpu(pid, procs) for name, pid in self.pids.items()}
        root = postmaster(procs)
        if root is not None:
            parts[POSTGRES] = tree_cpu(root, procs)
            parts[POSTGRES_EXITED] = procs[root].reaped
        parts[REDIS] = _redis_cpu()
        parts[LOAD] = time.process_time()
        parts[MACHINE] = _machine_busy()
        if self.database_urls:
            parts[SESSIONS] = float(sessions_opened(self.database_urls))
        return parts

    def start(self) -> None:
        self._before = self._read()
        self._started = time.monotonic()

    def stop(self) -> dict[str, float]:
        after = self._read()
        self.window = time.monotonic() - self._started
        return {name: after[name] - self._before.get(name, 0.0) for name in after}

    def idle(self, seconds: float) -> dict[str, float]:
        """Each part's CPU seconds per second with no load running: what a window spends anyway
        (relays and drainers polling, PostgreSQL's background writers, the neighbours)."""
        self.start()
        time.sleep(seconds)
        spent = self.stop()
        return {name: value / self.window for name, value in spent.items()}


# What a shared server spends idle is others' work as much as ours (the neighbours' tests, their
# own background writers): take it out. Our processes' idle work (relays and drainers polling)
# is part of what they cost, and the "exited backends" row is a breakdown, not a total: kept.
SHARED = (POSTGRES, REDIS, MACHINE)


def per_request(
    spent: Mapping[str, float], requests: int, *, window: float, idle: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Milliseconds of CPU per request of each part, the shared servers less what they spend
    idle over the same window (never below zero); sessions stay a count per request."""
    out = {}
    for name, value in spent.items():
        if name in SHARED and idle:
            value = max(0.0, value - idle.get(name, 0.0) * window)
        scale = 1.0 if name == SESSIONS else 1000.0
        out[name] = value * scale / max(requests, 1)
    return out


def own_rate(sampler: CpuSampler, seconds: float) -> float:
    """Cores the cluster's own processes used over `seconds` (shared servers left out)."""
    procs = snapshot()
    before = sum(tree_cpu(pid, procs) for pid in sampler.pids.values())
    time.sleep(seconds)
    procs = snapshot()
    return (sum(tree_cpu(pid, procs) for pid in sampler.pids.values()) - before) / seconds


def wait_quiet(sampler: CpuSampler, *, cores: float = 0.15, step: float = 1.0, limit: float = 60.0) -> float:
    """Seconds until the cluster's processes are near idle (below `cores` over a `step`): the
    previous run's outbox, events and texts drained, so they do not count in the next window."""
    started = time.monotonic()
    while own_rate(sampler, step) > cores and time.monotonic() - started < limit:
        pass
    return time.monotonic() - started
