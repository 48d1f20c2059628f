"""`ocean sail`, with an exit status that tells the truth. The image and `make run` start this.

    python sail.py [ocean sail's options]

Ocean's `ocean sail` exits 0 whatever its sync came to, so a scheduled one-shot job (event
listener ONCE) that fails every night stays green. This runs Ocean's own command, with its
options and OCEAN__* environment unchanged, and then exits:

- 0 when the one-shot sync completed;
- 1 when it failed (a kind's resync, a page, a refused key, or in an incremental sync a kind
  that kept its cursor), after one line saying why;
- 2 when a setting is invalid: the integration stops before it syncs or deletes anything;
- Ocean's own non-zero status when Ocean could not start.

The one-shot sync is a full resync, or Ocean's incremental sync when `incrementalSyncEnabled` is
set (OCEAN__INTEGRATION__INCREMENTAL_SYNC_ENABLED, as Port's Helm chart sets it for its
incremental CronJob); the verdict line names which.

Always-on listeners (POLLING, WEBHOOKS_ONLY, ...) run until stopped and exit as Ocean does, except
that an invalid setting stops them at start, before they report ready.

Stopped by SIGTERM or SIGINT (a CronJob's deadline, a CI job cancelled, Ctrl-C), it exits with
128 + the signal's number, after stopping Ocean and every worker process Ocean forked to map
entities. Those workers inherit uvicorn's signal handlers, so they ignore SIGTERM, and outlive
Ocean as orphans unless killed: they are killed (SIGKILL: they hold nothing but a batch being
mapped), and whatever of Ocean is still running STOP_GRACE_SECONDS later is ended with the
process. No process group is needed: the workers are this process's own children.
"""

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Final

import click
from port_ocean.cli.commands.sail import sail
from port_ocean.context.ocean import ocean
from port_ocean.core.models import EventListenerType
from port_ocean.exceptions.context import PortOceanContextNotFoundError

from core.settings import InvalidSettingError
from sync.outcome import SyncOutcome

SYNC_FAILED = 1
INVALID_SETTING = 2
STOP_SIGNALS: Final = (signal.SIGTERM, signal.SIGINT)
# How long Ocean has, once its workers are gone, to stop (tell Port the sync was aborted)
# before the process ends regardless.
STOP_GRACE_SECONDS: Final = 5.0


class Interrupted(BaseException):
    """A stop signal arrived; raised from the signal handler, and like KeyboardInterrupt not
    an Exception, so none of Ocean's error handling takes it for a failure to log and go on
    after."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def main(argv: Sequence[str]) -> int:
    stop = _Stop()
    for signum in STOP_SIGNALS:
        signal.signal(signum, stop.on_signal)
    try:
        sail.main(args=list(argv), prog_name="ocean sail", standalone_mode=False)
    except Interrupted as stop:
        return _stopped(stop.signum)
    except click.Abort:  # Ctrl-C before Ocean served, which click reports as an abort
        return _stopped(signal.SIGINT)
    except InvalidSettingError as error:
        _say(f"not started: {error}")
        return INVALID_SETTING
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except SystemExit as stop:
        return _exit_code(stop)
    return _one_shot_status()


class _Stop:
    """The handler of the stop signals: ours before and after Ocean serves. While it serves,
    uvicorn's handler takes a signal, shuts Ocean's app down, then puts this one back and
    raises the signal again."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            return  # stopping already; Ocean's own SIGINT as it unwinds changes nothing
        if signum == signal.SIGINT and _ocean_ends_its_one_shot_run():
            raise KeyboardInterrupt  # as Python's own handler would; uvicorn expects it
        self.signum = signum
        _stop_forked_workers()
        _exit_if_still_running_after(STOP_GRACE_SECONDS, 128 + signum)
        raise Interrupted(signum)


def _ocean_ends_its_one_shot_run() -> bool:
    """Ocean's ONCE listener ends its run by sending itself SIGINT, once its sync is over."""
    try:
        app = ocean.app
    except PortOceanContextNotFoundError:
        return False
    outcome = getattr(app.integration, "sync_outcome", None)
    return (
        app.config.event_listener.type == EventListenerType.ONCE
        and isinstance(outcome, SyncOutcome)
        and outcome.running == 0
    )


def _stop_forked_workers() -> None:
    """Kills the processes Ocean forked (its mapping pools) and waits for them to go."""
    workers = multiprocessing.active_children()
    for worker in workers:
        worker.kill()
    for worker in workers:
        worker.join(timeout=1.0)


def _exit_if_still_running_after(seconds: float, status: int) -> None:
    def exit_now() -> None:
        _stop_forked_workers()
        _say(f"Ocean did not stop within {seconds:g}s of the signal; exiting")
        os._exit(status)

    timer = threading.Timer(seconds, exit_now)
    timer.daemon = True
    timer.start()


def _stopped(signum: int) -> int:
    _stop_forked_workers()  # any Ocean forked while it was being stopped
    _say(f"stopped by {signal.Signals(signum).name}")
    return 128 + signum


def _one_shot_status() -> int:
    if ocean.app.config.event_listener.type != EventListenerType.ONCE:
        return 0
    outcome = getattr(ocean.app.integration, "sync_outcome", None)
    if not isinstance(outcome, SyncOutcome):
        _say("the sync's outcome is unknown")
        return SYNC_FAILED
    failure = outcome.verdict()
    if failure is None:
        _say(f"{outcome.name} completed")
        return 0
    _say(f"{outcome.name} failed: {failure}")
    return SYNC_FAILED


def _exit_code(stop: SystemExit) -> int:
    if stop.code is None or isinstance(stop.code, int):
        return stop.code or 0
    _say(str(stop.code))
    return SYNC_FAILED


def _say(line: str) -> None:
    print(f"statuspage integration: {line}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
