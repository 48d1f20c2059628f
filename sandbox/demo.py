"""`make demo`: the real integration, end to end, against a local status-page emulator and a
local Port.

Starts the emulator, which serves one generated data set as Statuspage, as OnlineOrNot, (one
page of it) as PingPong and as incident.io, and the Port stand-in, both on 127.0.0.1; runs
`ocean sail` once with the shipped blueprints and mappings, reading the data as each chosen
vendor (all four by default); prints what landed in Port, vendor by vendor; and exits 0 only if the resync
completed and Port holds exactly what the emulator serves each vendor (and, of PingPong, at
most the ended incidents Port may keep from earlier runs).

With --incremental it goes on: one change upstream (a component goes down, an incident gets an
update), then `ocean sail` once more as Ocean's incremental sync (incrementalSyncEnabled, as
the Helm chart's incremental CronJob runs it), which must land the change in a handful of
requests, and exit 0.

With --actions it then acts from Port (demo_actions.py): runs started in Port declare an
incident, update it, resolve it and set a component's status, each shown landing at the vendor
and in Port.
"""

import argparse
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sandbox.change import (
    INCREMENTAL_ENVIRONMENT,
    INCREMENTAL_LISTS_PER_PAGE,
    make_change,
    missing_from_port,
)
from sandbox.demo_actions import act
from sandbox.expected import (
    BLUEPRINTS,
    ID_PREFIXES,
    expected_identifiers,
    pingpong_may_keep,
)
from sandbox.ocean_process import Sandbox, ocean_environment, run_once
from sandbox.port.server import PortStub
from sandbox.statuspage.api import PUBLIC_PREFIX
from sandbox.statuspage.config import (
    DEFAULT_API_KEY,
    DEFAULT_INCIDENTIO_API_KEY,
    DEFAULT_ONLINEORNOT_API_KEY,
    DEFAULT_PINGPONG_API_KEY,
    DataConfig,
    EmulatorConfig,
    add_data_arguments,
    data_config_from,
)
from sandbox.statuspage.dialect import INCIDENTIO, ONLINEORNOT, PINGPONG, dialect_of
from sandbox.statuspage.server import StatuspageEmulator

Entity = dict[str, Any]
VENDORS = ("statuspage", "onlineornot", "pingpong", "incidentio")
VENDOR_NAMES = {
    "statuspage": "Statuspage",
    "onlineornot": "OnlineOrNot",
    "pingpong": "PingPong",
    "incidentio": "incident.io",
}
# The size the foundation issue measures: one page, 5 groups, 20 components, 50 incidents.
DEMO_SIZE = DataConfig(groups=5, components=20, incidents=50)
ROWS_PER_KIND = 3
TREE_WIDTH = 3


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    data = data_config_from(args)
    vendors = _vendors(args.vendors)
    served_as = _and(f"as {VENDOR_NAMES[v]}" for v in vendors)
    print(
        f"Sandbox: {data.pages} page(s), each with {data.groups} groups, {data.components} "
        f"components, {data.incidents} incidents of {data.updates} updates (seed "
        f"{data.seed}), served {served_as}"
    )
    started = time.monotonic()
    with (
        StatuspageEmulator(EmulatorConfig(data=data)) as emulator,
        PortStub() as port,
    ):
        print(f"  Status-page emulator  {emulator.base_url}")
        print(f"  Port stand-in         {port.base_url}")
        sandbox = Sandbox(
            emulator.base_url,
            port.base_url,
            DEFAULT_API_KEY if "statuspage" in vendors else None,
            onlineornot_api_key=(
                DEFAULT_ONLINEORNOT_API_KEY if "onlineornot" in vendors else None
            ),
            pingpong_api_key=(
                DEFAULT_PINGPONG_API_KEY if "pingpong" in vendors else None
            ),
            incidentio_api_key=(
                DEFAULT_INCIDENTIO_API_KEY if "incidentio" in vendors else None
            ),
        )
        print("\nRunning `ocean sail` once (event listener ONCE) ...")
        run = run_once(ocean_environment(sandbox), timeout_seconds=args.timeout)
        states = [
            state.get("status") for state in port.resync_states(sandbox.identifier)
        ]
        print(
            f"  exit code {run.returncode} after {run.seconds:.1f}s, resync states: {states}"
        )

        entities = {blueprint: port.entities(blueprint) for blueprint in BLUEPRINTS}
        expected = expected_identifiers(emulator, vendors)
        may_keep = pingpong_may_keep(emulator) if "pingpong" in vendors else {}
        missing, unexpected = _compare(entities, expected, may_keep)
        _print_counts(entities, vendors)
        counters = emulator.counters.as_json()
        requests = _requests_by_vendor(counters)
        for vendor in vendors:
            own = {bp: _of(vendor, found) for bp, found in entities.items()}
            print(f"\n=== {VENDOR_NAMES[vendor]} ===")
            _print_rows(own)
            _print_tree(own)
            _print_requests(VENDOR_NAMES[vendor], requests[vendor])
        print(f"\nRate-limited answers, all vendors: {counters['rate_limited']}")
        succeeded = states[-1:] == ["completed"] and not missing and not unexpected
        if not succeeded:
            _report_failure(run.output, missing, unexpected)
        elif args.incremental:
            succeeded = _incremental_phase(emulator, port, sandbox, vendors, args)
        if succeeded and args.actions:
            succeeded = act(emulator, port, sandbox, vendors, args.timeout)
    print(f"\nTime taken: {time.monotonic() - started:.1f}s in all")

    if not succeeded:
        return 1
    print(
        "Sync succeeded: Port holds every page, group, component, incident and update "
        f"of {_and(VENDOR_NAMES[v] for v in vendors)}."
    )
    return 0


def _incremental_phase(
    emulator: StatuspageEmulator,
    port: PortStub,
    sandbox: Sandbox,
    vendors: Sequence[str],
    args: argparse.Namespace,
) -> bool:
    """One change upstream, then an incremental run that must land it in few requests."""
    change = make_change(emulator)
    print(f"\nThen one change upstream: {change.describe()}")
    # A fresh rate-limit window, as for a scheduled run minutes later; only its requests count.
    emulator.reset_observations()
    print("Running `ocean sail` once more, as Ocean's incremental sync ...")
    environment = ocean_environment(sandbox, extra=INCREMENTAL_ENVIRONMENT)
    run = run_once(environment, timeout_seconds=args.timeout)
    print(f"  exit code {run.returncode} after {run.seconds:.1f}s")
    requests = _requests_by_vendor(emulator.counters.as_json())
    with emulator.reading() as state:
        pages = len(state.pages)
    budget = 1 + INCREMENTAL_LISTS_PER_PAGE * pages
    missing = []
    for vendor in vendors:
        _print_requests(VENDOR_NAMES[vendor], requests[vendor])
        missing += missing_from_port(
            port, change, ID_PREFIXES[vendor], with_component=vendor != "incidentio"
        )
    print(
        f"  (Statuspage's budget: 1 + {INCREMENTAL_LISTS_PER_PAGE} a page = {budget}, "
        "whatever the history; OnlineOrNot reads its incident list whole, and in detail "
        "only the incidents open or changed; incident.io reads its lists whole, and has no "
        "component status but what its incidents say)"
    )
    if run.returncode != 0 or missing:
        print(f"\nIncremental sync FAILED; missing in Port: {missing}", file=sys.stderr)
        _keep_output(run.output)
        return False
    print("The incremental sync landed the change.")
    return True


def _vendors(listed: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(v.strip() for v in listed.split(",") if v.strip()))
    unknown = [v for v in chosen if v not in VENDORS]
    if not chosen or unknown:
        raise SystemExit(
            f"--vendors takes a comma-separated list of {', '.join(VENDORS)}"
        )
    return chosen


def _of(vendor: str, entities: list[Entity]) -> list[Entity]:
    return [e for e in entities if e.get("properties", {}).get("provider") == vendor]


def _compare(
    entities: dict[str, list[Entity]],
    expected: dict[str, set[str]],
    may_keep: dict[str, set[str]],
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    landed = {bp: {e["identifier"] for e in found} for bp, found in entities.items()}
    missing = {bp: ids - landed[bp] for bp, ids in expected.items() if ids - landed[bp]}
    unexpected = {
        bp: extra
        for bp, ids in expected.items()
        if (extra := landed[bp] - ids - may_keep.get(bp, set()))
    }
    return missing, unexpected


def _print_counts(entities: dict[str, list[Entity]], vendors: Sequence[str]) -> None:
    header = "".join(f"{VENDOR_NAMES[v]:>13}" for v in vendors)
    print(f"\nEntities in Port {'':<12}{header}")
    for blueprint, found in entities.items():
        counts = "".join(f"{len(_of(v, found)):>13}" for v in vendors)
        print(f"  {blueprint:<26}{counts}")


def _print_rows(entities: dict[str, list[Entity]]) -> None:
    print("A few of each")
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
                f"  {blueprint:<26} {entity['identifier']:<26} "
                f"{_short(entity['title'], 40)}  {shown}"
            )


def _print_tree(entities: dict[str, list[Entity]]) -> None:
    print("Relations (a few of each)")
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


def _requests_by_vendor(counters: dict[str, Any]) -> dict[str, Counter[str]]:
    """The emulator's request counts by route, split by the dialect each route is in."""
    split: dict[str, Counter[str]] = {vendor: Counter() for vendor in VENDORS}
    vendor_of = {
        ONLINEORNOT: "onlineornot",
        PINGPONG: "pingpong",
        INCIDENTIO: "incidentio",
    }
    for route, count in counters["by_route"].items():
        split[vendor_of.get(dialect_of(route), "statuspage")][route] += count
    return split


def _print_requests(name: str, by_route: Counter[str]) -> None:
    # The pages' public status APIs are other hosts, not counted against the API key.
    public = sum(n for route, n in by_route.items() if route.startswith(PUBLIC_PREFIX))
    extra = f", and {public} to public status APIs" if public else ""
    print(f"{name} API requests: {by_route.total() - public}{extra}")
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
    _keep_output(output)


def _keep_output(output: str) -> None:
    log = Path(tempfile.gettempdir()) / "statuspage-demo-ocean.log"
    log.write_text(output)
    print(f"  the integration's output is in {log}", file=sys.stderr)


def _and(names: Iterable[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    *most, last = names
    return f"{', '.join(most)} and {last}" if most else last


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
        "--vendors",
        default=",".join(VENDORS),
        help=f"which vendors' dialects to sync, comma-separated (default: {','.join(VENDORS)})",
    )
    parser.add_argument(
        "--timeout", type=float, default=300, help="seconds before the run is stopped"
    )
    parser.add_argument(
        "--incremental",
        action="store_true",
        help="then change one component and one incident, and run an incremental sync",
    )
    parser.add_argument(
        "--actions",
        action="store_true",
        help="then declare, update and resolve an incident and set a component's status "
        "from Port",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
