"""`make demo`: the real integration, end to end, against a local Statuspage and a local Port.

Starts the Statuspage emulator and the Port stand-in on 127.0.0.1, runs `ocean sail` once with
the shipped blueprints and mappings, prints what landed in Port, and exits 0 only if the resync
completed and Port holds exactly what the emulator has.
"""

import argparse
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sandbox.expected import BLUEPRINTS, expected_identifiers
from sandbox.ocean_process import Sandbox, ocean_environment, run_once
from sandbox.port.server import PortStub
from sandbox.statuspage.api import PUBLIC_PREFIX
from sandbox.statuspage.config import (
    DEFAULT_API_KEY,
    DataConfig,
    EmulatorConfig,
    add_data_arguments,
    data_config_from,
)
from sandbox.statuspage.server import StatuspageEmulator

Entity = dict[str, Any]
# The size the foundation issue measures: one page, 5 groups, 20 components, 50 incidents.
DEMO_SIZE = DataConfig(groups=5, components=20, incidents=50)
ROWS_PER_KIND = 3
TREE_WIDTH = 3


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    data = data_config_from(args)
    print(
        f"Sandbox: {data.pages} page(s), each with {data.groups} groups, {data.components} "
        f"components, {data.incidents} incidents of {data.updates} updates (seed {data.seed})"
    )
    started = time.monotonic()
    with (
        StatuspageEmulator(EmulatorConfig(data=data)) as statuspage,
        PortStub() as port,
    ):
        print(f"  Statuspage emulator  {statuspage.base_url}")
        print(f"  Port stand-in        {port.base_url}")
        sandbox = Sandbox(statuspage.base_url, port.base_url, DEFAULT_API_KEY)
        print("\nRunning `ocean sail` once (event listener ONCE) ...")
        run = run_once(ocean_environment(sandbox), timeout_seconds=args.timeout)
        states = [
            state.get("status") for state in port.resync_states(sandbox.identifier)
        ]
        print(
            f"  exit code {run.returncode} after {run.seconds:.1f}s, resync states: {states}"
        )

        entities = {blueprint: port.entities(blueprint) for blueprint in BLUEPRINTS}
        missing, unexpected = _compare(entities, expected_identifiers(statuspage))
        _print_counts(entities)
        _print_rows(entities)
        _print_tree(entities)
        _print_requests(statuspage.counters.as_json())
    print(f"\nTime taken: {time.monotonic() - started:.1f}s in all")

    succeeded = states[-1:] == ["completed"] and not missing and not unexpected
    if not succeeded:
        _report_failure(run.output, missing, unexpected)
        return 1
    print(
        "Sync succeeded: Port holds every page, group, component, incident and update."
    )
    return 0


def _compare(
    entities: dict[str, list[Entity]], expected: dict[str, set[str]]
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    landed = {bp: {e["identifier"] for e in found} for bp, found in entities.items()}
    missing = {bp: ids - landed[bp] for bp, ids in expected.items() if ids - landed[bp]}
    unexpected = {
        bp: landed[bp] - ids for bp, ids in expected.items() if landed[bp] - ids
    }
    return missing, unexpected


def _print_counts(entities: dict[str, list[Entity]]) -> None:
    print("\nEntities in Port")
    for blueprint, found in entities.items():
        print(f"  {blueprint:<28} {len(found):>6}")


def _print_rows(entities: dict[str, list[Entity]]) -> None:
    print(f"\nA few of each (of {', '.join(BLUEPRINTS)})")
    for blueprint, found in entities.items():
        for entity in _sorted(found)[:ROWS_PER_KIND]:
            props = entity.get("properties", {})
            shown = ", ".join(
                f"{name}={props[name]}"
                for name in (
                    "status",
                    "impact",
                    "position",
                    "uptime",
                    "status_indicator",
                    "status_source",
                )
                if props.get(name) is not None
            )
            print(
                f"  {blueprint:<26} {entity['identifier']:<14} {_short(entity['title'])}  {shown}"
            )


def _print_tree(entities: dict[str, list[Entity]]) -> None:
    print("\nRelations (a few of each)")
    for page in _sorted(entities["statuspage"]):
        print(f"  {_short(page['title'])} (page {page['identifier']})")
        groups = _related(
            entities["statuspageComponentGroup"], "statuspage", page["identifier"]
        )
        print(f"  ├── component groups: {len(groups)}")
        for group in groups[:TREE_WIDTH]:
            members = _related(
                entities["statuspageComponent"], "componentGroup", group["identifier"]
            )
            listed = ", ".join(
                f"{_short(c['title'], 24)} [{c['properties'].get('status')}]"
                for c in members
            )
            print(
                f"  │   ├── {_short(group['title'], 24)}: {listed or 'no components'}"
            )
        _more("  │   ", groups)
        incidents = _related(
            entities["statuspageIncident"], "statuspage", page["identifier"]
        )
        print(f"  └── incidents: {len(incidents)}")
        for incident in incidents[:TREE_WIDTH]:
            affected = len(incident.get("relations", {}).get("components") or [])
            updates = _related(
                entities["statuspageIncidentUpdate"], "incident", incident["identifier"]
            )
            statuses = " → ".join(
                str(u["properties"].get("status"))
                for u in sorted(
                    updates, key=lambda u: str(u["properties"].get("createdAt"))
                )
            )
            print(
                f"      ├── {_short(incident['title'])} [{incident['properties'].get('status')}], "
                f"{affected} component(s)"
            )
            print(f"      │   └── {len(updates)} update(s): {statuses}")
        _more("      ", incidents)


def _print_requests(counters: dict[str, Any]) -> None:
    by_route = Counter(counters["by_route"])
    # The pages' public status APIs are other hosts on Statuspage, not counted against the key.
    public = sum(n for route, n in by_route.items() if route.startswith(PUBLIC_PREFIX))
    print(
        f"\nStatuspage API requests: {counters['total'] - public} "
        f"({counters['rate_limited']} rate-limited), and {public} to public status APIs"
    )
    for route, count in sorted(by_route.items()):
        print(f"  {count:>5}  GET {route}")


def _report_failure(
    output: str, missing: dict[str, set[str]], unexpected: dict[str, set[str]]
) -> None:
    print("\nSync FAILED.", file=sys.stderr)
    for blueprint, ids in missing.items():
        print(
            f"  {blueprint}: {len(ids)} missing, e.g. {sorted(ids)[:3]}",
            file=sys.stderr,
        )
    for blueprint, ids in unexpected.items():
        print(
            f"  {blueprint}: {len(ids)} unexpected, e.g. {sorted(ids)[:3]}",
            file=sys.stderr,
        )
    log = Path(tempfile.gettempdir()) / "statuspage-demo-ocean.log"
    log.write_text(output)
    print(f"  the integration's output is in {log}", file=sys.stderr)


def _related(entities: list[Entity], relation: str, target: str) -> list[Entity]:
    return _sorted(
        [e for e in entities if e.get("relations", {}).get(relation) == target]
    )


def _sorted(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (str(e["title"]), str(e["identifier"])))


def _more(indent: str, shown_from: list[Entity]) -> None:
    if len(shown_from) > TREE_WIDTH:
        print(f"{indent}└── … and {len(shown_from) - TREE_WIDTH} more")


def _short(text: object, width: int = 48) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__)
    add_data_arguments(parser, DEMO_SIZE)
    parser.add_argument(
        "--timeout", type=float, default=300, help="seconds before the run is stopped"
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
