"""What the dispatcher needs of a printer adapter, and the three ways a send can fail."""

from __future__ import annotations


class PrintFailed(Exception):
    """Not printed, and waiting may cure it (printer off, network down): retried with back-off,
    counted towards the printer's offline alert."""


class PrintRefused(Exception):
    """Will never print as it is (the cloud does not know the printer, the content is too long):
    the job fails at once."""


class PrintUncertain(PrintFailed):
    """The request may have reached the cloud (it timed out after being sent): before sending
    again, the cloud is asked whether it has it (no blind resend: a ticket would print twice)."""
