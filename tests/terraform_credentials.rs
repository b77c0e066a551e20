//! Credentials as a user meets them in `terraform plan`: none at all is one clear error that
//! lists what was tried; a credential not known until apply does not fail the plan; and keyless
//! set-ups need no AccessKey at all: an ECS instance role through hardened metadata, a
//! credentials URI, RRSA's OIDC variables (with the token rotated and the credentials expiring
//! mid-apply), and the CLI profile modes ChainableRamRoleArn and External. Their failures name
//! the setting at fault and never print a token.

mod common;

use std::time::Duration;

use common::backend::Emulator;
use common::emulator_control as control;
use common::terraform::{cli, on_clients, Client, Workspace};
use sas_emulator::{secret_hash, DEFAULT_ECS_ROLE_NAME};
use serde_json::json;

fn registry() -> String {
    common::acceptance::harbor(&[], &[])
}

/// The providers, `provider_block`, then `body`.
fn configuration(provider_block: &str, body: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    alicloud = {{ source = "alicloud-rs/alicloud" }}
    null     = {{ source = "hashicorp/null" }}
  }}
}}

{provider_block}
{body}"#
    )
}

/// One registry, configured through `provider_block`.
fn config(provider_block: &str) -> String {
    configuration(provider_block, &registry())
}

#[test]
fn no_credentials_anywhere_fails_the_plan_with_what_was_tried() {
    let ws = Workspace::with_mirror(&config("provider \"alicloud\" {}\n"));
    ws.init();
    let out = ws.run(&cli("plan", &[]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "plan must fail without credentials");
    assert!(stderr.contains("No Alibaba Cloud credentials"), "{stderr}");
    for tried in [
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "config.json",
        "ecs_role_name",
    ] {
        assert!(
            stderr.contains(tried),
            "the message names {tried}: {stderr}"
        );
    }
    assert_eq!(
        stderr.matches("Error:").count(),
        1,
        "one diagnostic: {stderr}"
    );
}

#[test]
fn a_credential_unknown_until_apply_does_not_fail_the_plan() {
    let provider = r#"
resource "null_resource" "key" {}

provider "alicloud" {
  access_key = null_resource.key.id
  secret_key = "secret-known-at-plan"
  region     = "cn-hangzhou"
}
"#;
    let ws = Workspace::with_mirror(&config(provider));
    ws.init();
    let out = ws.ok(&cli("plan", &[]));
    assert!(out.contains("2 to add"), "{out}");
    assert!(
        !out.contains("secret-known-at-plan"),
        "the secret is not shown"
    );
}

/// Keyless on ECS: the instance's RAM role through hardened metadata (IMDSv2), with
/// `ALIBABA_CLOUD_IMDSV1_DISABLED=true` and no AccessKey anywhere. The emulator refuses every
/// metadata read without a session token (`--imds required`), so the apply proves the token.
fn ecs_role_through_hardened_metadata(client: Client) {
    let emulator = Emulator::start(&["--imds", "required"]);
    let provider = format!(
        r#"provider "alicloud" {{
  protocol      = "HTTP"
  region        = "cn-hangzhou"
  ecs_role_name = "{DEFAULT_ECS_ROLE_NAME}"
  endpoints {{
    sas          = "{addr}"
    ecs_metadata = "{addr}"
  }}
}}
"#,
        addr = emulator.addr
    );
    keyless_lifecycle(
        client,
        &emulator,
        &provider,
        &[("ALIBABA_CLOUD_IMDSV1_DISABLED", "true")],
    );
}

/// With no AccessKey in the environment (a workspace's is empty but for `env`): init, apply
/// (one registry in the emulator), destroy (none).
fn keyless_lifecycle(client: Client, emulator: &Emulator, provider: &str, env: &[(&str, &str)]) {
    let mut ws = Workspace::mirror(client, &config(provider));
    for (k, v) in env {
        ws.set_env(k, v);
    }
    ws.init();
    ws.apply();
    assert_eq!(emulator.registries().len(), 1, "{client}: created");
    ws.destroy();
    assert!(emulator.registries().is_empty(), "{client}: destroyed");
}

on_clients! {
    ecs_role_through_hardened_metadata:
    ecs_role_through_hardened_metadata_on_terraform_1_0_3 => Terraform1_0,
    ecs_role_through_hardened_metadata_on_terraform_1_16_4 => Terraform1_16,
}

/// Keyless through a credentials URI: `ALIBABA_CLOUD_CREDENTIALS_URI` alone, answered by the
/// emulator's `/credentials` with a temporary key.
fn credentials_uri_alone(client: Client) {
    let emulator = Emulator::start(&[]);
    let provider = format!(
        "provider \"alicloud\" {{\n  protocol = \"HTTP\"\n  region   = \"cn-hangzhou\"\n  endpoints {{\n    sas = \"{}\"\n  }}\n}}\n",
        emulator.addr
    );
    let uri = format!(
        "http://{}{}",
        emulator.addr,
        sas_emulator::credentials_uri::PATH
    );
    keyless_lifecycle(
        client,
        &emulator,
        &provider,
        &[("ALIBABA_CLOUD_CREDENTIALS_URI", &uri)],
    );
}

on_clients! {
    credentials_uri_alone:
    credentials_uri_alone_on_terraform_1_0_3 => Terraform1_0,
    credentials_uri_alone_on_terraform_1_16_4 => Terraform1_16,
}

/// A provider block that reaches the emulator's Sas and STS, and nothing about credentials.
fn endpoints_only(emulator: &Emulator) -> String {
    format!(
        "provider \"alicloud\" {{\n  protocol = \"HTTP\"\n  region   = \"cn-hangzhou\"\n  endpoints {{\n    sas = \"{0}\"\n    sts = \"{0}\"\n  }}\n}}\n",
        emulator.addr
    )
}

/// What RRSA's webhook injects into a pod, the token file in the workspace.
fn rrsa_env(ws: &mut Workspace, emulator: &Emulator, token: &str) -> std::path::PathBuf {
    let file = ws.path().join("oidc-token");
    std::fs::write(&file, token).expect("token file");
    let arn = control::oidc(emulator)["provider_arn"]
        .as_str()
        .expect("provider arn")
        .to_string();
    ws.set_env("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", &arn);
    ws.set_env("ALIBABA_CLOUD_OIDC_TOKEN_FILE", &file.to_string_lossy());
    ws.set_env(
        "ALIBABA_CLOUD_ROLE_ARN",
        "acs:ram::1234567890123456:role/ci-deployer",
    );
    file
}

/// The three RRSA variables and a token file, nothing else: apply and destroy at
/// `TF_LOG=trace`, and neither the JWT nor any temporary key the emulator issued appears in
/// anything the client printed.
fn rrsa_variables_alone(client: Client) {
    let emulator = Emulator::start(&[]);
    let mut ws = Workspace::mirror(client, &config(&endpoints_only(&emulator)));
    let token = control::oidc_token(&emulator, json!({}));
    rrsa_env(&mut ws, &emulator, &token);
    ws.init();
    ws.set_env("TF_LOG", "trace");
    let mut printed = String::new();
    for args in [&cli("apply", &[])[..], &cli("destroy", &[])[..]] {
        let out = ws.run(args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{client}: {args:?} failed");
        if args[0] == "apply" {
            assert_eq!(emulator.registries().len(), 1, "{client}: created");
        }
        printed.push_str(&text);
    }
    assert!(emulator.registries().is_empty(), "{client}: destroyed");
    assert!(
        printed.contains("AssumeRoleWithOIDC"),
        "{client}: the trace shows the call, so the grep below means something"
    );
    let issued = control::temporary_credentials(&emulator);
    assert!(!issued.is_empty(), "{client}: STS issued a key");
    let mut secrets = vec![
        token.clone(),
        token.split('.').nth(2).unwrap_or_default().to_string(),
    ];
    for key in &issued {
        for field in ["AccessKeySecret", "SecurityToken"] {
            secrets.push(key[field].as_str().unwrap_or_default().to_string());
        }
    }
    for secret in secrets.iter().filter(|s| s.len() > 8) {
        assert!(
            !printed.contains(secret.as_str()),
            "{client}: a secret reached the TF_LOG=trace output"
        );
    }
}

on_clients! {
    rrsa_variables_alone:
    rrsa_variables_alone_on_terraform_1_0_3 => Terraform1_0,
    rrsa_variables_alone_on_terraform_1_16_4 => Terraform1_16,
}

/// An apply that outlives its credentials: the emulator issues keys for 300 seconds at most.
/// While the create is held, the token file is rotated (the old token expires with the
/// clock's step) and the emulator's clock moves 301 seconds on. The create, signed with the
/// old key, is refused as expired; the provider renews with the rotated token and creates
/// exactly one registry.
fn token_rotated_and_credentials_expired_mid_apply(client: Client) {
    let emulator = Emulator::start(&["--temporary-credential-lifetime", "300"]);
    let mut ws = Workspace::mirror(client, &config(&endpoints_only(&emulator)));
    let first = control::oidc_token(&emulator, json!({ "expires_in": 200 }));
    let file = rrsa_env(&mut ws, &emulator, &first);
    ws.init();
    control::hold(&emulator, "AddPrivateRegistry", 0, 1);
    let mut apply = ws.spawn("apply", &cli("apply", &[]));
    let held = control::wait_held(&emulator, "AddPrivateRegistry", 1, Duration::from_secs(90));
    control::advance_clock(&emulator, 301);
    let rotated = control::oidc_token(&emulator, json!({}));
    std::fs::write(&file, &rotated).expect("rotate the token");
    control::release(&emulator, held[0]);
    let status = apply.wait().expect("apply ends");
    let printed = ws.output_of("apply");
    assert!(status.success(), "{client}: apply failed:\n{printed}");
    assert_eq!(
        emulator.registries().len(),
        1,
        "{client}: one registry, no duplicate"
    );

    let log = emulator.requests();
    let outcomes = |action: &str| -> Vec<String> {
        log.iter()
            .filter(|r| r["action"] == action)
            .map(|r| r["outcome"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(
        outcomes("AddPrivateRegistry"),
        ["InvalidSecurityToken.Expired", "Success"],
        "{client}: refused with the expired key, then created once with the renewed one"
    );
    let tokens: Vec<&str> = log
        .iter()
        .filter(|r| r["action"] == "AssumeRoleWithOIDC")
        .filter_map(|r| r["params"]["OIDCToken"].as_str())
        .collect();
    assert_eq!(
        tokens,
        [secret_hash(&first), secret_hash(&rotated)],
        "{client}: the token file was read again at renewal"
    );
    assert!(!printed.contains(&rotated) && !printed.contains(&first));
    ws.destroy();
    assert!(emulator.registries().is_empty(), "{client}: destroyed");
}

on_clients! {
    token_rotated_and_credentials_expired_mid_apply:
    token_rotated_and_credentials_expired_mid_apply_on_terraform_1_0_3 => Terraform1_0,
    token_rotated_and_credentials_expired_mid_apply_on_terraform_1_16_4 => Terraform1_16,
}

/// `~/.aliyun/config.json` with a base AccessKey, a ChainableRamRoleArn profile on it, an
/// External profile whose command prints the key (and leaves a mark), a CloudSSO profile as
/// the CLI's sign-in leaves it (the emulator playing the portal), and a cycle.
fn profile_file(ws: &Workspace, emulator: &Emulator) -> std::path::PathBuf {
    let script = ws.path().join("print-credentials.sh");
    let mark = ws.path().join("external-ran");
    std::fs::write(
        &script,
        format!(
            "touch {}\necho '{{\"mode\":\"AK\",\"access_key_id\":\"{}\",\"access_key_secret\":\"{}\"}}'\n",
            mark.display(),
            common::backend::EMULATOR_KEY_ID,
            common::backend::EMULATOR_KEY_SECRET
        ),
    )
    .expect("script");
    let file = ws.path().join("aliyun-config.json");
    let profiles = json!({
        "current": "base",
        "profiles": [
            {"name": "base", "mode": "AK", "access_key_id": common::backend::EMULATOR_KEY_ID,
             "access_key_secret": common::backend::EMULATOR_KEY_SECRET},
            {"name": "chained", "mode": "ChainableRamRoleArn", "source_profile": "base",
             "ram_role_arn": "acs:ram::1234567890123456:role/deployer", "ram_session_name": "ci"},
            {"name": "external", "mode": "External",
             "process_command": format!("sh {}", script.display())},
            {"name": "sso", "mode": "CloudSSO",
             "cloud_sso_sign_in_url": format!("http://{}/device/login", emulator.addr),
             "cloud_sso_account_id": sas_emulator::DEFAULT_ALI_UID.to_string(),
             "cloud_sso_access_config": sas_emulator::cloud_sso::DEFAULT_ACCESS_CONFIGURATION,
             "access_token": sas_emulator::cloud_sso::DEFAULT_ACCESS_TOKEN,
             "cloud_sso_access_token_expire": time_in(3600)},
            {"name": "loop-a", "mode": "ChainableRamRoleArn", "source_profile": "loop-b",
             "ram_role_arn": "acs:ram::1234567890123456:role/a"},
            {"name": "loop-b", "mode": "ChainableRamRoleArn", "source_profile": "loop-a",
             "ram_role_arn": "acs:ram::1234567890123456:role/b"},
        ]
    });
    std::fs::write(&file, profiles.to_string()).expect("profile file");
    file
}

/// ChainableRamRoleArn (the role assumed with the base profile's key: Sas calls are signed
/// with an STS key), External (the command ran, its key signs) and CloudSSO (the portal's key
/// signs), each a full lifecycle.
fn new_profile_modes(client: Client) {
    let emulator = Emulator::start(&[]);
    let mut ws = Workspace::mirror(client, &config(&endpoints_only(&emulator)));
    let file = profile_file(&ws, &emulator);
    ws.set_env("ALIBABA_CLOUD_CREDENTIALS_FILE", &file.to_string_lossy());
    ws.init();
    for profile in ["chained", "external", "sso"] {
        emulator.clear_requests();
        ws.set_env("ALIBABA_CLOUD_PROFILE", profile);
        ws.apply();
        assert_eq!(
            emulator.registries().len(),
            1,
            "{client}: {profile}: created"
        );
        let signer = emulator
            .requests()
            .iter()
            .find(|r| r["action"] == "AddPrivateRegistry")
            .and_then(|r| r["access_key_id"].as_str().map(str::to_string))
            .unwrap_or_default();
        match profile {
            "chained" => {
                assert_eq!(emulator.count_actions("AssumeRole"), 1, "{client}");
                assert!(signer.starts_with("STS."), "{client}: signed by {signer}");
            }
            "external" => {
                assert!(
                    ws.path().join("external-ran").exists(),
                    "{client}: the command ran"
                );
                assert_eq!(signer, common::backend::EMULATOR_KEY_ID, "{client}");
            }
            _ => {
                assert_eq!(emulator.count_actions("AssumeRole"), 0, "{client}");
                assert!(
                    signer.starts_with("STS."),
                    "{client}: the portal's key signs"
                );
            }
        }
        ws.destroy();
        assert!(
            emulator.registries().is_empty(),
            "{client}: {profile}: destroyed"
        );
    }
}

on_clients! {
    new_profile_modes:
    new_profile_modes_on_terraform_1_0_3 => Terraform1_0,
    new_profile_modes_on_terraform_1_16_4 => Terraform1_16,
}

/// A wrong audience, an expired JWT, an unreadable token file and a profile cycle: each fails
/// the plan (a data source reads at plan time) with STS's code or the setting at fault, and
/// never with the token.
fn keyless_mistakes_are_named(client: Client) {
    let emulator = Emulator::start(&[]);
    let main_tf = configuration(
        &endpoints_only(&emulator),
        "data \"alicloud_sas_image_registry_regions\" \"all\" {}\n",
    );
    let mut ws = Workspace::mirror(client, &main_tf);
    let wrong_audience = control::oidc_token(&emulator, json!({ "audience": "api://elsewhere" }));
    let expired = control::oidc_token(&emulator, json!({ "expires_in": -60 }));
    let file = rrsa_env(&mut ws, &emulator, &wrong_audience);
    ws.init();
    let plan = |ws: &Workspace| {
        let (ok, printed) = ws.outcome(&cli("plan", &[]));
        assert!(!ok, "{client}: the plan must fail:\n{printed}");
        assert!(
            !printed.contains(&wrong_audience) && !printed.contains(&expired),
            "{client}: a token was printed"
        );
        // As one line: the client wraps long diagnostics.
        common::flat(&printed)
    };
    let printed = plan(&ws);
    assert!(
        printed.contains("AuthenticationFail.OIDCToken.AudienceNotMatch")
            && printed.contains("assume_role_with_oidc"),
        "{client}: {printed}"
    );
    std::fs::write(&file, &expired).expect("token");
    let printed = plan(&ws);
    assert!(
        printed.contains("AuthenticationFail.OIDCToken.Expired"),
        "{client}: {printed}"
    );
    let missing = ws.path().join("no-such-token");
    ws.set_env("ALIBABA_CLOUD_OIDC_TOKEN_FILE", &missing.to_string_lossy());
    let printed = plan(&ws);
    assert!(
        printed.contains("oidc_token_file") && printed.contains("cannot read the OIDC token"),
        "{client}: {printed}"
    );
    for var in [
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
        "ALIBABA_CLOUD_ROLE_ARN",
    ] {
        ws.set_env(var, "");
    }
    let profiles = profile_file(&ws, &emulator);
    ws.set_env(
        "ALIBABA_CLOUD_CREDENTIALS_FILE",
        &profiles.to_string_lossy(),
    );
    ws.set_env("ALIBABA_CLOUD_PROFILE", "loop-a");
    let printed = plan(&ws);
    assert!(
        printed.contains("cycle: loop-a -> loop-b -> loop-a"),
        "{client}: {printed}"
    );
}

on_clients! {
    keyless_mistakes_are_named:
    keyless_mistakes_are_named_on_terraform_1_0_3 => Terraform1_0,
    keyless_mistakes_are_named_on_terraform_1_16_4 => Terraform1_16,
}

/// Unix seconds `seconds` from now.
fn time_in(seconds: u64) -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        + seconds
}
