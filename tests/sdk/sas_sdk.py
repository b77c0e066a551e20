"""Drives sas-emulator through the official Python SDK, alibabacloud-sas20181203 10.3.2.

Run by tests/sdk_conformance.rs with PYTHONPATH=.tools/python (`make tools` installs it). Reads
one JSON plan on stdin:

    {"endpoint": "127.0.0.1:1234", "signature": "v3" | "v2",
     "access_key_id": "...", "access_key_secret": "...", "security_token": null,
     "calls": [{"action": "AddPrivateRegistry", "args": {"domain_name": "...", ...}}, ...]}

`args` are the SDK request model's fields (snake_case); the value "$id" stands for the Id the
last AddPrivateRegistry answered. Prints one JSON line: a result per call, either
{"ok": true, "model": <the response model's to_map()>, "typed": {...}} with values read through
the typed model, or {"ok": false, "exception": <class>, "code", "request_id", "status_code",
"retry_after", "access_denied_detail", "data"}.
"""

import json
import sys

from alibabacloud_sas20181203 import models
from alibabacloud_sas20181203.client import Client
from alibabacloud_tea_openapi import utils_models as open_api_models
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from darabonba.runtime import RuntimeOptions

ACTIONS = {
    "AddPrivateRegistry": ("add_private_registry_with_options", models.AddPrivateRegistryRequest),
    "ListPrivateRegistryList": (
        "list_private_registry_list_with_options",
        models.ListPrivateRegistryListRequest,
    ),
    "ListImageRegistryExtra": (
        "list_image_registry_extra_with_options",
        models.ListImageRegistryExtraRequest,
    ),
    "ModifyImageRegistry": ("modify_image_registry_with_options", models.ModifyImageRegistryRequest),
    "DeletePrivateRegistry": (
        "delete_private_registry_with_options",
        models.DeletePrivateRegistryRequest,
    ),
    "RefreshRegistryToken": (
        "refresh_registry_token_with_options",
        models.RefreshRegistryTokenRequest,
    ),
    "ListImageRegistryRegion": (
        "list_image_registry_region_with_options",
        models.ListImageRegistryRegionRequest,
    ),
    "PageImageRegistry": ("page_image_registry_with_options", models.PageImageRegistryRequest),
}


def typed(action, body):
    """Reads the answer through the SDK's typed model, so a field it cannot parse shows."""
    out = {"request_id": body.request_id}
    if action == "AddPrivateRegistry":
        assert isinstance(body.data, models.AddPrivateRegistryResponseBodyData), type(body.data)
        out["id"] = body.data.id
        out["domain_name"] = body.data.domain_name
    elif action == "ListPrivateRegistryList":
        infos = body.image_registry_infos or []
        for r in infos:
            assert isinstance(r, models.ListPrivateRegistryListResponseBodyImageRegistryInfos), type(r)
        out["registries"] = [
            {"id": r.id, "domain_name": r.domain_name, "port": r.port, "user_name": r.user_name}
            for r in infos
        ]
    elif action == "ListImageRegistryExtra":
        extras = body.image_registry_extra_infos or []
        out["extras"] = [{"registry_id": e.registry_id, "namespace": e.namespace} for e in extras]
    elif action == "ModifyImageRegistry":
        out["success"] = body.success
    elif action == "DeletePrivateRegistry":
        out["data"] = body.data
    elif action == "RefreshRegistryToken":
        # The token itself is a secret: only that one came back.
        out["has_token"] = isinstance(body.data, str) and len(body.data) > 0
    elif action == "ListImageRegistryRegion":
        regions = body.regions or []
        for r in regions:
            assert isinstance(r, models.ListImageRegistryRegionResponseBodyRegions), type(r)
        out["regions"] = [{"region_id": r.region_id, "region_name": r.region_name} for r in regions]
    elif action == "PageImageRegistry":
        items = body.list or []
        for r in items:
            assert isinstance(r, models.PageImageRegistryResponseBodyList), type(r)
        assert isinstance(body.page_info, models.PageImageRegistryResponseBodyPageInfo)
        out["registries"] = [
            {"id": r.id, "registry_name": r.registry_name, "registry_type": r.registry_type}
            for r in items
        ]
        info = body.page_info
        out["page_info"] = {
            "count": info.count,
            "current_page": info.current_page,
            "page_size": info.page_size,
            "total_count": info.total_count,
        }
    # The model round-trips: what it parsed is what it would write back.
    again = type(body)().from_map(body.to_map())
    assert again.to_map() == body.to_map()
    return out


def main():
    plan = json.load(sys.stdin)
    config = open_api_models.Config(
        access_key_id=plan["access_key_id"],
        access_key_secret=plan["access_key_secret"],
        security_token=plan.get("security_token"),
        endpoint=plan["endpoint"],
        protocol="HTTP",
        region_id="cn-hangzhou",
    )
    if plan.get("signature") == "v2":
        config.signature_algorithm = "v2"
    client = Client(config)
    runtime = RuntimeOptions()
    last_id = None
    results = []
    for call in plan["calls"]:
        method, request_type = ACTIONS[call["action"]]
        args = {k: (last_id if v == "$id" else v) for k, v in call.get("args", {}).items()}
        try:
            response = getattr(client, method)(request_type(**args), runtime)
        except AlibabaCloudException as e:
            results.append({
                "ok": False,
                "exception": type(e).__name__,
                "code": e.code,
                "request_id": e.request_id,
                "status_code": e.status_code,
                "retry_after": getattr(e, "retry_after", None),
                "access_denied_detail": getattr(e, "access_denied_detail", None),
                "data": e.data,
            })
            continue
        body = response.body
        if call["action"] == "AddPrivateRegistry":
            last_id = body.data.id
        results.append({
            "ok": True,
            "status_code": response.status_code,
            "model": body.to_map(),
            "typed": typed(call["action"], body),
        })
    json.dump(results, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
