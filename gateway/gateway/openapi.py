"""The OpenAPI document's schema names, which APIFlask leaves to us.

A schema met first inside another one is registered by apispec's marshmallow plugin; APIFlask,
registering it again as a view's own schema, used to add a second copy (`StoreOut1`) with a
warning, 16 of them on the first `/openapi.json` (issue 11). `GatewayAPI` reuses the name the
plugin already gave. Two classes with one name in different areas (`LineIn` of orders and of
coupons) are named after their area (`OrderLineIn`, `CouponLineIn`).
"""

from __future__ import annotations

import re
from collections import defaultdict

from apiflask import APIFlask, Schema
from apispec.ext.marshmallow.common import make_schema_key, resolve_schema_instance


class GatewayAPI(APIFlask):
    def _register_schema_and_get_ref(self, spec, registered_schema_classes, schema_obj):
        plugin = getattr(self, "_ma_plugin", None)
        if plugin is not None and plugin.converter is not None and not isinstance(schema_obj, type | dict):
            name = plugin.converter.refs.get(make_schema_key(resolve_schema_instance(schema_obj)))
            if name is not None:
                registered_schema_classes[id(type(schema_obj))] = name
                return {"$ref": f"#/components/schemas/{name}"}
        return super()._register_schema_and_get_ref(spec, registered_schema_classes, schema_obj)


def _area(cls: type) -> str:
    module = cls.__module__.rsplit(".", 1)[-1].removesuffix("_schemas")
    return "".join(part.capitalize() for part in module.split("_"))


def _all_schema_classes() -> list[type]:
    found, todo = [], [Schema]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def schema_name(schema) -> str:
    """The component name of a schema: its class name, prefixed by its area when another schema
    class of the gateway has the same name."""
    cls = schema if isinstance(schema, type) else type(schema)
    namesakes = {c for c in _all_schema_classes() if c.__name__ == cls.__name__ and c.__module__.startswith("gateway")}
    name = f"{_area(cls)}{cls.__name__}" if len(namesakes) > 1 else cls.__name__
    if getattr(schema, "partial", False):
        name += "Update"
    return name


def duplicate_schema_names(document: dict) -> dict[str, list[str]]:
    """Component names that differ only by APIFlask's numeric suffix (`StoreOut`, `StoreOut1`)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for name in document.get("components", {}).get("schemas", {}):
        groups[re.sub(r"\d+$", "", name)].append(name)
    return {base: names for base, names in groups.items() if len(names) > 1}


def install(app: GatewayAPI) -> None:
    app.schema_name_resolver = schema_name
