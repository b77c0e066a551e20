//! The built binary, driven as Terraform drives it: handshake, mutual TLS, both protocol
//! versions, refusal of strangers, and a prompt exit on Shutdown.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::cert::ClientIdentity;
use common::plugin_client::{
    assert_tcp_mutual_tls, connect, provider_binary, refused, schema_v6, start_provider, wait_exit,
    DebugSession, RunningProvider, COOKIE,
};
use tfplugin::proto::{plugin, tfplugin5, tfplugin6};

fn tls_env(id: &ClientIdentity, versions: &str) -> Vec<(&'static str, String)> {
    vec![
        ("PLUGIN_PROTOCOL_VERSIONS", versions.to_string()),
        ("PLUGIN_CLIENT_CERT", id.cert_pem()),
    ]
}

fn start(env: &[(&'static str, String)]) -> RunningProvider {
    let borrowed: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    start_provider(&borrowed)
}

fn attribute_names(block: &Option<tfplugin6::schema::Block>) -> Vec<String> {
    block
        .as_ref()
        .map(|b| b.attributes.iter().map(|a| a.name.clone()).collect())
        .unwrap_or_default()
}

#[test]
fn without_the_cookie_it_explains_itself_and_exits_1() {
    let out = Command::new(provider_binary())
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout without the cookie"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("This binary is a plugin"), "{stderr}");
}

#[test]
fn version_flag_prints_the_version() {
    let out = Command::new(provider_binary())
        .arg("--version")
        .output()
        .expect("runs");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("terraform-provider-alicloud {}", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn v6_schema_over_mutual_tls_with_a_p521_client() {
    let id = ClientIdentity::terraform_like(7);
    let p = start(&tls_env(&id, "5,6"));
    assert_eq!(p.protocol, 6);
    assert_eq!(p.network, "unix");
    assert!(
        p.server_cert.is_some(),
        "TLS was requested, so a certificate is announced"
    );
    let channel = connect(&p, Some(&id))
        .await
        .expect("Terraform's certificate is admitted");
    let schema = schema_v6(channel).await.expect("schema");
    let provider = schema.provider.expect("provider schema present");
    let names = attribute_names(&provider.block);
    for expected in ["access_key", "secret_key", "region", "profile"] {
        assert!(
            names.contains(&expected.to_string()),
            "{expected} missing from {names:?}"
        );
    }
    let block = provider.block.expect("block");
    let secret = block
        .attributes
        .iter()
        .find(|a| a.name == "secret_key")
        .expect("secret_key");
    assert!(secret.sensitive);
    assert_eq!(String::from_utf8_lossy(&secret.r#type), "\"string\"");
    assert!(block.attributes.iter().all(|a| !a.description.is_empty()));
    let caps = schema.server_capabilities.expect("capabilities advertised");
    assert!(caps.plan_destroy && caps.get_provider_schema_optional);
}

#[tokio::test]
async fn v5_is_served_to_clients_that_only_speak_5() {
    let id = ClientIdentity::terraform_like(8);
    let p = start(&tls_env(&id, "5"));
    assert_eq!(p.protocol, 5);
    let channel = connect(&p, Some(&id)).await.expect("connects");
    let mut client = tfplugin5::provider_client::ProviderClient::new(channel);
    let schema = client
        .get_schema(tfplugin5::get_provider_schema::Request::default())
        .await
        .expect("schema")
        .into_inner();
    let block = schema
        .provider
        .and_then(|s| s.block)
        .expect("provider block");
    assert!(block.attributes.iter().any(|a| a.name == "access_key"));
    assert!(block
        .block_types
        .iter()
        .any(|b| b.type_name == "assume_role"));
}

#[tokio::test]
async fn a_client_without_a_certificate_is_refused() {
    let id = ClientIdentity::terraform_like(9);
    let p = start(&tls_env(&id, "6"));
    assert!(refused(&p, None).await);
    // The provider keeps serving Terraform afterwards.
    assert!(!refused(&p, Some(&id)).await);
}

#[tokio::test]
async fn a_client_with_another_certificate_is_refused() {
    let id = ClientIdentity::terraform_like(10);
    let p = start(&tls_env(&id, "6"));
    let stranger = ClientIdentity::terraform_like(11);
    assert!(refused(&p, Some(&stranger)).await);
    assert!(!refused(&p, Some(&id)).await);
}

#[tokio::test]
async fn expired_and_tampered_certificates_are_refused() {
    let id = ClientIdentity::terraform_like(13);
    let p = start(&tls_env(&id, "6"));
    // Same key as Terraform's, but not the certificate Terraform handed over.
    assert!(refused(&p, Some(&ClientIdentity::expired(13))).await);
    assert!(refused(&p, Some(&ClientIdentity::tampered(13))).await);
    assert!(!refused(&p, Some(&id)).await);
}

#[tokio::test]
async fn shutdown_exits_promptly_and_removes_the_socket() {
    let id = ClientIdentity::terraform_like(12);
    let mut p = start(&tls_env(&id, "5,6"));
    let socket = std::path::PathBuf::from(&p.address);
    assert!(socket.exists());
    let channel = connect(&p, Some(&id)).await.expect("connects");
    // Terraform holds these streams open for the whole session.
    let mut stdio = plugin::grpc_stdio_client::GrpcStdioClient::new(channel.clone());
    let _stream = stdio.stream_stdio(()).await.expect("stdio stream opens");
    let mut controller = plugin::grpc_controller_client::GrpcControllerClient::new(channel);
    controller
        .shutdown(plugin::Empty {})
        .await
        .expect("Shutdown answers");
    let took =
        wait_exit(&mut p.child, Duration::from_secs(2)).expect("process exits after Shutdown");
    assert!(took < Duration::from_millis(200), "exit took {took:?}");
    assert!(!socket.exists(), "socket removed");
    assert!(
        !socket.parent().expect("dir").exists(),
        "socket directory removed"
    );
}

/// A socket that cannot be bound ends the process with the reason; it never falls back to a
/// TCP port (which, with TLS off, any local user could reach).
#[test]
fn an_unusable_socket_directory_is_an_error_not_a_tcp_fallback() {
    for tls_off in [false, true] {
        let mut cmd = Command::new(provider_binary());
        cmd.env_clear()
            .env(COOKIE.0, COOKIE.1)
            .env("PLUGIN_PROTOCOL_VERSIONS", "6,5")
            .env("PLUGIN_UNIX_SOCKET_DIR", "/nonexistent/plugin-sockets")
            .stdin(Stdio::null());
        if !tls_off {
            let id = ClientIdentity::terraform_like(21);
            cmd.env("PLUGIN_CLIENT_CERT", id.cert_pem());
        }
        let out = cmd.output().expect("runs");
        assert!(!out.status.success(), "exits non-zero (TLS off: {tls_off})");
        assert!(
            out.stdout.is_empty(),
            "no handshake line, so no listener at all: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("/nonexistent/plugin-sockets"), "{stderr}");
    }
}

/// `PLUGIN_UNIX_SOCKET_GROUP`, as go-plugin honours it: the socket belongs to the group and
/// its members may connect; an unknown group is an error.
#[tokio::test]
async fn the_socket_group_is_honoured() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let probe = tempfile::NamedTempFile::new().expect("temp file");
    let gid = probe.as_file().metadata().expect("metadata").gid();
    let p = start(&[
        ("PLUGIN_PROTOCOL_VERSIONS", "6".to_string()),
        ("PLUGIN_UNIX_SOCKET_GROUP", gid.to_string()),
    ]);
    let meta = std::fs::metadata(&p.address).expect("socket exists");
    assert_eq!(meta.gid(), gid);
    assert_eq!(meta.permissions().mode() & 0o777, 0o660);
    let dir = std::path::Path::new(&p.address).parent().expect("dir");
    let dir_mode = std::fs::metadata(dir).expect("dir").permissions().mode() & 0o777;
    assert_eq!(dir_mode, 0o710, "the group may reach the socket, not list");
    connect(&p, None).await.expect("connects");

    let stderr = refuses_to_start(("PLUGIN_UNIX_SOCKET_GROUP", "no-such-group-anywhere"));
    assert!(stderr.contains("no-such-group-anywhere"), "{stderr}");
}

#[tokio::test]
async fn plaintext_h2c_when_terraform_disables_tls() {
    let p = start(&[("PLUGIN_PROTOCOL_VERSIONS", "6,5".to_string())]);
    assert!(p.server_cert.is_none());
    assert!(
        p.line.ends_with("|grpc|"),
        "empty certificate field: {}",
        p.line
    );
    let channel = connect(&p, None).await.expect("connects");
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health")
        .into_inner();
    assert_eq!(
        status.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    // No functions: an empty list, not an error a client would show verbatim.
    let mut provider = tfplugin6::provider_client::ProviderClient::new(channel.clone());
    let functions = provider
        .get_functions(tfplugin6::get_functions::Request {})
        .await
        .expect("GetFunctions answers")
        .into_inner();
    assert!(functions.functions.is_empty() && functions.diagnostics.is_empty());
    // A move across types: a diagnostic saying it cannot be done, not Unimplemented.
    let moved = provider
        .move_resource_state(tfplugin6::move_resource_state::Request {
            source_provider_address: "registry.terraform.io/hashicorp/null".into(),
            source_type_name: "null_resource".into(),
            target_type_name: "alicloud_sas_private_registry".into(),
            ..Default::default()
        })
        .await
        .expect("MoveResourceState answers")
        .into_inner();
    assert_eq!(moved.diagnostics.len(), 1);
    assert_eq!(
        moved.diagnostics[0].summary,
        "Resource state cannot be moved"
    );
    assert!(moved.diagnostics[0].detail.contains("null_resource"));
    assert!(moved.target_state.is_none());
    // An RPC nobody declares answers Unimplemented.
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.expect("ready");
    let codec = tonic_prost::ProstCodec::<
        tfplugin6::get_metadata::Request,
        tfplugin6::get_metadata::Response,
    >::default();
    let path = http::uri::PathAndQuery::from_static("/tfplugin6.Provider/NoSuchRpc");
    let err = grpc
        .unary(
            tonic::Request::new(tfplugin6::get_metadata::Request::default()),
            path,
            codec,
        )
        .await
        .expect_err("undeclared RPC");
    assert_eq!(err.code(), tonic::Code::Unimplemented);
}

#[test]
fn debug_mode_prints_a_reattach_line() {
    let mut session = DebugSession::start(std::path::Path::new(provider_binary()), &[]);
    let entry = session.reattach.clone();
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Test"], true);
    assert_eq!(entry["Addr"]["Network"], "unix");
    assert_eq!(entry["Pid"], session.child.id());
    // Debug mode stops on Ctrl-C, removing its socket.
    assert!(session.interrupt(), "debug mode exits on SIGINT");
    let socket = entry["Addr"]["String"].as_str().expect("socket path");
    assert!(
        !std::path::Path::new(socket).exists(),
        "socket removed on exit"
    );
}

/// Debug mode where the platform has only TCP (Windows; here by `TFPLUGIN_TRANSPORT`): it has no
/// TLS, so it listens in plaintext on loopback, says so, and still stops on Ctrl-C.
#[test]
fn debug_mode_over_tcp_listens_on_loopback_and_stops_on_ctrl_c() {
    let program = std::path::Path::new(provider_binary());
    let mut session = DebugSession::start(program, &[("TFPLUGIN_TRANSPORT", "tcp")]);
    assert_eq!(session.reattach["Addr"]["Network"], "tcp");
    let addr: std::net::SocketAddr = session.reattach["Addr"]["String"]
        .as_str()
        .and_then(|a| a.parse().ok())
        .expect("host:port");
    assert!(addr.ip().is_loopback(), "{addr}");
    assert!(session.interrupt(), "debug mode exits on SIGINT");
}

/// The loopback TCP listener go-plugin uses on Windows, chosen here by `TFPLUGIN_TRANSPORT`
/// (the Windows build itself is checked the same way under wine, in `cross_platforms.rs`).
#[tokio::test]
async fn over_tcp_the_same_mutual_tls_admits_terraform_and_refuses_strangers() {
    assert_tcp_mutual_tls(
        std::path::Path::new(provider_binary()),
        &[("TFPLUGIN_TRANSPORT", "tcp")],
    )
    .await;
}

/// Without TLS (`TF_DISABLE_PLUGIN_TLS`) a TCP port would serve any local user in plaintext:
/// the provider refuses to start, saying why, and prints no handshake.
#[test]
fn over_tcp_without_tls_it_refuses_to_serve() {
    let stderr = refuses_to_start(("TFPLUGIN_TRANSPORT", "tcp"));
    assert!(stderr.contains("without mutual TLS"), "{stderr}");
}

/// Starts the provider with the cookie and `setting`, which it must refuse: it exits with an
/// error and prints no handshake line. Its stderr.
fn refuses_to_start(setting: (&str, &str)) -> String {
    let out = Command::new(provider_binary())
        .env_clear()
        .env(COOKIE.0, COOKIE.1)
        .env(setting.0, setting.1)
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    assert!(!out.status.success(), "{setting:?} refused");
    assert!(out.stdout.is_empty(), "no handshake line");
    String::from_utf8_lossy(&out.stderr).into_owned()
}
