"""schemas/*.schema.json are the published contract: they must be what the models export."""

from __future__ import annotations

import json

from claimex._resources import resource_dir
from claimex.models import json_schemas
from conftest import ROOT


def test_exported_schemas_match_the_models() -> None:
    for name, schema in json_schemas().items():
        path = ROOT / "schemas" / name
        assert path.exists(), f"{path} is missing: run `make schemas`"
        assert json.loads(path.read_text(encoding="utf-8")) == schema, f"{path} is stale: run `make schemas`"


def test_schemas_and_prompts_are_found_as_package_data_or_in_the_checkout() -> None:
    assert (resource_dir("schemas") / "result.schema.json").is_file()
    assert (resource_dir("prompts") / "claims" / "system.j2").is_file()
