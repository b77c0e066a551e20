//! Each credential source end to end against loopback stand-ins for Sas, STS and the ECS
//! metadata service: static keys (block and environment), STS tokens, profile files in every
//! mode, assume_role with caching and refresh, the ECS role, and the "no credentials" message.

#[path = "alicloud_support.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use alicloud::{
    AssumeRoleConfig, CallContext, EndpointsConfig, Error, ProviderConfig, SasClient, Secret,
};
use support::*;
use tokio_util::sync::CancellationToken;

fn ctx() -> CallContext {
    CallContext::with_timeout(Duration::from_secs(10), CancellationToken::new())
}

async fn sas() -> TestServer {
    TestServer::always(Reply::ok(list_body(&[1]))).await
}

/// Lists once and returns the request the Sas stand-in saw.
async fn list_once(client: &SasClient, server: &TestServer) -> Recorded {
    client
        .list_private_registry_list(&Default::default(), &ctx())
        .await
        .expect("list");
    server.requests().pop().expect("a request")
}

fn with_endpoints(
    mut c: ProviderConfig,
    sas: &TestServer,
    sts: Option<&TestServer>,
    metadata: Option<&TestServer>,
) -> ProviderConfig {
    c.protocol = Some("HTTP".into());
    c.endpoints = Some(EndpointsConfig {
        sas: Some(sas.host()),
        sts: sts.map(TestServer::host),
        ecs_metadata: metadata.map(TestServer::host),
    });
    c
}

/// Profile `name` of the credentials file at `path`.
fn in_profile(name: &str, path: &std::path::Path) -> ProviderConfig {
    ProviderConfig {
        profile: Some(name.into()),
        shared_credentials_file: Some(path.to_string_lossy().into_owned()),
        ..Default::default()
    }
}

/// Base keys that assume role `r`.
fn assuming_role() -> ProviderConfig {
    ProviderConfig {
        assume_role: Some(AssumeRoleConfig {
            role_arn: Some("acs:ram::1:role/r".into()),
            ..Default::default()
        }),
        ..keys("base-id", "base-secret")
    }
}

/// An STS stand-in issuing credentials that expire `expires_in` from now.
async fn sts_server(expires_in: time::Duration) -> TestServer {
    TestServer::start(move |r, i| {
        if r.action().as_deref() != Some("AssumeRole") {
            return Reply::error(404, "InvalidAction.NotFound", "S");
        }
        Reply::ok(sts_body(
            &format!("STS.id-{i}"),
            &format!("sts-secret-{i}"),
            &format!("sts-token-{i}"),
            expires_in,
        ))
    })
    .await
}

#[tokio::test]
async fn static_keys_from_the_provider_block() {
    let server = sas().await;
    let cfg = with_endpoints(keys("block-id", "block-secret"), &server, None, None);
    // the environment loses to the block
    let r = resolved(
        &cfg,
        &[
            ("ALICLOUD_ACCESS_KEY", "env-id"),
            ("ALICLOUD_SECRET_KEY", "env-secret"),
        ],
    )
    .expect("config");
    let seen = list_once(&SasClient::new(r), &server).await;
    seen.assert_signed_by("block-id", None, "block-secret");
    assert_eq!(seen.security_token(), None);
}

#[tokio::test]
async fn static_keys_and_token_from_the_environment() {
    for (id_var, secret_var, token_var) in [
        (
            "ALICLOUD_ACCESS_KEY",
            "ALICLOUD_SECRET_KEY",
            "ALICLOUD_SECURITY_TOKEN",
        ),
        (
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            "ALIBABA_CLOUD_SECURITY_TOKEN",
        ),
    ] {
        let server = sas().await;
        let cfg = with_endpoints(ProviderConfig::default(), &server, None, None);
        let r = resolved(
            &cfg,
            &[
                (id_var, "env-id"),
                (secret_var, "env-secret"),
                (token_var, "env-token"),
            ],
        )
        .expect("config");
        let seen = list_once(&SasClient::new(r), &server).await;
        assert_eq!(seen.access_key_id().as_deref(), Some("env-id"), "{id_var}");
        assert!(seen.v3_signature_valid("env-secret"), "{secret_var}");
        assert_eq!(
            seen.security_token().as_deref(),
            Some("env-token"),
            "{token_var}"
        );
    }
}

#[tokio::test]
async fn sts_token_travels_as_a_signed_parameter_with_v2() {
    let server = sas().await;
    let cfg = with_endpoints(
        ProviderConfig {
            security_token: Some(Secret::new("the-token")),
            signature_version: Some("v2".into()),
            ..keys("STS.id", "s")
        },
        &server,
        None,
        None,
    );
    let seen = list_once(
        &SasClient::new(resolved(&cfg, &[]).expect("config")),
        &server,
    )
    .await;
    assert_eq!(seen.param("SecurityToken").as_deref(), Some("the-token"));
    assert!(seen.v2_signature_valid("s"));
}

fn profile_file(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let path = dir.path().join("config.json");
    let body = serde_json::json!({
        "current": "default",
        "profiles": [
            {"name": "default", "mode": "AK", "access_key_id": "prof-id", "access_key_secret": "prof-secret", "region_id": "cn-hangzhou"},
            {"name": "sts", "mode": "StsToken", "access_key_id": "STS.prof", "access_key_secret": "prof-sts-secret", "sts_token": "prof-token"},
            {"name": "role", "mode": "RamRoleArn", "access_key_id": "role-base-id", "access_key_secret": "role-base-secret", "ram_role_arn": "acs:ram::123:role/deployer", "ram_session_name": "ci"},
            {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "instance-role"}
        ]
    });
    std::fs::write(&path, body.to_string()).expect("write profile file");
    path
}

#[tokio::test]
async fn profile_file_in_ak_and_sts_token_modes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = profile_file(&dir);
    let home = dir.path().to_string_lossy().into_owned();

    // the current profile from the default location under HOME
    std::fs::create_dir_all(dir.path().join(".aliyun")).expect("mkdir");
    std::fs::copy(&path, dir.path().join(".aliyun/config.json")).expect("copy");
    let server = sas().await;
    let cfg = with_endpoints(ProviderConfig::default(), &server, None, None);
    let seen = list_once(
        &SasClient::new(resolved(&cfg, &[("HOME", &home)]).expect("config")),
        &server,
    )
    .await;
    seen.assert_signed_by("prof-id", None, "prof-secret");

    // a named profile from an explicit file, through the environment
    let server = sas().await;
    let cfg = with_endpoints(ProviderConfig::default(), &server, None, None);
    let file = path.to_string_lossy().into_owned();
    let r = resolved(
        &cfg,
        &[
            ("ALIBABA_CLOUD_CREDENTIALS_FILE", &file),
            ("ALICLOUD_PROFILE", "sts"),
        ],
    )
    .expect("config");
    let seen = list_once(&SasClient::new(r), &server).await;
    seen.assert_signed_by("STS.prof", Some("prof-token"), "prof-sts-secret");
}

#[tokio::test]
async fn profile_file_in_ram_role_arn_mode_assumes_the_role() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = profile_file(&dir);
    let sts = sts_server(time::Duration::hours(1)).await;
    let server = sas().await;
    let cfg = with_endpoints(in_profile("role", &path), &server, Some(&sts), None);
    let seen = list_once(
        &SasClient::new(resolved(&cfg, &[]).expect("config")),
        &server,
    )
    .await;
    let sts_req = &sts.requests()[0];
    sts_req.assert_signed_by("role-base-id", None, "role-base-secret");
    assert_eq!(sts_req.header("x-acs-version"), Some("2015-04-01"));
    assert_eq!(
        sts_req.param("RoleArn").as_deref(),
        Some("acs:ram::123:role/deployer")
    );
    assert_eq!(sts_req.param("RoleSessionName").as_deref(), Some("ci"));
    seen.assert_signed_by("STS.id-0", Some("sts-token-0"), "sts-secret-0");
}

#[tokio::test]
async fn profile_file_in_ecs_ram_role_mode_reads_the_metadata_service() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = profile_file(&dir);
    let metadata = TestServer::always(Reply::ok(serde_json::json!({
        "AccessKeyId": "STS.ecs", "AccessKeySecret": "ecs-secret", "SecurityToken": "ecs-token",
        "Expiration": "2099-01-01T00:00:00Z", "Code": "Success", "LastUpdated": "2024-01-01T00:00:00Z"
    })))
    .await;
    let server = sas().await;
    let cfg = with_endpoints(in_profile("ecs", &path), &server, None, Some(&metadata));
    let seen = list_once(
        &SasClient::new(resolved(&cfg, &[]).expect("config")),
        &server,
    )
    .await;
    let reads: Vec<String> = metadata
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path)
        .collect();
    assert_eq!(
        reads,
        ["/latest/meta-data/ram/security-credentials/instance-role"]
    );
    seen.assert_signed_by("STS.ecs", Some("ecs-token"), "ecs-secret");
}

#[tokio::test]
async fn ecs_role_name_reads_the_metadata_service_once_while_fresh() {
    let metadata = TestServer::start(|r, _| {
        if r.method != "GET" {
            return Reply::Json(405, "{}".into());
        }
        Reply::ok(serde_json::json!({
            "AccessKeyId": "STS.ecs", "AccessKeySecret": "ecs-secret", "SecurityToken": "ecs-token",
            "Expiration": "2099-01-01T00:00:00Z", "Code": "Success"
        }))
    })
    .await;
    let server = sas().await;
    let cfg = with_endpoints(ProviderConfig::default(), &server, None, Some(&metadata));
    let client =
        SasClient::new(resolved(&cfg, &[("ALICLOUD_ECS_ROLE_NAME", "my-role")]).expect("config"));
    let seen = list_once(&client, &server).await;
    list_once(&client, &server).await;
    // A session token is asked for first (this service has none: 405), then the read.
    let paths: Vec<(String, String)> = metadata
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert_eq!(
        paths,
        [
            ("PUT".to_string(), "/latest/api/token".to_string()),
            (
                "GET".to_string(),
                "/latest/meta-data/ram/security-credentials/my-role".to_string()
            ),
        ],
        "credentials are cached until near expiry"
    );
    seen.assert_signed_by("STS.ecs", Some("ecs-token"), "ecs-secret");
}

#[tokio::test]
async fn ecs_metadata_failure_is_a_credentials_error() {
    let metadata = TestServer::always(Reply::Json(404, "Not Found".into())).await;
    let server = sas().await;
    let cfg = with_endpoints(ProviderConfig::default(), &server, None, Some(&metadata));
    let client =
        SasClient::new(resolved(&cfg, &[("ALIBABA_CLOUD_ECS_METADATA", "nope")]).expect("config"));
    let err = client
        .list_private_registry_list(&Default::default(), &ctx())
        .await
        .expect_err("no role");
    assert!(matches!(err, Error::Credentials { .. }), "{err}");
    assert!(err.to_string().contains("ecs_role_name \"nope\""), "{err}");
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn assume_role_signs_with_base_keys_and_caches_the_result() {
    let sts = sts_server(time::Duration::hours(1)).await;
    let server = sas().await;
    let cfg = with_endpoints(
        ProviderConfig {
            assume_role: Some(AssumeRoleConfig {
                role_arn: Some("acs:ram::123:role/tf".into()),
                session_name: Some("tf-session".into()),
                policy: Some(r#"{"Version":"1","Statement":[]}"#.into()),
                session_expiration: Some(1200),
                external_id: Some("ext-1".into()),
            }),
            ..keys("base-id", "base-secret")
        },
        &server,
        Some(&sts),
        None,
    );
    let client = SasClient::new(resolved(&cfg, &[]).expect("config"));
    let first = list_once(&client, &server).await;
    let second = list_once(&client, &server).await;
    assert_eq!(sts.count(), 1, "fresh credentials are reused");
    let a = &sts.requests()[0];
    assert_eq!(a.action().as_deref(), Some("AssumeRole"));
    assert!(a.v3_signature_valid("base-secret"));
    assert_eq!(a.param("RoleArn").as_deref(), Some("acs:ram::123:role/tf"));
    assert_eq!(a.param("RoleSessionName").as_deref(), Some("tf-session"));
    assert_eq!(a.param("DurationSeconds").as_deref(), Some("1200"));
    assert_eq!(a.param("ExternalId").as_deref(), Some("ext-1"));
    assert_eq!(
        a.param("Policy").as_deref(),
        Some(r#"{"Version":"1","Statement":[]}"#)
    );
    for seen in [first, second] {
        seen.assert_signed_by("STS.id-0", Some("sts-token-0"), "sts-secret-0");
    }
}

#[tokio::test]
async fn assume_role_refreshes_credentials_close_to_expiry() {
    // A six-second key is used for the first two thirds of its life, then renewed. (STS
    // answers whole seconds, so its life here is 5 to 6 seconds: fresh for at least 3.3 s,
    // stale after at most 4.)
    let sts = sts_server(time::Duration::seconds(6)).await;
    let server = sas().await;
    let cfg = with_endpoints(keys("base-id", "base-secret"), &server, Some(&sts), None);
    let client = SasClient::new(
        resolved(&cfg, &[("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r")]).expect("config"),
    );
    let first = list_once(&client, &server).await;
    let again = list_once(&client, &server).await;
    assert_eq!(sts.count(), 1, "still fresh");
    tokio::time::sleep(Duration::from_millis(4300)).await;
    let second = list_once(&client, &server).await;
    assert_eq!(sts.count(), 2);
    assert_eq!(first.access_key_id().as_deref(), Some("STS.id-0"));
    assert_eq!(again.access_key_id().as_deref(), Some("STS.id-0"));
    assert_eq!(second.access_key_id().as_deref(), Some("STS.id-1"));
    assert_eq!(
        sts.requests()[0].param("RoleSessionName").as_deref(),
        Some("terraform")
    );
}

#[tokio::test]
async fn concurrent_calls_share_one_assume_role() {
    let sts = TestServer::start(|_, i| {
        Reply::After(
            Duration::from_millis(100),
            Box::new(Reply::ok(sts_body(
                &format!("STS.id-{i}"),
                "s",
                "t",
                time::Duration::hours(1),
            ))),
        )
    })
    .await;
    let server = sas().await;
    let cfg = with_endpoints(assuming_role(), &server, Some(&sts), None);
    let client = SasClient::new(resolved(&cfg, &[]).expect("config"));
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move {
                c.list_private_registry_list(&Default::default(), &ctx())
                    .await
                    .is_ok()
            })
        })
        .collect();
    for call in calls {
        assert!(call.await.unwrap_or(false));
    }
    assert_eq!(sts.count(), 1, "one refresh in flight");
    assert_eq!(server.count(), 8);
}

#[tokio::test]
async fn sts_refusal_names_the_role_and_the_ram_action() {
    let sts = TestServer::always(Reply::error(403, "NoPermission", "STS-403")).await;
    let server = sas().await;
    let cfg = with_endpoints(assuming_role(), &server, Some(&sts), None);
    let err = SasClient::new(resolved(&cfg, &[]).expect("config"))
        .list_private_registry_list(&Default::default(), &ctx())
        .await
        .expect_err("refused");
    let msg = err.to_string();
    assert!(msg.contains("assume_role acs:ram::1:role/r"), "{msg}");
    assert!(
        msg.contains("sts:AssumeRole") && msg.contains("STS-403"),
        "{msg}"
    );
    assert!(!msg.contains("base-secret"));
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn no_credentials_lists_everything_tried() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().to_string_lossy().into_owned();
    let server = sas().await;
    let cfg = with_endpoints(ProviderConfig::default(), &server, None, None);
    // configuring succeeds: nothing is looked up until the first call
    let client = SasClient::new(resolved(&cfg, &[("HOME", &home)]).expect("config"));
    let err = client
        .list_private_registry_list(&Default::default(), &ctx())
        .await
        .expect_err("no credentials");
    assert!(matches!(err, Error::NoCredentials { .. }), "{err}");
    let msg = err.to_string();
    let expected_path = dir.path().join(".aliyun").join("config.json");
    for part in [
        "ALICLOUD_ACCESS_KEY",
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALICLOUD_ECS_ROLE_NAME",
        "ALIBABA_CLOUD_ECS_METADATA",
        &expected_path.to_string_lossy(),
        "not found",
    ] {
        assert!(msg.contains(part), "{part} missing from:\n{msg}");
    }
    assert_eq!(server.count(), 0);

    // the same client picks the file up once it appears: a failed lookup is not cached
    std::fs::create_dir_all(dir.path().join(".aliyun")).expect("mkdir");
    std::fs::write(
        &expected_path,
        r#"{"current":"p","profiles":[{"name":"p","mode":"AK","access_key_id":"late-id","access_key_secret":"late-secret"}]}"#,
    )
    .expect("write");
    let seen = list_once(&client, &server).await;
    assert_eq!(seen.access_key_id().as_deref(), Some("late-id"));
}

#[tokio::test]
async fn a_custom_credential_provider_can_be_supplied() {
    let server = sas().await;
    let cfg = with_endpoints(ProviderConfig::default(), &server, None, None);
    let provider = Arc::new(alicloud::StaticProvider::new(
        "custom-id",
        Secret::new("custom-secret"),
        None,
    ));
    let client = SasClient::with_credentials(resolved(&cfg, &[]).expect("config"), provider);
    let seen = list_once(&client, &server).await;
    assert!(seen.v3_signature_valid("custom-secret"));
}
