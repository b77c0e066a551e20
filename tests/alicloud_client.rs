//! The Sas client against a loopback stand-in: the wire format of both signatures, retries,
//! ambiguous creates, deadlines, cancellation, proxies and log redaction.

#[path = "alicloud_support.rs"]
mod support;

use std::time::Duration;

use alicloud::{
    AddPrivateRegistryRequest, CallContext, DeletePrivateRegistryRequest, Error,
    ListImageRegistryExtraRequest, ListImageRegistryRegionRequest, ListPrivateRegistryListRequest,
    ModifyImageRegistryRequest, PageImageRegistryRequest, ProviderConfig, RetryPolicy, SasClient,
    Secret,
};
use serde_json::json;
use support::*;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

fn ctx(timeout: Duration) -> CallContext {
    CallContext::with_timeout(timeout, CancellationToken::new())
}

/// `ListPrivateRegistryList` of every type, within `timeout` retries included: the call the
/// retry and deadline tests make.
async fn list(
    client: &SasClient,
    timeout: Duration,
) -> Result<alicloud::ListPrivateRegistryListResponse, Error> {
    client
        .list_private_registry_list(&Default::default(), &ctx(timeout))
        .await
}

/// [`list`] by a client of `server`, within 5 s.
async fn list_from(
    server: &TestServer,
) -> Result<alicloud::ListPrivateRegistryListResponse, Error> {
    list(&client(server), Duration::from_secs(5)).await
}

/// A server that answers every request with `reply`, `after` it arrived.
async fn answering_after(after: Duration, reply: Reply) -> TestServer {
    TestServer::always(Reply::After(after, Box::new(reply))).await
}

/// A call context of `limit` that Terraform stops after `after`.
fn stopped_after(after: Duration, limit: Duration) -> CallContext {
    let cancel = CancellationToken::new();
    let cx = CallContext::with_timeout(limit, cancel.clone());
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        trigger.cancel();
    });
    cx
}

/// The registry ids a list shows once a server has answered `replies` in turn, and every
/// request it was sent: for the retry tests.
async fn listed_after(replies: Vec<Reply>) -> (Vec<i64>, Vec<Recorded>) {
    let server = TestServer::replying(replies).await;
    let resp = list_from(&server).await.expect("a list in the end");
    let ids = resp.image_registry_infos.iter().map(|r| r.id).collect();
    (ids, server.requests())
}

fn static_keys(mut c: ProviderConfig) -> ProviderConfig {
    c.access_key = Some(AK.into());
    c.secret_key = Some(Secret::new(SK));
    c
}

fn client(server: &TestServer) -> SasClient {
    let mut cfg = static_keys(loopback_config(server));
    cfg.user_agent = Some("terraform-provider-alicloud/0.1.0 (test)".into());
    SasClient::new(resolved(&cfg, &[]).expect("config"))
}

/// The configuration of a client of `server` whose retries back off from `base` to `max`.
fn backing_off(server: &TestServer, base: Duration, max: Duration) -> alicloud::ResolvedConfig {
    let mut r = resolved(&static_keys(loopback_config(server)), &[]).expect("config");
    r.retry = RetryPolicy {
        base_delay: base,
        max_delay: max,
    };
    r
}

fn add_request() -> AddPrivateRegistryRequest {
    AddPrivateRegistryRequest {
        trans_per_hour: Some(10),
        ..harbor_request("10.0.0.1", "admin", "pw-SECRET-1 *~")
    }
}

fn add_reply(id: i64) -> Reply {
    Reply::ok(
        json!({"RequestId": "ADD-1", "Data": {"Id": id, "RegistryType": "harbor", "RegionId": "cn-hangzhou", "Password": "******", "Token": "tok-uuid"}}),
    )
}

#[tokio::test]
async fn v3_request_is_signed_over_exactly_what_is_sent() {
    let server = TestServer::start(|_, _| add_reply(42)).await;
    let c = client(&server);
    let resp = c
        .add_private_registry(&add_request(), &ctx(Duration::from_secs(5)))
        .await
        .expect("add");
    assert_eq!(resp.data.id, 42);
    assert_eq!(resp.data.region_id.as_deref(), Some("cn-hangzhou"));

    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/"));
    assert!(r.v3_signature_valid(SK), "signature does not verify: {r:?}");
    assert!(
        !r.v3_signature_valid("wrong"),
        "verification is not meaningful"
    );
    assert_eq!(r.action().as_deref(), Some("AddPrivateRegistry"));
    assert_eq!(r.header("x-acs-version"), Some("2018-12-03"));
    assert_eq!(r.header("host"), Some(server.host().as_str()));
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let date = r.header("x-acs-date").unwrap_or_default();
    assert!(date.len() == 20 && date.ends_with('Z'), "{date}");
    let ua = r.header("user-agent").unwrap_or_default();
    assert!(ua.starts_with("terraform-provider-alicloud/"), "{ua}");
    // the query carries AddPrivateRegistry's parameters, as the official SDK sends them
    // (`alicloud::placement`), the password decoded intact; the body is empty
    assert_eq!(r.param("Password").as_deref(), Some("pw-SECRET-1 *~"));
    assert_eq!(r.param("RegistryRegionId").as_deref(), Some("cn-hangzhou"));
    assert_eq!(r.param("Port").as_deref(), Some("443"));
    assert_eq!(r.param("VpcId"), None);
    assert!(r
        .query
        .as_deref()
        .unwrap_or_default()
        .contains("pw-SECRET-1%20%2A~"));
    assert!(r.body.is_empty() && r.form_params().is_empty());
}

#[tokio::test]
async fn v2_request_is_signed_over_query_and_body() {
    let server = TestServer::always(Reply::ok(list_body(&[1, 2]))).await;
    let mut cfg = static_keys(loopback_config(&server));
    cfg.signature_version = Some("v2".into());
    let c = SasClient::new(resolved(&cfg, &[]).expect("config"));
    let resp = c
        .list_private_registry_list(
            &ListPrivateRegistryListRequest {
                registry_type: Some("CI/CD".into()),
            },
            &ctx(Duration::from_secs(5)),
        )
        .await
        .expect("list");
    let ids: Vec<i64> = resp.image_registry_infos.iter().map(|r| r.id).collect();
    assert_eq!(ids, [1, 2]);
    let r = &server.requests()[0];
    assert!(r.v2_signature_valid(SK), "{r:?}");
    assert!(!r.v2_signature_valid("wrong"));
    assert_eq!(
        r.param("Action").as_deref(),
        Some("ListPrivateRegistryList")
    );
    assert_eq!(r.param("Version").as_deref(), Some("2018-12-03"));
    // `json`, as the official SDK sends it
    assert_eq!(r.param("Format").as_deref(), Some("json"));
    assert_eq!(r.param("SignatureMethod").as_deref(), Some("HMAC-SHA1"));
    assert_eq!(r.param("AccessKeyId").as_deref(), Some(AK));
    // RegistryType in the query beside the common parameters, as the SDK sends it
    assert!(r.form_params().is_empty(), "{:?}", r.form_params());
    assert!(r
        .query_params()
        .contains(&("RegistryType".to_string(), "CI/CD".to_string())));
    assert!(r.header("authorization").is_none());
}

#[tokio::test]
async fn every_typed_operation_sends_its_action_and_parses_its_response() {
    let server = TestServer::start(|r, _| match r.action().as_deref() {
        Some("ListImageRegistryExtra") => Reply::ok(json!({"RequestId": "E", "ImageRegistryExtraInfos": [{"Id": 1, "AuthToken": "quay-tok", "Namespace": "ns", "RegistryId": 7, "RegistryType": "quay"}]})),
        Some("PageImageRegistry") => Reply::ok(json!({"RequestId": "P", "List": [{"Id": 7}], "PageInfo": {"Count": 1, "CurrentPage": 1, "PageSize": 20, "TotalCount": 1}})),
        Some("ModifyImageRegistry") => Reply::ok(json!({"RequestId": "M", "Code": "200", "Success": true, "HttpStatusCode": 200, "Data": {}})),
        Some("DeletePrivateRegistry") => Reply::ok(json!({"RequestId": "D", "Data": true})),
        Some("ListImageRegistryRegion") => Reply::ok(json!({"RequestId": "G", "Regions": [{"RegionId": "cn-hangzhou", "RegionName": "Hangzhou"}]})),
        _ => Reply::error(404, "InvalidAction.NotFound", "X"),
    })
    .await;
    let c = client(&server);
    let cx = ctx(Duration::from_secs(5));
    let extra = c
        .list_image_registry_extra(&ListImageRegistryExtraRequest { registry_id: 7 }, &cx)
        .await
        .expect("extra");
    assert_eq!(
        extra.image_registry_extra_infos[0]
            .auth_token
            .as_ref()
            .map(Secret::expose),
        Some("quay-tok")
    );
    let page = c
        .page_image_registry(
            &PageImageRegistryRequest {
                page_size: Some(50),
                registry_type_in_list: vec!["harbor".into()],
                ..Default::default()
            },
            &cx,
        )
        .await
        .expect("page");
    assert_eq!(page.page_info.total_count, Some(1));
    let modify = c
        .modify_image_registry(
            &ModifyImageRegistryRequest {
                id: 7,
                password: Some(Secret::new("new-pw")),
                trans_per_hour: Some(5),
                ..Default::default()
            },
            &cx,
        )
        .await
        .expect("modify");
    assert_eq!(modify.success, Some(true));
    let deleted = c
        .delete_private_registry(&DeletePrivateRegistryRequest { registry_id: 7 }, &cx)
        .await
        .expect("delete");
    assert_eq!(deleted.data, Some(true));
    let regions = c
        .list_image_registry_region(
            &ListImageRegistryRegionRequest {
                lang: Some("en".into()),
            },
            &cx,
        )
        .await
        .expect("regions");
    assert_eq!(regions.regions[0].region_id, "cn-hangzhou");

    let reqs = server.requests();
    assert_eq!(reqs[0].param("RegistryId").as_deref(), Some("7"));
    assert_eq!(reqs[1].param("PageSize").as_deref(), Some("50"));
    assert_eq!(
        reqs[1].param("RegistryTypeInList.1").as_deref(),
        Some("harbor")
    );
    assert_eq!(reqs[2].param("Id").as_deref(), Some("7"));
    assert_eq!(reqs[2].param("Password").as_deref(), Some("new-pw"));
    assert_eq!(reqs[2].param("UserName"), None);
    assert_eq!(reqs[3].param("RegistryId").as_deref(), Some("7"));
    assert_eq!(reqs[4].param("Lang").as_deref(), Some("en"));
    assert!(reqs.iter().all(|r| r.v3_signature_valid(SK)));
}

/// What a read retries until the list comes: throttling, 5xx (whatever the body), a dropped
/// connection; each attempt signed afresh, with a nonce of its own.
#[tokio::test]
async fn throttling_server_errors_and_dropped_connections_are_retried_with_fresh_signatures() {
    let throttled = vec![
        Reply::error(400, "Throttling.User", "T1"),
        Reply::error(400, "Throttling", "T2"),
        Reply::ok(list_body(&[9])),
    ];
    let unavailable = vec![
        Reply::error(503, "ServiceUnavailable", "U1"),
        Reply::error(500, "InternalError", "U2"),
        Reply::Json(502, "<html>bad gateway</html>".into()),
        Reply::ok(list_body(&[4])),
    ];
    let dropped = vec![Reply::Drop, Reply::Drop, Reply::ok(list_body(&[3]))];
    for (what, replies, id) in [
        ("throttled", throttled, 9),
        ("unavailable", unavailable, 4),
        ("dropped", dropped, 3),
    ] {
        let attempts = replies.len();
        let (ids, reqs) = listed_after(replies).await;
        assert_eq!((ids, reqs.len()), (vec![id], attempts), "{what}");
        let nonces: std::collections::HashSet<_> = reqs.iter().filter_map(|r| r.nonce()).collect();
        assert_eq!(
            nonces.len(),
            attempts,
            "{what}: each attempt needs its own nonce"
        );
        assert!(reqs.iter().all(|r| r.v3_signature_valid(SK)), "{what}");
    }
}

#[tokio::test]
async fn a_refused_connection_is_retried_briefly_then_named_with_the_setting_to_fix() {
    // bind and drop: nothing listens on this port any more
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let mut cfg = static_keys(ProviderConfig {
        protocol: Some("HTTP".into()),
        ..Default::default()
    });
    cfg.endpoints = Some(alicloud::EndpointsConfig {
        sas: Some(format!("127.0.0.1:{port}")),
        ..Default::default()
    });
    let c = SasClient::new(resolved(&cfg, &[]).expect("config"));
    // A deadline far away: the call must end on its own, not on it.
    let err = c
        .add_private_registry(&add_request(), &ctx(Duration::from_secs(600)))
        .await
        .expect_err("nothing listens");
    // A refused connection proves the create never reached a server, so even it is retried,
    // but only briefly: a port nobody listens on stays so.
    match &err {
        Error::EndpointUnreachable { attempts, why, .. } => {
            assert_eq!(*attempts, 3, "{err}");
            assert_eq!(*why, alicloud::error::Unreachable::Refused, "{err}");
        }
        other => panic!("expected an unreachable endpoint, got {other}"),
    }
    let text = err.to_string();
    assert!(
        text.contains(&format!("127.0.0.1:{port}"))
            && text.contains("it refuses connections")
            && text.contains("endpoints.sas"),
        "{text}"
    );
}

#[tokio::test]
async fn a_host_name_that_does_not_resolve_names_the_region_it_came_from() {
    // `.invalid` never resolves (RFC 6761); the region rule is exercised through the
    // environment's endpoint variable, the one a typo'd region cannot be tested through here.
    let cfg = static_keys(ProviderConfig {
        protocol: Some("HTTP".into()),
        ..Default::default()
    });
    let config = resolved(
        &cfg,
        &[("ALIBABA_CLOUD_ENDPOINT_SAS", "tds.mars-north-1.invalid")],
    )
    .expect("config");
    let err = list(&SasClient::new(config), Duration::from_secs(600))
        .await
        .expect_err("no such host");
    let text = err.to_string();
    assert!(
        matches!(
            err,
            Error::EndpointUnreachable {
                why: alicloud::error::Unreachable::NoSuchHost,
                ..
            }
        ),
        "{text}"
    );
    assert!(
        text.contains("tds.mars-north-1.invalid") && text.contains("ALIBABA_CLOUD_ENDPOINT_SAS"),
        "{text}"
    );
}

#[tokio::test]
async fn signature_mismatch_is_not_retried_and_explains_itself() {
    let server = TestServer::always(Reply::error(400, "SignatureDoesNotMatch", "REQ-SIG")).await;
    let err = list_from(&server).await.expect_err("must fail");
    assert_eq!(server.count(), 1);
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    let msg = err.to_string();
    for part in [
        "ListPrivateRegistryList",
        "SignatureDoesNotMatch",
        "REQ-SIG",
        "HTTP 400",
        "secret",
    ] {
        assert!(msg.contains(part), "{part} missing: {msg}");
    }
    assert!(!msg.contains(SK), "{msg}");
}

#[tokio::test]
async fn no_permission_names_the_ram_action() {
    let server = TestServer::always(Reply::error(403, "NoPermission", "REQ-403")).await;
    let err = client(&server)
        .delete_private_registry(
            &DeletePrivateRegistryRequest { registry_id: 1 },
            &ctx(Duration::from_secs(5)),
        )
        .await
        .expect_err("must fail");
    assert_eq!(server.count(), 1);
    let msg = err.to_string();
    assert!(
        msg.contains("yundun-sas:DeletePrivateRegistry") && msg.contains("REQ-403"),
        "{msg}"
    );
    let api = err.api_error().cloned().unwrap_or_default();
    assert_eq!(
        (api.status, api.request_id.as_deref()),
        (403, Some("REQ-403"))
    );
}

#[tokio::test]
async fn clock_skew_gets_a_clock_hint() {
    let server = TestServer::always(Reply::error(400, "InvalidTimeStamp.Expired", "REQ-T")).await;
    let err = list_from(&server).await.expect_err("must fail");
    assert_eq!(server.count(), 1);
    assert!(err.to_string().contains("clock"), "{err}");
}

#[tokio::test]
async fn an_interrupted_create_is_ambiguous_and_not_retried() {
    let server = TestServer::always(Reply::Drop).await;
    let err = client(&server)
        .add_private_registry(&add_request(), &ctx(Duration::from_secs(5)))
        .await
        .expect_err("must fail");
    assert_eq!(server.count(), 1, "a create must never be sent twice");
    assert!(err.is_ambiguous(), "{err}");
    assert!(err.to_string().contains("may or may not"), "{err}");
}

#[tokio::test]
async fn a_create_answered_with_a_server_error_is_ambiguous() {
    let server = TestServer::always(Reply::error(500, "ServerError", "REQ-500")).await;
    let err = client(&server)
        .add_private_registry(&add_request(), &ctx(Duration::from_secs(5)))
        .await
        .expect_err("must fail");
    assert_eq!(server.count(), 1);
    assert!(err.is_ambiguous(), "{err}");
    assert_eq!(err.code(), Some("ServerError"));
}

#[tokio::test]
async fn a_throttled_create_is_retried() {
    let server =
        TestServer::replying(vec![Reply::error(400, "Throttling.Api", "T"), add_reply(5)]).await;
    let resp = client(&server)
        .add_private_registry(&add_request(), &ctx(Duration::from_secs(5)))
        .await
        .expect("throttling proves nothing was created");
    assert_eq!(resp.data.id, 5);
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn the_deadline_bounds_retries() {
    let server = TestServer::always(Reply::error(503, "ServiceUnavailable", "U")).await;
    let r = backing_off(
        &server,
        Duration::from_millis(20),
        Duration::from_millis(40),
    );
    let started = Instant::now();
    let err = list(&SasClient::new(r), Duration::from_millis(400))
        .await
        .expect_err("never succeeds");
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(1000), "took {elapsed:?}");
    assert!(server.count() >= 3, "only {} attempts", server.count());
    match &err {
        Error::DeadlineExceeded {
            last: Some(last),
            attempts,
            ..
        } => {
            assert_eq!(last.code(), Some("ServiceUnavailable"));
            // The deadline may cut the last attempt before the server counts it.
            let attempts = *attempts as usize;
            assert!(
                (server.count()..=server.count() + 1).contains(&attempts),
                "{attempts} attempts, {} answered",
                server.count()
            );
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("ServiceUnavailable"), "{err}");
}

#[tokio::test]
async fn the_deadline_cuts_a_slow_response() {
    let server = answering_after(Duration::from_secs(30), Reply::ok(list_body(&[]))).await;
    let started = Instant::now();
    let err = list(&client(&server), Duration::from_millis(200))
        .await
        .expect_err("too slow");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(err, Error::DeadlineExceeded { .. }), "{err}");
    // a create cut off in flight may have happened
    let started = Instant::now();
    let err = client(&server)
        .add_private_registry(&add_request(), &ctx(Duration::from_millis(200)))
        .await
        .expect_err("too slow");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(err.is_ambiguous(), "{err}");
}

#[tokio::test]
async fn the_read_timeout_applies_to_each_attempt() {
    let server = TestServer::replying(vec![
        Reply::After(Duration::from_secs(30), Box::new(Reply::ok(list_body(&[])))),
        Reply::ok(list_body(&[4])),
    ])
    .await;
    let mut cfg = static_keys(loopback_config(&server));
    cfg.client_read_timeout = Some(200);
    let started = Instant::now();
    let resp = list(
        &SasClient::new(resolved(&cfg, &[]).expect("config")),
        Duration::from_secs(10),
    )
    .await
    .expect("second attempt answers");
    assert_eq!(resp.image_registry_infos[0].id, 4);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn cancellation_stops_an_attempt_in_flight() {
    let server = answering_after(Duration::from_secs(30), Reply::ok(list_body(&[]))).await;
    let c = client(&server);
    let cx = stopped_after(Duration::from_millis(100), Duration::from_secs(60));
    let started = Instant::now();
    let err = c
        .list_private_registry_list(&Default::default(), &cx)
        .await
        .expect_err("cancelled");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(err, Error::Cancelled { .. }), "{err}");
    let err = c
        .add_private_registry(&add_request(), &cx)
        .await
        .expect_err("cancelled");
    assert!(
        matches!(err, Error::Cancelled { .. }),
        "already-cancelled context sends nothing: {err}"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn cancellation_interrupts_a_backoff() {
    let server = TestServer::always(Reply::error(503, "ServiceUnavailable", "U")).await;
    let r = backing_off(&server, Duration::from_secs(20), Duration::from_secs(20));
    let cx = stopped_after(Duration::from_millis(150), Duration::from_secs(600));
    let started = Instant::now();
    let mut err = None;
    // full jitter may draw a near-zero delay; keep calling until one call sleeps long
    for _ in 0..50 {
        match SasClient::new(r.clone())
            .list_private_registry_list(&Default::default(), &cx)
            .await
        {
            Err(Error::Cancelled { .. }) => {
                err = Some(());
                break;
            }
            _ => continue,
        }
    }
    assert!(err.is_some());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_create_already_sent_finishes_when_terraform_stops() {
    // Abandoning it would leave a registry the state never hears of.
    let server = answering_after(Duration::from_millis(600), add_reply(1)).await;
    let cx = stopped_after(Duration::from_millis(100), Duration::from_secs(60));
    let id = client(&server)
        .add_private_registry(&add_request(), &cx)
        .await
        .expect("the create in flight completes");
    assert_eq!(id.data.id, 1);
    assert!(cx.cancel.is_cancelled());
    // nothing new starts once stopped
    let err = client(&server)
        .add_private_registry(&add_request(), &cx)
        .await
        .expect_err("stopped");
    assert!(matches!(err, Error::Cancelled { .. }), "{err}");
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_create_past_its_deadline_in_flight_is_ambiguous() {
    let server = answering_after(Duration::from_secs(30), add_reply(1)).await;
    let cx = CallContext::with_timeout(Duration::from_millis(300), CancellationToken::new());
    let err = client(&server)
        .add_private_registry(&add_request(), &cx)
        .await
        .expect_err("deadline");
    assert!(err.is_ambiguous(), "{err}");
    assert!(
        matches!(&err, Error::Ambiguous { cause, .. } if matches!(**cause, Error::DeadlineExceeded { .. }))
    );
}

#[tokio::test]
async fn http_proxy_is_used_and_no_proxy_is_honoured() {
    // The stand-in plays the proxy: a forward proxy receives the absolute URI.
    let proxy = TestServer::always(Reply::ok(list_body(&[8]))).await;
    let mut cfg = static_keys(ProviderConfig {
        protocol: Some("HTTP".into()),
        ..Default::default()
    });
    cfg.endpoints = Some(alicloud::EndpointsConfig {
        sas: Some("sas.example.invalid:8080".into()),
        ..Default::default()
    });
    let proxy_url = format!("http://{}", proxy.host());
    let r = resolved(&cfg, &[("HTTP_PROXY", &proxy_url)]).expect("config");
    let resp = list(&SasClient::new(r), Duration::from_secs(5))
        .await
        .expect("through the proxy");
    assert_eq!(resp.image_registry_infos[0].id, 8);
    let seen = &proxy.requests()[0];
    assert_eq!(seen.uri, "http://sas.example.invalid:8080/");
    assert!(seen.v3_signature_valid(SK));

    // NO_PROXY sends loopback traffic direct, past a proxy that does not exist
    let direct = TestServer::always(Reply::ok(list_body(&[6]))).await;
    let cfg = static_keys(loopback_config(&direct));
    let r = resolved(
        &cfg,
        &[
            ("http_proxy", "http://127.0.0.1:9"),
            ("NO_PROXY", "127.0.0.1,localhost"),
        ],
    )
    .expect("config");
    let resp = list(&SasClient::new(r), Duration::from_secs(5))
        .await
        .expect("direct");
    assert_eq!(resp.image_registry_infos[0].id, 6);
    assert_eq!(direct.requests()[0].uri, "/");
}

/// A client of the loopback `addr` over HTTPS (the default protocol).
fn https_client_of(addr: std::net::SocketAddr) -> SasClient {
    let mut cfg = static_keys(ProviderConfig::default());
    cfg.endpoints = Some(alicloud::EndpointsConfig {
        sas: Some(addr.to_string()),
        ..Default::default()
    });
    SasClient::new(resolved(&cfg, &[]).expect("config"))
}

/// Serves every connection on `listener` with `serve` until the test ends.
fn serve_each<F, Fut>(listener: tokio::net::TcpListener, serve: F)
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream));
        }
    });
}

/// What an HTTPS client meets at a TLS failure: a short retry, then an error naming the
/// endpoint, the reason and the settings that fix it, never the whole deadline.
async fn tls_failure_of(addr: std::net::SocketAddr) -> (Error, Duration) {
    let began = std::time::Instant::now();
    let err = list(&https_client_of(addr), Duration::from_secs(600))
        .await
        .expect_err("no TLS handshake can succeed");
    (err, began.elapsed())
}

#[tokio::test]
async fn https_to_a_plain_http_endpoint_gives_up_after_three_attempts_naming_protocol() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    // What an HTTP server answers a TLS ClientHello with.
    serve_each(listener, |mut stream| async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut buf = [0u8; 1024];
        let _ = stream.read(&mut buf).await;
        let _ = stream
            .write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await;
    });
    let (err, took) = tls_failure_of(addr).await;
    let text = err.to_string();
    match &err {
        Error::EndpointUnreachable { attempts, why, .. } => {
            assert_eq!(*attempts, 3, "{text}");
            assert_eq!(*why, alicloud::error::Unreachable::NotTls, "{text}");
        }
        other => panic!("expected an unreachable endpoint, got {other}"),
    }
    assert!(took < Duration::from_secs(30), "took {took:?}: {text}");
    for wanted in [
        &addr.to_string(),
        "does not speak TLS",
        "protocol = \"HTTP\"",
        "endpoints.sas",
    ] {
        assert!(text.contains(wanted), "{wanted:?} in {text}");
    }
}

#[tokio::test]
async fn an_untrusted_certificate_gives_up_after_three_attempts_naming_the_endpoint() {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).expect("cert");
    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let server = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(server));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    serve_each(listener, move |stream| {
        let acceptor = acceptor.clone();
        async move {
            let _ = acceptor.accept(stream).await;
        }
    });
    let (err, took) = tls_failure_of(addr).await;
    let text = err.to_string();
    match &err {
        Error::EndpointUnreachable { attempts, why, .. } => {
            assert_eq!(*attempts, 3, "{text}");
            assert_eq!(
                *why,
                alicloud::error::Unreachable::UntrustedCertificate,
                "{text}"
            );
        }
        other => panic!("expected an unreachable endpoint, got {other}"),
    }
    assert!(took < Duration::from_secs(30), "took {took:?}: {text}");
    for wanted in [&addr.to_string(), "certificate", "endpoints.sas"] {
        assert!(text.contains(wanted), "{wanted:?} in {text}");
    }
}
