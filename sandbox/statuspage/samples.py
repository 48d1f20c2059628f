"""The sample payloads of the integration docs, served unchanged by the emulator.

samples.json holds the page, component group, component and incident objects
from the docs' "Payload" section as they are printed there.
"""

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any, Final

from .model import JsonObject

SAMPLE_PAGE_ID: Final = "8m2l51279rpl"
SAMPLE_GROUP_ID: Final = "9w477s340zqt"
SAMPLE_COMPONENT_ID: Final = "y6ssccsqgy8s"
SAMPLE_INCIDENT_ID: Final = "f5v3b6dr7k53"

_SAMPLES_FILE: Final = Path(__file__).with_name("samples.json")


@cache
def _load() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(_SAMPLES_FILE.read_text(encoding="utf-8"))
    return loaded


def sample(name: str) -> JsonObject:
    """A fresh copy of one sample: page, component_group, component or incident."""
    value: JsonObject = copy.deepcopy(_load()[name])
    return value


def sample_incident_components() -> list[JsonObject]:
    """The components the sample incident embeds; they must exist on its page."""
    components: list[JsonObject] = sample("incident")["components"]
    return components
