"""Alibaba Cloud's official credential providers (`alibabacloud_credentials`) against
sas-emulator: what they send must be what the emulator accepts.

Reads a JSON plan on stdin: {"endpoint": "127.0.0.1:PORT", "oidc_provider_arn", "role_arn",
"token_file", "credentials_uri", "ecs_role_name", "bad_token_file"}. Prints a JSON list, one
entry per provider: {"provider", "access_key_id", "has_secret", "has_token"} or {"provider",
"error"}. Never prints a secret.

Two adaptations, both to reach a loopback emulator and nothing else: the OIDC provider always
speaks HTTPS (the emulator speaks HTTP), and the ECS provider's metadata host is fixed to
100.100.100.200. Requests are otherwise sent exactly as the library builds them.
"""

import json
import sys

from alibabacloud_credentials.provider import ecs_ram_role, oidc, uri

plan = json.load(sys.stdin)

_do_action = oidc.TeaCore.do_action


def _plain_http(request, runtime=None):
    request.protocol = "http"
    return _do_action(request, runtime)


oidc.TeaCore.do_action = staticmethod(_plain_http)


def oidc_provider(token_file):
    return oidc.OIDCRoleArnCredentialsProvider(
        role_arn=plan["role_arn"],
        oidc_provider_arn=plan["oidc_provider_arn"],
        oidc_token_file_path=token_file,
        role_session_name="sdk-conformance",
        sts_endpoint=plan["endpoint"],
    )


def ecs_provider():
    p = ecs_ram_role.EcsRamRoleCredentialsProvider(
        role_name=plan["ecs_role_name"], disable_imds_v1=True, async_update_enabled=False
    )
    p._EcsRamRoleCredentialsProvider__metadata_service_host = plan["endpoint"]
    return p


providers = [
    ("oidc", lambda: oidc_provider(plan["token_file"])),
    ("oidc_wrong_audience", lambda: oidc_provider(plan["bad_token_file"])),
    ("credentials_uri", lambda: uri.URLCredentialsProvider(uri=plan["credentials_uri"])),
    ("ecs_ram_role_imdsv2", ecs_provider),
]

results = []
for name, make in providers:
    try:
        c = make().get_credentials()
        results.append(
            {
                "provider": name,
                "access_key_id": c.get_access_key_id(),
                "has_secret": bool(c.get_access_key_secret()),
                "has_token": bool(c.get_security_token()),
            }
        )
    except Exception as e:  # the library's own error, as a user of it would see it
        results.append({"provider": name, "error": f"{type(e).__name__}: {e}"})
print(json.dumps(results))
