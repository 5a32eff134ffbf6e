"""`python -m printing.worker`: the nameko service that feeds the events subscriptions.py names to
their handlers (crmkit.worker builds it from that table).

eventlet must patch the standard library before anything imports socket, select or time, so the
patch runs first. `thread=False`: handlers run in tpool's OS threads, and the locks they share
(database pool, logging, metrics) must stay real OS locks; patched green locks crash with
"Cannot switch to a different thread" when two handlers contend (PLATFORM-NOTES.md). Never start
a gRPC server in this process: the jobs it queues are printed by the server's dispatcher, woken
through PostgreSQL (printing.queue_signal).
"""

import eventlet

eventlet.monkey_patch(thread=False)

from crmkit import worker  # noqa: E402

from .declaration import DECLARATION  # noqa: E402


def main() -> None:
    worker.main(DECLARATION)


if __name__ == "__main__":
    main()
