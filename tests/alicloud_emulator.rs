//! The client against the project's own emulator: the whole registry lifecycle with both
//! signature versions, and credentials from the emulator's STS and ECS metadata stand-ins.
//! Agreement here means our signer and the emulator's verifier read the spec the same way.

#[path = "alicloud_support.rs"]
mod support;

use std::time::Duration;

use alicloud::{
    resolve, AddPrivateRegistryRequest, AssumeRoleConfig, CallContext,
    DeletePrivateRegistryRequest, EndpointsConfig, ListImageRegistryExtraRequest,
    ListImageRegistryRegionRequest, ListPrivateRegistryListRequest, ModifyImageRegistryRequest,
    PageImageRegistryRequest, ProviderConfig, RetryPolicy, SasClient, Secret,
};
use sas_emulator::introspect::LogEntry;
use sas_emulator::{
    Emulator, EmulatorConfig, RunningEmulator, DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_ECS_ROLE_NAME,
};
use tokio_util::sync::CancellationToken;

fn ctx() -> CallContext {
    CallContext::with_timeout(Duration::from_secs(20), CancellationToken::new())
}

fn client(endpoint: &str, mut cfg: ProviderConfig, env: &[(&str, &str)]) -> SasClient {
    cfg.protocol = Some("HTTP".into());
    cfg.endpoints = Some(EndpointsConfig {
        sas: Some(endpoint.into()),
        sts: Some(endpoint.into()),
        ecs_metadata: Some(endpoint.into()),
    });
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut r = resolve(&cfg, &move |k: &str| {
        env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    })
    .expect("config");
    r.retry = RetryPolicy {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
    };
    SasClient::new(r)
}

fn static_keys() -> ProviderConfig {
    support::keys(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET)
}

fn harbor() -> AddPrivateRegistryRequest {
    AddPrivateRegistryRequest {
        trans_per_hour: Some(10),
        ..support::harbor_request("10.0.0.5", "robot", "s3cret Passw0rd*~")
    }
}

async fn lifecycle(c: &SasClient) {
    let cx = ctx();
    let added = c.add_private_registry(&harbor(), &cx).await.expect("add");
    let id = added.data.id;
    let listed = c
        .list_private_registry_list(&ListPrivateRegistryListRequest::default(), &cx)
        .await
        .expect("list");
    let found = listed
        .image_registry_infos
        .iter()
        .find(|r| r.id == id)
        .expect("the new registry is listed");
    assert_eq!(found.domain_name.as_deref(), Some("harbor.example.com"));
    assert_eq!(found.port, Some(443));

    c.modify_image_registry(
        &ModifyImageRegistryRequest {
            id,
            trans_per_hour: Some(20),
            password: Some(Secret::new("n3w pass")),
            ..Default::default()
        },
        &cx,
    )
    .await
    .expect("modify");
    let page = c
        .page_image_registry(
            &PageImageRegistryRequest {
                registry_type_in_list: vec!["harbor".into()],
                ..Default::default()
            },
            &cx,
        )
        .await
        .expect("page");
    let item = page.list.iter().find(|r| r.id == id).expect("paged");
    assert_eq!(item.trans_per_hour, Some(20));

    let regions = c
        .list_image_registry_region(&ListImageRegistryRegionRequest::default(), &cx)
        .await
        .expect("regions");
    assert!(!regions.regions.is_empty());

    c.delete_private_registry(&DeletePrivateRegistryRequest { registry_id: id }, &cx)
        .await
        .expect("delete");
    let listed = c
        .list_private_registry_list(&ListPrivateRegistryListRequest::default(), &cx)
        .await
        .expect("list");
    assert!(listed.image_registry_infos.iter().all(|r| r.id != id));
}

#[tokio::test]
async fn lifecycle_with_v3_signatures() {
    let emu = Emulator::start(EmulatorConfig::default()).expect("emulator");
    lifecycle(&client(&emu.addr().to_string(), static_keys(), &[])).await;
}

#[tokio::test]
async fn lifecycle_with_v2_signatures() {
    let emu = Emulator::start(EmulatorConfig::default()).expect("emulator");
    let cfg = ProviderConfig {
        signature_version: Some("v2".into()),
        ..static_keys()
    };
    lifecycle(&client(&emu.addr().to_string(), cfg, &[])).await;
}

#[tokio::test]
async fn quay_extras_round_trip() {
    let emu = Emulator::start(EmulatorConfig::default()).expect("emulator");
    let c = client(&emu.addr().to_string(), static_keys(), &[]);
    let req = AddPrivateRegistryRequest {
        registry_type: "quay".into(),
        extra_param: Some(Secret::new(
            r#"[{"namespace":"team","authToken":"quay-tok"}]"#,
        )),
        ..harbor()
    };
    let id = c
        .add_private_registry(&req, &ctx())
        .await
        .expect("add")
        .data
        .id;
    let extra = c
        .list_image_registry_extra(&ListImageRegistryExtraRequest { registry_id: id }, &ctx())
        .await
        .expect("extra");
    let info = extra.image_registry_extra_infos.first().expect("one extra");
    assert_eq!(info.namespace.as_deref(), Some("team"));
}

#[tokio::test]
async fn assume_role_and_ecs_role_through_the_emulator() {
    let emu = Emulator::start(EmulatorConfig::default()).expect("emulator");
    let endpoint = emu.addr().to_string();
    let cfg = ProviderConfig {
        assume_role: Some(AssumeRoleConfig {
            role_arn: Some("acs:ram::1234567890123456:role/terraform".into()),
            ..Default::default()
        }),
        ..static_keys()
    };
    lifecycle(&client(&endpoint, cfg, &[])).await;
    // The static keys only sign the AssumeRole; were it ignored, they would sign the Sas calls.
    assert_signed_by_temporary_keys(&emu, &["AssumeRole"]);
    lifecycle(&client(
        &endpoint,
        ProviderConfig::default(),
        &[("ALICLOUD_ECS_ROLE_NAME", DEFAULT_ECS_ROLE_NAME)],
    ))
    .await;
    assert_signed_by_temporary_keys(&emu, &[]);
}

/// Since the log was last cleared: every Sas call was signed by an STS-issued key, and `sts`
/// are the STS actions that were called (each answered). Clears the log for the next check.
fn assert_signed_by_temporary_keys(emu: &RunningEmulator, sts: &[&str]) {
    let is_sts = |e: &LogEntry| e.version.as_deref() == Some(sas_emulator::sts::STS_VERSION);
    let log = emu.requests();
    let called: Vec<&str> = log
        .iter()
        .filter(|e| is_sts(e))
        .map(|e| {
            assert_eq!(e.outcome, "Success", "{e:?}");
            e.action.as_deref().unwrap_or_default()
        })
        .collect();
    assert_eq!(called, sts);
    let sas: Vec<&LogEntry> = log.iter().filter(|e| !is_sts(e)).collect();
    assert!(!sas.is_empty());
    for e in sas {
        assert!(
            e.access_key_id
                .as_deref()
                .is_some_and(|k| k.starts_with("STS.")),
            "{e:?}"
        );
    }
    emu.clear_requests();
}

/// The ECS role through hardened metadata (IMDSv2): a session token first, then the read with
/// it; an instance without the token endpoint is read without one, as the official SDKs do,
/// unless `ALIBABA_CLOUD_IMDSV1_DISABLED=true`.
#[tokio::test]
async fn ecs_role_through_hardened_and_token_less_metadata() {
    use sas_emulator::metadata::ImdsMode;
    for (imds, v1_disabled, works) in [
        (ImdsMode::Required, true, true),
        (ImdsMode::Required, false, true),
        (ImdsMode::V1Only, false, true),
        (ImdsMode::V1Only, true, false),
    ] {
        let emu = Emulator::start(EmulatorConfig {
            imds,
            ..Default::default()
        })
        .expect("emulator");
        let mut env = vec![("ALICLOUD_ECS_ROLE_NAME", DEFAULT_ECS_ROLE_NAME)];
        if v1_disabled {
            env.push(("ALIBABA_CLOUD_IMDSV1_DISABLED", "true"));
        }
        let listed = client(&emu.addr().to_string(), ProviderConfig::default(), &env)
            .list_private_registry_list(&Default::default(), &ctx())
            .await;
        match (works, listed) {
            (true, Ok(_)) => {}
            (false, Err(e)) => {
                let text = e.to_string();
                assert!(
                    text.contains("HTTP 404") && text.contains("ALIBABA_CLOUD_IMDSV1_DISABLED"),
                    "{imds:?}: {text}"
                );
            }
            (_, other) => panic!("{imds:?}, IMDSv1 disabled {v1_disabled}: {other:?}"),
        }
    }
}

/// A credentials URI (the emulator's `/credentials`) is the only credential: the whole
/// lifecycle signs with the temporary key it answers. A URI that is not HTTP is refused at
/// configure, naming the variable.
#[tokio::test]
async fn credentials_uri_through_the_emulator() {
    let emu = Emulator::start(EmulatorConfig::default()).expect("emulator");
    let endpoint = emu.addr().to_string();
    let uri = format!("http://{endpoint}{}", sas_emulator::credentials_uri::PATH);
    lifecycle(&client(
        &endpoint,
        ProviderConfig::default(),
        &[("ALIBABA_CLOUD_CREDENTIALS_URI", &uri)],
    ))
    .await;
    let errors = resolve(&ProviderConfig::default(), &|k: &str| {
        (k == "ALIBABA_CLOUD_CREDENTIALS_URI").then(|| "file:///etc/passwd".to_string())
    })
    .expect_err("not HTTP");
    let text = errors[0].to_string();
    assert!(
        text.contains("credentials_uri") && text.contains("ALIBABA_CLOUD_CREDENTIALS_URI"),
        "{text}"
    );
}

#[tokio::test]
async fn a_wrong_secret_is_refused_without_retry() {
    let emu = Emulator::start(EmulatorConfig::default()).expect("emulator");
    let cfg = ProviderConfig {
        access_key: Some(DEFAULT_ACCESS_KEY_ID.into()),
        secret_key: Some(Secret::new("not-the-secret")),
        ..Default::default()
    };
    let err = client(&emu.addr().to_string(), cfg, &[])
        .list_private_registry_list(&Default::default(), &ctx())
        .await
        .expect_err("wrong secret");
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"), "{err}");
    assert!(!err.to_string().contains("not-the-secret"));
}
