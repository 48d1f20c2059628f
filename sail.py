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
"""

import sys
from collections.abc import Sequence

import click
from port_ocean.cli.commands.sail import sail
from port_ocean.context.ocean import ocean
from port_ocean.core.models import EventListenerType

from core.settings import InvalidSettingError
from sync.outcome import SyncOutcome

SYNC_FAILED = 1
INVALID_SETTING = 2


def main(argv: Sequence[str]) -> int:
    try:
        sail.main(args=list(argv), prog_name="ocean sail", standalone_mode=False)
    except InvalidSettingError as error:
        _say(f"not started: {error}")
        return INVALID_SETTING
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except SystemExit as stop:
        return _exit_code(stop)
    return _one_shot_status()


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
