//! Resolution of the provider block with the environment: values, precedence, errors.

use super::*;
use std::collections::HashMap;
use std::path::PathBuf;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let m: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k: &str| m.get(k).cloned()
}

#[test]
fn defaults() {
    let r = resolve(&ProviderConfig::default(), &env(&[("HOME", "/home/u")])).unwrap();
    assert_eq!(r.region, "cn-beijing");
    assert_eq!(r.protocol, Protocol::Https);
    assert_eq!(r.signature_version, SignatureVersion::V3);
    assert_eq!(r.sas_endpoint, "tds.aliyuncs.com");
    assert_eq!(r.sts_endpoint, "sts.aliyuncs.com");
    assert_eq!(r.ecs_metadata_endpoint, "100.100.100.200");
    assert_eq!(r.connect_timeout, Duration::from_secs(60));
    assert_eq!(
        r.credentials.source,
        CredentialSource::Profile {
            path: PathBuf::from("/home/u/.aliyun/config.json"),
            name: None
        }
    );
    // AccessKeys, the credentials URI, the ECS role and OIDC were looked at and passed over.
    assert_eq!(r.credentials.tried.len(), 4);
    assert!(r.user_agent.starts_with("alicloud/"), "{}", r.user_agent);
    let named = ProviderConfig {
        user_agent: Some("caller/1".into()),
        ..Default::default()
    };
    let r = resolve(&named, &env(&[("HOME", "/home/u")])).unwrap();
    assert_eq!(r.user_agent, "caller/1");
}

#[test]
fn block_wins_over_environment_and_env_fills_gaps() {
    let cfg = ProviderConfig {
        access_key: Some("block-id".into()),
        region: Some("cn-hongkong".into()),
        ..Default::default()
    };
    let r = resolve(
        &cfg,
        &env(&[
            ("ALICLOUD_ACCESS_KEY", "env-id"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret"),
            ("ALICLOUD_REGION", "cn-shanghai"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "tok"),
        ]),
    )
    .unwrap();
    assert_eq!(r.region, "cn-hongkong");
    assert_eq!(r.sas_endpoint, "tds.ap-southeast-1.aliyuncs.com");
    match r.credentials.source {
        CredentialSource::Static {
            access_key_id,
            access_key_secret,
            security_token,
            origin,
        } => {
            assert_eq!(access_key_id, "block-id");
            assert_eq!(access_key_secret.expose(), "env-secret");
            assert_eq!(
                security_token.map(|t| t.expose().to_string()),
                Some("tok".into())
            );
            assert!(
                origin.contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
                "{origin}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_invalid_argument_is_named() {
    let cfg = ProviderConfig {
        access_key: Some("id".into()),
        protocol: Some("FTP".into()),
        signature_version: Some("v4".into()),
        client_connect_timeout: Some(0),
        client_read_timeout: Some(-5),
        assume_role: Some(AssumeRoleConfig {
            session_expiration: Some(60),
            ..Default::default()
        }),
        endpoints: Some(EndpointsConfig {
            sas: Some("https://x".into()),
            sts: Some("a b".into()),
            ecs_metadata: Some("h:0".into()),
        }),
        ..Default::default()
    };
    let errs = resolve(&cfg, &env(&[])).unwrap_err();
    let attrs: Vec<Setting> = errs.iter().map(|e| e.setting).collect();
    for a in [
        Setting::Protocol,
        Setting::SignatureVersion,
        Setting::ClientConnectTimeout,
        Setting::ClientReadTimeout,
        Setting::SasEndpoint,
        Setting::StsEndpoint,
        Setting::EcsMetadataEndpoint,
        Setting::SecretKey,
        Setting::AssumeRoleSessionExpiration,
        Setting::AssumeRoleArn,
    ] {
        assert!(attrs.contains(&a), "{a} missing from {attrs:?}");
    }
    // no error text carries a secret
    assert!(errs.iter().all(|e| !e.to_string().contains("env-secret")));
}

#[test]
fn a_bad_value_from_the_environment_names_its_variable() {
    let errs = resolve(
        &ProviderConfig::default(),
        &env(&[("HOME", "/home/u"), ("ALICLOUD_REGION", "Hangzhou")]),
    )
    .unwrap_err();
    assert_eq!(errs[0].setting, Setting::Region);
    assert_eq!(errs[0].from_env.as_deref(), Some("ALICLOUD_REGION"));
    let configured = ProviderConfig {
        region: Some("Hangzhou".into()),
        ..Default::default()
    };
    let errs = resolve(&configured, &env(&[("HOME", "/home/u")])).unwrap_err();
    assert_eq!(errs[0].from_env, None, "configured: at its line");
}

#[test]
fn ecs_role_then_profile() {
    let r = resolve(
        &ProviderConfig::default(),
        &env(&[("ALIBABA_CLOUD_ECS_METADATA", "my-role")]),
    )
    .unwrap();
    assert_eq!(
        r.credentials.source,
        CredentialSource::EcsRole {
            role_name: "my-role".into()
        }
    );
    let r = resolve(
        &ProviderConfig {
            shared_credentials_file: Some("~/cfg.json".into()),
            ..Default::default()
        },
        &env(&[("HOME", "/h"), ("ALICLOUD_PROFILE", "prod")]),
    )
    .unwrap();
    assert_eq!(
        r.credentials.source,
        CredentialSource::Profile {
            path: PathBuf::from("/h/cfg.json"),
            name: Some("prod".into())
        }
    );
    let r = resolve(&ProviderConfig::default(), &env(&[])).unwrap();
    assert_eq!(r.credentials.source, CredentialSource::Nothing);
    assert_eq!(r.credentials.tried.len(), 5);
    let r = resolve(
        &ProviderConfig::default(),
        &env(&[
            ("ALIBABA_CLOUD_CREDENTIALS_URI", "http://127.0.0.1:9/c"),
            ("ALICLOUD_ECS_ROLE_NAME", "role"),
        ]),
    )
    .unwrap();
    assert_eq!(
        r.credentials.source,
        CredentialSource::Uri {
            uri: "http://127.0.0.1:9/c".into()
        },
        "the credentials URI comes before the ECS role"
    );
}

#[test]
fn rrsa_variables_alone_assume_their_role_once() {
    let rrsa = [
        ("HOME", "/h"),
        (
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            "acs:ram::1:oidc-provider/ack",
        ),
        ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "~/token"),
        ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/ci"),
    ];
    let r = resolve(&ProviderConfig::default(), &env(&rrsa)).unwrap();
    let CredentialSource::Oidc(spec) = &r.credentials.source else {
        panic!("{:?}", r.credentials.source)
    };
    assert_eq!(spec.token, OidcToken::File(PathBuf::from("/h/token")));
    assert_eq!(spec.role.role_arn, "acs:ram::1:role/ci");
    assert_eq!(spec.role.session_name, "terraform");
    assert_eq!(
        r.credentials.assume_role, None,
        "ALIBABA_CLOUD_ROLE_ARN is the OIDC role, not a second assume_role"
    );
    // An explicit assume_role is chained on top.
    let chained = ProviderConfig {
        assume_role: Some(AssumeRoleConfig {
            role_arn: Some("acs:ram::2:role/deploy".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let r = resolve(&chained, &env(&rrsa)).unwrap();
    assert_eq!(
        r.credentials.assume_role.map(|a| a.role_arn).as_deref(),
        Some("acs:ram::2:role/deploy")
    );
    // AccessKeys still win.
    let mut with_keys = rrsa.to_vec();
    with_keys.extend([
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "id"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s"),
    ]);
    let r = resolve(&ProviderConfig::default(), &env(&with_keys)).unwrap();
    assert!(matches!(
        r.credentials.source,
        CredentialSource::Static { .. }
    ));
}

#[test]
fn the_blocks_token_file_comes_before_the_environments_token() {
    let c = ProviderConfig {
        assume_role_with_oidc: Some(AssumeRoleWithOidcConfig {
            oidc_token_file: Some("/run/token".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let r = resolve(
        &c,
        &env(&[
            ("ALIBABA_CLOUD_OIDC_TOKEN", "from.env.jwt"),
            (
                "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                "acs:ram::1:oidc-provider/p",
            ),
            ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r"),
        ]),
    )
    .unwrap();
    let CredentialSource::Oidc(spec) = r.credentials.source else {
        panic!("{:?}", r.credentials.source)
    };
    assert_eq!(spec.token, OidcToken::File(PathBuf::from("/run/token")));
}

#[test]
fn an_incomplete_oidc_block_names_each_missing_argument() {
    let refused = |block: AssumeRoleWithOidcConfig| {
        let c = ProviderConfig {
            assume_role_with_oidc: Some(block),
            ..Default::default()
        };
        let errs = resolve(&c, &env(&[("HOME", "/h")])).unwrap_err();
        let named: Vec<String> = errs.iter().map(|e| e.setting.to_string()).collect();
        (named, errs)
    };
    let (named, _) = refused(AssumeRoleWithOidcConfig {
        session_expiration: Some(60),
        ..Default::default()
    });
    assert_eq!(
        named,
        [
            "assume_role_with_oidc.oidc_provider_arn",
            "assume_role_with_oidc.oidc_token_file"
        ]
    );
    let (named, errs) = refused(AssumeRoleWithOidcConfig {
        oidc_provider_arn: Some("acs:ram::1:oidc-provider/gh".into()),
        oidc_token: Some(Secret::new("eyJ.jwt.sig")),
        session_expiration: Some(60),
        ..Default::default()
    });
    assert_eq!(
        named,
        [
            "assume_role_with_oidc.role_arn",
            "assume_role_with_oidc.session_expiration"
        ]
    );
    assert!(errs.iter().all(|e| !e.to_string().contains("eyJ")));
}

#[test]
fn assume_role_from_block_and_env() {
    let r = resolve(
        &ProviderConfig::default(),
        &env(&[
            ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r"),
            ("ALICLOUD_ASSUME_ROLE_SESSION_NAME", "s"),
        ]),
    )
    .unwrap();
    assert_eq!(
        r.credentials.assume_role,
        Some(AssumeRoleSpec {
            role_arn: "acs:ram::1:role/r".into(),
            session_name: "s".into(),
            policy: None,
            duration_seconds: 3600,
            external_id: None
        })
    );
    let r = resolve(
        &ProviderConfig {
            assume_role: Some(AssumeRoleConfig {
                role_arn: Some("arn".into()),
                session_expiration: Some(900),
                external_id: Some("x".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        &env(&[]),
    )
    .unwrap();
    let a = r.credentials.assume_role.unwrap();
    assert_eq!(
        (a.session_name.as_str(), a.duration_seconds),
        ("terraform", 900)
    );
    assert_eq!(a.external_id.as_deref(), Some("x"));
}

#[test]
fn endpoint_environment_overrides_block() {
    let r = resolve(
        &ProviderConfig {
            endpoints: Some(EndpointsConfig {
                sas: Some("block:1".into()),
                sts: Some("127.0.0.1:2".into()),
                ecs_metadata: Some("127.0.0.1:3".into()),
            }),
            protocol: Some("HTTP".into()),
            ..Default::default()
        },
        &env(&[("SAS_ENDPOINT", "127.0.0.1:9")]),
    )
    .unwrap();
    assert_eq!(r.sas_url(), "http://127.0.0.1:9/");
    assert_eq!(r.sts_endpoint, "127.0.0.1:2");
    assert_eq!(r.ecs_metadata_endpoint, "127.0.0.1:3");
}

#[test]
fn secrets_do_not_print() {
    let cfg = ProviderConfig {
        secret_key: Some(Secret::new("topsecret")),
        security_token: Some(Secret::new("toptoken")),
        ..Default::default()
    };
    let s = format!("{cfg:?}");
    assert!(!s.contains("topsecret") && !s.contains("toptoken"), "{s}");
    let r = resolve(
        &ProviderConfig {
            access_key: Some("id".into()),
            ..cfg
        },
        &env(&[]),
    )
    .unwrap();
    let s = format!("{r:?}");
    assert!(!s.contains("topsecret") && !s.contains("toptoken"), "{s}");
}
