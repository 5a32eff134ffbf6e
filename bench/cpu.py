"""Where the CPU goes during a measurement: each cluster process's CPU from /proc, Redis's own
count (INFO cpu), all PostgreSQL backends together, the load generator, and the whole machine.

Redis and PostgreSQL are the machine's shared servers: their figures include whatever else is
using them at the time, and so does "machine"."""

from __future__ import annotations

import os
import time
from pathlib import Path

import redis

from crmkit import testing

_TICK = os.sysconf("SC_CLK_TCK")


def parse_proc_stat(text: str) -> tuple[str, float]:
    """(command name, user + system CPU seconds) from the text of /proc/<pid>/stat. The name is
    in parentheses and may itself hold spaces or parentheses: the fields follow the last ')'."""
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    # Fields 14 and 15 of the man page (utime, stime) are 12 and 13 after "pid (comm) state".
    return name, (int(fields[11]) + int(fields[12])) / _TICK


def _proc_cpu(pid: int) -> float:
    try:
        return parse_proc_stat(Path(f"/proc/{pid}/stat").read_text())[1]
    except (OSError, ValueError, IndexError):
        return 0.0


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process now (field 4 of /proc/<pid>/stat)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
                parents[int(entry.name)] = int(text[text.rindex(")") + 2 :].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    return parents


def _tree_cpu(pid: int, parents: dict[int, int]) -> float:
    """The process's CPU and its live descendants': the gateway's requests run in gunicorn's
    worker, a child of the process the cluster started."""
    total = _proc_cpu(pid)
    for child, parent in parents.items():
        if parent == pid:
            total += _tree_cpu(child, parents)
    return total


def _postgres_cpu() -> float:
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name, seconds = parse_proc_stat((entry / "stat").read_text())
            except (OSError, ValueError, IndexError):
                continue
            if name == "postgres" or name.startswith("postgres:"):
                total += seconds
    return total


def _redis_cpu() -> float:
    info = redis.Redis.from_url(testing.REDIS_URL).info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def _machine_busy() -> float:
    """CPU seconds the whole machine spent not idle (all cores) since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / _TICK


class CpuSampler:
    """`start()` before a measurement, `stop()` after: CPU seconds per part in between."""

    def __init__(self, pids: dict[str, int]):
        self.pids = pids

    def _read(self) -> dict[str, float]:
        parents = _parents()
        parts = {name: _tree_cpu(pid, parents) for name, pid in self.pids.items()}
        parts["redis (whole server)"] = _redis_cpu()
        parts["postgresql (all backends)"] = _postgres_cpu()
        parts["load generator"] = time.process_time()
        parts["machine (all CPUs)"] = _machine_busy()
        return parts

    def start(self) -> None:
        self._before = self._read()

    def stop(self) -> dict[str, float]:
        after = self._read()
        return {name: after[name] - self._before[name] for name in after}
