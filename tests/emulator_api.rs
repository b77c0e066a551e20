//! The emulator's API over HTTP, with hand-built signed requests: the registry lifecycle, both
//! signature styles, every authentication failure the spec lists, parameter validation,
//! credentials from STS and ECS metadata, introspection and out-of-band drift, persistence.

#[path = "common/emulator_http.rs"]
mod emulator_http;

use emulator_http::{creds, introspect, post, set_faults, unsigned_get};
use http::Method;
use sas_emulator::probe::{self, Call, Connection, Credentials};
use sas_emulator::{ids, secret_hash, Emulator, EmulatorConfig, RunningEmulator, Secret};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

/// Asserts `v` has each of `fields`.
fn assert_has(v: &Value, fields: &[&str]) {
    for field in fields {
        assert!(v.get(field).is_some(), "missing {field} in {v}");
    }
}

fn start() -> RunningEmulator {
    emulator_http::start(EmulatorConfig::default())
}

/// Sends `call` signed with the emulator's key; the answer, whatever it is.
async fn send(emu: &RunningEmulator, call: &Call) -> probe::ProbeResponse {
    probe::call(emu.addr(), call, &creds()).await.unwrap()
}

fn harbor() -> Call {
    Call::add_harbor("harbor.example.com", "s3cret-Passw0rd", "cn-hangzhou")
        .param("Port", 443)
        .param("TransPerHour", 10)
}

type HttpRequest = http::Request<http_body_util::Full<hyper::body::Bytes>>;

/// A signed `ListPrivateRegistryList`, built but not sent, to be tampered with.
fn signed_list(emu: &RunningEmulator) -> HttpRequest {
    probe::build(
        &Call::sas("ListPrivateRegistryList"),
        &creds(),
        &emu.endpoint(),
    )
}

/// `ACS3-HMAC-SHA256` as the spec writes it, apart from the emulator's code (which the probe
/// shares), so a request signed here shows the emulator checks what the API checks.
mod acs3 {
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};

    pub fn sha256_hex(data: &[u8]) -> String {
        hex::encode(Sha256::digest(data))
    }

    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    /// `k=v&…`, names and values encoded, sorted by name.
    pub fn pairs(params: &[(String, String)]) -> String {
        let mut encoded: Vec<(String, String)> =
            params.iter().map(|(k, v)| (enc(k), enc(v))).collect();
        encoded.sort();
        let joined: Vec<String> = encoded.iter().map(|(k, v)| format!("{k}={v}")).collect();
        joined.join("&")
    }

    /// The canonical request over the headers named in `signed` (lower-case, any order).
    pub fn canonical_request(
        method: &str,
        query: &[(String, String)],
        headers: &[(String, String)],
        signed: &[&str],
        body: &[u8],
    ) -> String {
        let mut signed = signed.to_vec();
        signed.sort_unstable();
        let canonical_headers: String = signed
            .iter()
            .map(|name| {
                let value = headers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or("", |(_, v)| v.trim());
                format!("{name}:{value}\n")
            })
            .collect();
        format!(
            "{method}\n/\n{}\n{canonical_headers}\n{}\n{}",
            pairs(query),
            signed.join(";"),
            sha256_hex(body)
        )
    }

    pub fn signature(secret: &str, canonical_request: &str) -> String {
        let to_sign = format!(
            "ACS3-HMAC-SHA256\n{}",
            sha256_hex(canonical_request.as_bytes())
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(to_sign.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// A Sas POST with a form body, signed with [`acs3`]; its headers can be changed before signing
/// (`set`) or after (on the `http::Request`).
struct V3Request {
    query: Vec<(String, String)>,
    body: String,
    headers: Vec<(String, String)>,
}

impl V3Request {
    fn new(emu: &RunningEmulator, call: &Call) -> Self {
        let body = acs3::pairs(&call.params);
        let mut req = Self {
            query: Vec::new(),
            headers: Vec::new(),
            body: String::new(),
        };
        for (name, value) in [
            ("host", emu.endpoint()),
            ("content-type", "application/x-www-form-urlencoded".into()),
            ("x-acs-action", call.action.clone()),
            ("x-acs-version", call.version.clone()),
            (
                "x-acs-date",
                ids::format_iso_seconds(OffsetDateTime::now_utc()),
            ),
            ("x-acs-signature-nonce", ids::uuid_v4()),
            ("x-acs-content-sha256", acs3::sha256_hex(body.as_bytes())),
        ] {
            req.set(name, &value);
        }
        req.body = body;
        req
    }

    fn set(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| n != name);
        self.headers.push((name.into(), value.into()));
    }

    /// Signed over every header but `unsigned`, with the spec's `Authorization` header.
    fn signed(&self, creds: &Credentials, unsigned: &[&str]) -> HttpRequest {
        let names: Vec<&str> = self
            .headers
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| !unsigned.contains(n))
            .collect();
        let canonical = acs3::canonical_request(
            "POST",
            &self.query,
            &self.headers,
            &names,
            self.body.as_bytes(),
        );
        let mut sorted = names.clone();
        sorted.sort_unstable();
        let authorization = format!(
            "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={}",
            creds.access_key_id,
            sorted.join(";"),
            acs3::signature(&creds.access_key_secret, &canonical)
        );
        self.with_authorization(&authorization)
    }

    fn with_authorization(&self, authorization: &str) -> HttpRequest {
        let uri = if self.query.is_empty() {
            "/".to_string()
        } else {
            format!("/?{}", acs3::pairs(&self.query))
        };
        let mut b = http::Request::builder().method(Method::POST).uri(uri);
        for (name, value) in &self.headers {
            b = b.header(name.as_str(), value.as_str());
        }
        b.header("authorization", authorization)
            .body(http_body_util::Full::new(hyper::body::Bytes::from(
                self.body.clone(),
            )))
            .expect("a well-formed request")
    }
}

/// What makes a request V3: signed as `ACS3-HMAC-SHA256` (the spec's vector, computed here),
/// authenticated by its `Authorization` header and no V2 parameter, its body bound through
/// `x-acs-content-sha256`, every `x-acs-*` header signed.
#[tokio::test]
async fn v3_signatures_are_checked_as_the_spec_defines_them() {
    let text = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let vector = acs3::canonical_request(
        "POST",
        &text(&[
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            ),
            ("RegionId", "cn-shanghai"),
        ]),
        &text(&[
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", &acs3::sha256_hex(b"")),
        ]),
        &[
            "x-acs-signature-nonce",
            "host",
            "x-acs-version",
            "x-acs-action",
            "x-acs-date",
            "x-acs-content-sha256",
        ],
        b"",
    );
    assert_eq!(
        acs3::sha256_hex(vector.as_bytes()),
        "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
    );
    assert_eq!(
        acs3::signature("YourAccessKeySecret", &vector),
        "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    );

    let emu = start();
    let mut c = Connection::open(emu.addr()).await.expect("a connection");
    let list = Call::sas("ListPrivateRegistryList");
    let refused = |r: &probe::ProbeResponse, code: &str, says: &str| {
        assert_eq!((r.status, r.code()), (400, code), "{}", r.text);
        assert!(
            r.json["Message"]
                .as_str()
                .unwrap_or_default()
                .contains(says),
            "{says:?} in {}",
            r.text
        );
    };

    // Signed here and sent with no V2 parameter: the header alone authenticates it.
    let r = c
        .send(V3Request::new(&emu, &harbor()).signed(&creds(), &[]))
        .await
        .expect("an answer");
    assert_eq!(r.status, 200, "{}", r.text);
    let logged = emu.requests();
    let add = logged.last().expect("the add is logged");
    assert_eq!(
        (add.signature.as_deref(), add.outcome.as_str()),
        (Some("V3"), "Success"),
        "{add:?}"
    );
    for v2 in ["Signature", "AccessKeyId", "SignatureMethod", "Timestamp"] {
        assert!(!add.params.contains_key(v2), "{v2} in {add:?}");
    }

    // A forged V2 signature among the query parameters plays no part either.
    let mut forged = V3Request::new(&emu, &list);
    forged.query = text(&[("Signature", "forged"), ("AccessKeyId", "nobody")]);
    let r = c
        .send(forged.signed(&creds(), &[]))
        .await
        .expect("an answer");
    assert_eq!(r.status, 200, "{}", r.text);

    // The body is bound by its hash: a signed hash that is not the body's is refused...
    let mut wrong_hash = V3Request::new(&emu, &harbor());
    wrong_hash.set(
        "x-acs-content-sha256",
        &acs3::sha256_hex(b"RegistryType=quay"),
    );
    let r = c
        .send(wrong_hash.signed(&creds(), &[]))
        .await
        .expect("an answer");
    refused(&r, "SignatureDoesNotMatch", "x-acs-content-sha256");
    // ...and so is another body with its own hash under the old signature.
    let mut req = V3Request::new(&emu, &harbor()).signed(&creds(), &[]);
    *req.body_mut() = http_body_util::Full::new(hyper::body::Bytes::from("RegistryType=quay"));
    req.headers_mut().insert(
        "x-acs-content-sha256",
        http::HeaderValue::from_str(&acs3::sha256_hex(b"RegistryType=quay")).expect("hex"),
    );
    let r = c.send(req).await.expect("an answer");
    refused(&r, "SignatureDoesNotMatch", "string to sign");

    // Each x-acs-* header is signed: a nonce left out of SignedHeaders is refused.
    let r = c
        .send(V3Request::new(&emu, &list).signed(&creds(), &["x-acs-signature-nonce"]))
        .await
        .expect("an answer");
    refused(&r, "IncompleteSignature", "x-acs-signature-nonce");

    // Only ACS3-HMAC-SHA256: another scheme is refused, not read as V2.
    let r = c
        .send(V3Request::new(&emu, &list).with_authorization("HMAC-SHA1 Credential=x"))
        .await
        .expect("an answer");
    refused(&r, "IncompleteSignature", "ACS3-HMAC-SHA256");

    assert_eq!(emu.registries().len(), 1, "only the first add made one");
}

#[tokio::test]
async fn registry_lifecycle() {
    let emu = start();
    let addr = emu.addr();
    let mut c = Connection::open(addr).await.unwrap();

    let r = c.call(&harbor(), &creds()).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    let data = &r.json["Data"];
    assert_eq!(data["Id"], 1);
    assert_eq!(data["RegionId"], "cn-hangzhou");
    assert!(data.get("RegistryRegionId").is_none());
    assert_eq!(data["Password"], "******");
    assert_eq!(data["UserName"], "robot");
    assert_eq!(data["ProtocolType"], 2);
    assert_eq!(data["TransPerHour"], 10);
    assert!(data.get("Port").is_none() && data.get("ExtraParam").is_none());
    let token = data["Token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 36);
    assert!(!r.text.contains("s3cret-Passw0rd"));

    // Ids increase.
    let r2 = c.call(&harbor(), &creds()).await.unwrap();
    assert_eq!(r2.json["Data"]["Id"], 2);

    let items = probe::listed(addr, &creds()).await;
    assert_eq!(items.len(), 2);
    let first = &items[0];
    assert_has(
        first,
        &[
            "Id",
            "AliUid",
            "DomainName",
            "RegistryHostIp",
            "Port",
            "NetType",
            "ProtocolType",
            "RegionId",
            "RegistryName",
            "RegistryType",
            "RegistryVersion",
            "Token",
            "TransPerHour",
            "UserName",
            "Password",
            "WhiteList",
            "JenkinsEnv",
            "PersistenceDay",
        ],
    );
    assert_eq!(first["Port"], 443);
    assert_eq!(first["Password"], "******");

    // Filter by type.
    let r = c
        .call(
            &Call::sas("ListPrivateRegistryList").param("RegistryType", "quay"),
            &creds(),
        )
        .await
        .unwrap();
    assert_eq!(r.json["ImageRegistryInfos"].as_array().unwrap().len(), 0);

    // Paging.
    let r = c
        .call(
            &Call::sas("PageImageRegistry")
                .param("CurrentPage", 2)
                .param("PageSize", 1),
            &creds(),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["PageInfo"]["TotalCount"], 2);
    assert_eq!(r.json["PageInfo"]["Count"], 1);
    assert_eq!(r.json["List"][0]["Id"], 2);
    assert!(r.json["List"][0].get("RegistryVersion").is_none());
    assert!(r.json["List"][0].get("AliUid").is_none());

    // Modify: updatable fields change, others are ignored.
    let r = c
        .call(
            &Call::sas("ModifyImageRegistry")
                .param("Id", 1)
                .param("Password", "new-password")
                .param("DomainName", "harbor2.example.com")
                .param("Port", 8443)
                .param("RegistryType", "quay"),
            &creds(),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    assert_has(
        &r.json,
        &[
            "Code",
            "Data",
            "HttpStatusCode",
            "Message",
            "RequestId",
            "Success",
            "TimeCost",
        ],
    );
    assert_eq!(r.json["Success"], true);
    let rec = emu.registries().into_iter().find(|r| r.id == 1).unwrap();
    assert_eq!(rec.domain_name, "harbor2.example.com");
    assert_eq!(rec.port, Some(8443));
    assert_eq!(rec.registry_type, "harbor");
    assert_eq!(rec.password_hash, secret_hash("new-password"));

    // Modify of an unknown id fails loudly.
    let r = c
        .call(
            &Call::sas("ModifyImageRegistry")
                .param("Id", 99)
                .param("UserName", "x"),
            &creds(),
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (400, "InvalidParameter"));

    // Token refresh.
    let r = c
        .call(
            &Call::sas("RefreshRegistryToken").param("RegistryId", 1),
            &creds(),
        )
        .await
        .unwrap();
    let new_token = r.json["Data"].as_str().unwrap();
    assert_ne!(new_token, token);

    // Regions.
    let r = c
        .call(&Call::sas("ListImageRegistryRegion"), &creds())
        .await
        .unwrap();
    assert!(r.json["Regions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["RegionId"] == "cn-hangzhou"));

    // Delete, then delete again (already gone → Data false).
    let del = Call::sas("DeletePrivateRegistry").param("RegistryId", 1);
    let r = c.call(&del, &creds()).await.unwrap();
    assert_eq!((r.status, r.json["Data"].clone()), (200, Value::Bool(true)));
    let r = c.call(&del, &creds()).await.unwrap();
    assert_eq!(
        (r.status, r.json["Data"].clone()),
        (200, Value::Bool(false))
    );
    assert_eq!(probe::listed(addr, &creds()).await.len(), 1);

    // Ids are never reused.
    let r = c.call(&harbor(), &creds()).await.unwrap();
    assert_eq!(r.json["Data"]["Id"], 3);
    emu.shutdown().unwrap();
}

#[tokio::test]
async fn v2_signatures_get_and_post_and_query_params() {
    let emu = start();
    let addr = emu.addr();
    let r = probe::call(addr, &harbor().v2(), &creds()).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    let r = probe::call(
        addr,
        &Call::sas("ListPrivateRegistryList").v2().get(),
        &creds(),
    )
    .await
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["ImageRegistryInfos"].as_array().unwrap().len(), 1);
    // V3 with parameters in the query of a POST.
    let mut call = harbor();
    call.params_in_query = true;
    let r = probe::call(addr, &call, &creds()).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    // V3 GET.
    let r = probe::call(addr, &Call::sas("ListPrivateRegistryList").get(), &creds())
        .await
        .unwrap();
    assert_eq!(r.json["ImageRegistryInfos"].as_array().unwrap().len(), 2);
    let log = emu.requests();
    assert!(log.iter().any(|e| e.signature.as_deref() == Some("V2")));
    assert!(log.iter().any(|e| e.signature.as_deref() == Some("V3")));
}

#[tokio::test]
async fn wrong_signature_is_rejected_both_styles() {
    let emu = start();
    let wrong = Credentials::new(sas_emulator::DEFAULT_ACCESS_KEY_ID, "not-the-secret");
    for call in [harbor(), harbor().v2()] {
        let r = probe::call(emu.addr(), &call, &wrong).await.unwrap();
        assert_eq!(
            (r.status, r.code()),
            (400, "SignatureDoesNotMatch"),
            "{}",
            r.text
        );
        assert!(r.json["Message"]
            .as_str()
            .unwrap()
            .contains("string to sign"));
    }
    // A body changed after signing (V3 hashes the body).
    let mut req = probe::build(&harbor(), &creds(), &emu.endpoint());
    *req.body_mut() = http_body_util::Full::new(hyper::body::Bytes::from("RegistryType=quay"));
    let mut c = Connection::open(emu.addr()).await.unwrap();
    let r = c.send(req).await.unwrap();
    assert_eq!((r.status, r.code()), (400, "SignatureDoesNotMatch"));
    // A header changed after signing.
    let mut req = signed_list(&emu);
    req.headers_mut().insert(
        "x-acs-action",
        http::HeaderValue::from_static("DeletePrivateRegistry"),
    );
    let r = c.send(req).await.unwrap();
    assert_eq!((r.status, r.code()), (400, "SignatureDoesNotMatch"));
    // An x-acs-* header left out of SignedHeaders.
    let mut req = signed_list(&emu);
    req.headers_mut()
        .insert("x-acs-extra", http::HeaderValue::from_static("1"));
    let r = c.send(req).await.unwrap();
    assert_eq!((r.status, r.code()), (400, "IncompleteSignature"));
    assert!(emu.registries().is_empty());
}

#[tokio::test]
async fn unknown_access_key_is_404() {
    let emu = start();
    let r = probe::call(emu.addr(), &harbor(), &Credentials::new("nobody", "x"))
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (404, "InvalidAccessKeyId.NotFound"));
    let r = probe::call(emu.addr(), &harbor().v2(), &Credentials::new("nobody", "x"))
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (404, "InvalidAccessKeyId.NotFound"));
}

#[tokio::test]
async fn replayed_nonce_is_rejected_both_styles() {
    let emu = start();
    for (i, base) in [
        Call::sas("ListPrivateRegistryList"),
        Call::sas("ListPrivateRegistryList").v2(),
    ]
    .into_iter()
    .enumerate()
    {
        let call = base.nonce(&format!("fixed-nonce-{i}"));
        let r = send(&emu, &call).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = send(&emu, &call).await;
        assert_eq!((r.status, r.code()), (400, "SignatureNonceUsed"));
    }
    // A forged request does not burn the nonce: bad signature first, then the real one works.
    let call = Call::sas("ListPrivateRegistryList").nonce("burn-me");
    let r = probe::call(
        emu.addr(),
        &call,
        &Credentials::new(sas_emulator::DEFAULT_ACCESS_KEY_ID, "bad"),
    )
    .await
    .unwrap();
    assert_eq!(r.code(), "SignatureDoesNotMatch");
    let r = send(&emu, &call).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn stale_and_malformed_timestamps() {
    let emu = start();
    let stale = ids::format_iso_seconds(OffsetDateTime::now_utc() - Duration::minutes(16));
    let future = ids::format_iso_seconds(OffsetDateTime::now_utc() + Duration::minutes(16));
    let near = ids::format_iso_seconds(OffsetDateTime::now_utc() - Duration::minutes(14));
    for base in [
        Call::sas("ListPrivateRegistryList"),
        Call::sas("ListPrivateRegistryList").v2(),
    ] {
        for ts in [&stale, &future] {
            let r = send(&emu, &base.clone().timestamp(ts)).await;
            assert_eq!(
                (r.status, r.code()),
                (400, "InvalidTimeStamp.Expired"),
                "{}",
                r.text
            );
        }
        let r = send(&emu, &base.clone().timestamp(&near)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = send(&emu, &base.clone().timestamp("2024-01-01 00:00:00")).await;
        assert_eq!((r.status, r.code()), (400, "InvalidTimeStamp.Format"));
    }
}

#[tokio::test]
async fn missing_and_invalid_parameters() {
    let emu = start();
    let required = [
        "RegistryType",
        "RegistryVersion",
        "ProtocolType",
        "NetType",
        "RegistryHostIp",
        "DomainName",
        "UserName",
        "Password",
        "RegistryRegionId",
    ];
    for name in required {
        let mut call = harbor();
        call.params.retain(|(k, _)| k != name);
        let r = send(&emu, &call).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "MissingParameter"),
            "{name}: {}",
            r.text
        );
        assert!(r.json["Message"].as_str().unwrap().contains(name));
    }
    let invalid = [
        ("RegistryType", "acr"),
        ("RegistryVersion", "V3"),
        ("ProtocolType", "3"),
        ("NetType", "x"),
        ("RegistryRegionId", "mars-1"),
        ("Port", "70000"),
        ("TransPerHour", "-1"),
    ];
    for (name, value) in invalid {
        let mut call = harbor();
        call.params.retain(|(k, _)| k != name);
        let call = call.param(name, value);
        let r = send(&emu, &call).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "InvalidParameter"),
            "{name}={value}: {}",
            r.text
        );
    }
    for (action, missing) in [
        ("DeletePrivateRegistry", "RegistryId"),
        ("ModifyImageRegistry", "Id"),
        ("ListImageRegistryExtra", "RegistryId"),
        ("RefreshRegistryToken", "RegistryId"),
    ] {
        let r = send(&emu, &Call::sas(action)).await;
        assert_eq!((r.status, r.code()), (400, "MissingParameter"), "{action}");
        assert!(r.json["Message"].as_str().unwrap().contains(missing));
    }
    assert!(emu.registries().is_empty());
}

#[tokio::test]
async fn quay_needs_extra_param() {
    let emu = start();
    let quay = || {
        let mut c = harbor();
        c.params.retain(|(k, _)| k != "RegistryType");
        c.param("RegistryType", "quay")
    };
    let r = send(&emu, &quay()).await;
    assert_eq!(
        (r.status, r.code()),
        (400, "MissingParameter"),
        "{}",
        r.text
    );
    assert!(r.json["Message"].as_str().unwrap().contains("ExtraParam"));
    for bad in [
        "not json",
        "[]",
        r#"[{"namespace":"ns"}]"#,
        r#"{"namespace":"ns","authToken":"t"}"#,
    ] {
        let r = send(&emu, &quay().param("ExtraParam", bad)).await;
        assert_eq!((r.status, r.code()), (400, "InvalidParameter"), "{bad}");
    }
    let extra = r#"[{"namespace":"team-a","authToken":"quay-token-123"}]"#;
    let r = send(&emu, &quay().param("ExtraParam", extra)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.json["Data"]["Id"].as_i64().unwrap();
    let r = send(
        &emu,
        &Call::sas("ListImageRegistryExtra").param("RegistryId", id),
    )
    .await;
    let infos = r.json["ImageRegistryExtraInfos"].as_array().unwrap();
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0]["Namespace"], "team-a");
    assert_eq!(infos[0]["AuthToken"], "quay-token-123");
    assert_eq!(infos[0]["RegistryId"], id);
    assert_eq!(infos[0]["RegistryType"], "quay");
    // Unknown registry: empty list.
    let r = send(
        &emu,
        &Call::sas("ListImageRegistryExtra").param("RegistryId", 999),
    )
    .await;
    assert_eq!(
        r.json["ImageRegistryExtraInfos"].as_array().unwrap().len(),
        0
    );
}

#[tokio::test]
async fn version_action_and_envelope() {
    let emu = start();
    let r = send(
        &emu,
        &Call::sas("ListPrivateRegistryList").version("2017-01-01"),
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "InvalidVersion"));
    let r = send(&emu, &Call::sas("DescribeNothing")).await;
    assert_eq!((r.status, r.code()), (404, "InvalidAction.NotFound"));
    let r = send(&emu, &Call::sts("GetCallerIdentityX")).await;
    assert_eq!((r.status, r.code()), (404, "InvalidAction.NotFound"));
    // JSON objects are unordered (and serde_json sorts keys here), so compare the key set.
    let mut keys: Vec<&str> = r
        .json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["Code", "HostId", "Message", "Recommend", "RequestId"]
    );
    assert_eq!(r.json["HostId"], emu.endpoint());
    // The request id in the body is in the log too.
    let rid = r.json["RequestId"].as_str().unwrap();
    assert!(emu
        .requests()
        .iter()
        .any(|e| e.request_id == rid && e.http_status == Some(404)));
    // Unsigned request.
    let r = post(emu.addr(), "/?Action=ListPrivateRegistryList", "").await;
    assert_eq!((r.status, r.code()), (400, "MissingParameter"));
}

#[tokio::test]
async fn no_permission_for_denied_actions() {
    let emu = start();
    set_faults(emu.addr(), r#"{"deny_actions":["DeletePrivateRegistry"]}"#).await;
    let r = send(
        &emu,
        &Call::sas("DeletePrivateRegistry").param("RegistryId", 1),
    )
    .await;
    assert_eq!((r.status, r.code()), (403, "NoPermission"));
    assert!(r.json["Message"]
        .as_str()
        .unwrap()
        .contains("yundun-sas:DeletePrivateRegistry"));
}

#[tokio::test]
async fn sts_assume_role_credentials_work_with_their_token() {
    let emu = start();
    let r = send(
        &emu,
        &Call::sts("AssumeRole")
            .param("RoleArn", "acs:ram::1234567890123456:role/terraform")
            .param("RoleSessionName", "tf-test")
            .param("DurationSeconds", 900),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let c = &r.json["Credentials"];
    let id = c["AccessKeyId"].as_str().unwrap();
    let secret = c["AccessKeySecret"].as_str().unwrap();
    let token = c["SecurityToken"].as_str().unwrap();
    let exp = ids::parse_iso_seconds(c["Expiration"].as_str().unwrap()).unwrap();
    assert!(exp > OffsetDateTime::now_utc() + Duration::minutes(14));
    assert!(id.starts_with("STS."));
    assert_eq!(
        r.json["AssumedRoleUser"]["Arn"],
        "acs:ram::1234567890123456:role/terraform/tf-test"
    );

    let temp = Credentials::new(id, secret).with_token(token);
    for call in [harbor(), harbor().v2()] {
        let r = probe::call(emu.addr(), &call, &temp).await.unwrap();
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let r = probe::call(emu.addr(), &harbor(), &Credentials::new(id, secret))
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (400, "InvalidSecurityToken.Missing"));
    let r = probe::call(
        emu.addr(),
        &harbor(),
        &Credentials::new(id, secret).with_token("other"),
    )
    .await
    .unwrap();
    assert_eq!(
        (r.status, r.code()),
        (400, "InvalidSecurityToken.MismatchWithAccessKey")
    );
    // The token never shows in the request log.
    let log = unsigned_get(emu.addr(), "/_emulator/requests").await;
    assert!(!log.text.contains(token));
    assert!(!log.text.contains(secret));

    // Validation.
    for (k, v, code) in [
        (
            "RoleArn",
            "arn:aws:iam::1:role/x",
            "InvalidParameter.RoleArn",
        ),
        ("RoleSessionName", "x", "InvalidParameter.RoleSessionName"),
        ("DurationSeconds", "60", "InvalidParameter.DurationSeconds"),
    ] {
        let mut call = Call::sts("AssumeRole")
            .param("RoleArn", "acs:ram::1:role/x")
            .param("RoleSessionName", "ok-session");
        call.params.retain(|(name, _)| name != k);
        let r = send(&emu, &call.param(k, v)).await;
        assert_eq!((r.status, r.code()), (400, code), "{}", r.text);
    }
    let r = send(
        &emu,
        &Call::sts("AssumeRole").param("RoleSessionName", "s1"),
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "MissingParameter"));
}

#[tokio::test]
async fn ecs_metadata_credentials_work() {
    let emu = start();
    let roles = unsigned_get(emu.addr(), "/latest/meta-data/ram/security-credentials/").await;
    assert_eq!(
        (roles.status, roles.text.as_str()),
        (200, "EmulatorEcsRole")
    );
    let r = unsigned_get(
        emu.addr(),
        "/latest/meta-data/ram/security-credentials/EmulatorEcsRole",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for f in [
        "AccessKeyId",
        "AccessKeySecret",
        "SecurityToken",
        "Expiration",
        "LastUpdated",
    ] {
        assert!(r.json[f].is_string(), "{f}");
    }
    assert_eq!(r.json["Code"], "Success");
    let temp = Credentials::new(
        r.json["AccessKeyId"].as_str().unwrap(),
        r.json["AccessKeySecret"].as_str().unwrap(),
    )
    .with_token(r.json["SecurityToken"].as_str().unwrap());
    let r = probe::call(emu.addr(), &Call::sas("ListPrivateRegistryList"), &temp)
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    let r = unsigned_get(
        emu.addr(),
        "/latest/meta-data/ram/security-credentials/Other",
    )
    .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn static_key_with_security_token() {
    let emu = Emulator::start(EmulatorConfig {
        security_token: Some(Secret::new("static-token")),
        ..Default::default()
    })
    .unwrap();
    let r = send(&emu, &Call::sas("ListPrivateRegistryList")).await;
    assert_eq!((r.status, r.code()), (400, "InvalidSecurityToken.Missing"));
    let r = probe::call(
        emu.addr(),
        &Call::sas("ListPrivateRegistryList"),
        &creds().with_token("static-token"),
    )
    .await
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn introspection_hashes_secrets_and_drift_endpoints_work() {
    let emu = start();
    let extra = r#"[{"namespace":"ns","authToken":"quay-auth-token-xyz"}]"#;
    let mut quay = harbor();
    quay.params.retain(|(k, _)| k != "RegistryType");
    let quay = quay
        .param("RegistryType", "quay")
        .param("ExtraParam", extra);
    let r = send(&emu, &quay).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let log = unsigned_get(emu.addr(), "/_emulator/requests").await;
    assert!(!log.text.contains("s3cret-Passw0rd"), "{}", log.text);
    assert!(!log.text.contains("quay-auth-token-xyz"));
    assert!(log.text.contains(&secret_hash("s3cret-Passw0rd")));
    let entry = &log.json.as_array().unwrap()[0];
    assert_eq!(entry["action"], "AddPrivateRegistry");
    assert_eq!(entry["outcome"], "Success");
    assert_eq!(entry["params"]["DomainName"], "harbor.example.com");

    let regs = unsigned_get(emu.addr(), "/_emulator/registries").await;
    assert!(!regs.text.contains("s3cret-Passw0rd"));
    assert!(!regs.text.contains("quay-auth-token-xyz"));
    let rec = &regs.json["Registries"][0];
    assert_eq!(rec["PasswordHash"], secret_hash("s3cret-Passw0rd"));
    assert_eq!(
        rec["Extras"][0]["AuthToken"],
        secret_hash("quay-auth-token-xyz")
    );
    assert_eq!(regs.json["NextId"], 2);

    // Out-of-band drift is visible through the API.
    let r = post(
        emu.addr(),
        "/_emulator/registries/1/modify",
        r#"{"DomainName":"drifted.example.com","TransPerHour":99,"Port":null}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = probe::listed(emu.addr(), &creds()).await;
    assert_eq!(items[0]["DomainName"], "drifted.example.com");
    assert_eq!(items[0]["TransPerHour"], 99);
    assert!(items[0].get("Port").is_none());
    let r = post(
        emu.addr(),
        "/_emulator/registries/1/modify",
        r#"{"Bogus":1}"#,
    )
    .await;
    assert_eq!(r.status, 400);
    let r = post(emu.addr(), "/_emulator/registries/7/modify", r#"{}"#).await;
    assert_eq!(r.status, 404);

    let r = introspect(emu.addr(), Method::DELETE, "/_emulator/registries/1", "").await;
    assert_eq!(r.status, 200);
    assert!(probe::listed(emu.addr(), &creds()).await.is_empty());
    let r = introspect(emu.addr(), Method::DELETE, "/_emulator/registries/1", "").await;
    assert_eq!(r.status, 404);

    // Clearing the log.
    let r = introspect(emu.addr(), Method::DELETE, "/_emulator/requests", "").await;
    assert_eq!(r.status, 200);
    let log = unsigned_get(emu.addr(), "/_emulator/requests").await;
    assert_eq!(log.json.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn persistence_survives_restart_in_process() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let cfg = EmulatorConfig {
        state_file: Some(state.clone()),
        ..Default::default()
    };
    let emu = Emulator::start(cfg.clone()).unwrap();
    for _ in 0..3 {
        let r = send(&emu, &harbor()).await;
        assert_eq!(r.status, 200);
    }
    let r = send(
        &emu,
        &Call::sas("DeletePrivateRegistry").param("RegistryId", 3),
    )
    .await;
    assert_eq!(r.json["Data"], true);
    let before = emu.registries();
    emu.shutdown().unwrap();
    assert!(!std::fs::read_to_string(&state)
        .unwrap()
        .contains("s3cret-Passw0rd"));

    let emu = Emulator::start(cfg).unwrap();
    assert_eq!(emu.registries(), before);
    let r = send(&emu, &harbor()).await;
    assert_eq!(r.json["Data"]["Id"], 4, "the next id survives a restart");
}

#[test]
fn refuses_non_loopback_and_corrupt_state() {
    let e = Emulator::start(EmulatorConfig {
        listen: "0.0.0.0:0".parse().unwrap(),
        ..Default::default()
    })
    .err()
    .unwrap();
    assert!(e.to_string().contains("--allow-remote"), "{e}");

    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, "{\"format\":1,\"next_id\":").unwrap();
    let e = Emulator::start(EmulatorConfig {
        state_file: Some(state.clone()),
        ..Default::default()
    })
    .err()
    .unwrap();
    assert!(e.to_string().contains("corrupt"), "{e}");
    assert_eq!(
        std::fs::read_to_string(&state).unwrap(),
        "{\"format\":1,\"next_id\":"
    );
}

/// Every endpoint `--help` lists is served, and one it does not list is not: the list is the
/// one place an endpoint is declared.
#[tokio::test]
async fn every_listed_introspection_endpoint_is_served_and_no_other() {
    let emu = start();
    let addr = emu.addr();
    let r = send(&emu, &harbor()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.json["RegistryId"]
        .as_i64()
        .or_else(|| r.json["Data"]["Id"].as_i64())
        .unwrap_or(1)
        .to_string();
    let unlisted = "no introspection endpoint";
    // Deletes last, so the registry is there for the modify.
    let mut endpoints: Vec<_> = sas_emulator::introspect::ENDPOINTS.iter().collect();
    endpoints.sort_by_key(|e| e.method == "DELETE");
    for e in endpoints {
        let path = format!("/_emulator/{}", e.path.replace("{id}", &id));
        let method = Method::from_bytes(e.method.as_bytes()).expect("a method");
        let body = if e.path == "registries/{id}/modify" {
            r#"{"Port": 8443}"#
        } else {
            "{}"
        };
        let r = introspect(addr, method, &path, body).await;
        assert!(
            !r.text.contains(unlisted),
            "{} {path} is listed but not served: {}",
            e.method,
            r.text
        );
    }
    let r = introspect(addr, Method::GET, "/_emulator/no-such-thing", "").await;
    assert_eq!(r.status, 404);
    assert!(r.text.contains(unlisted), "{}", r.text);
    let r = introspect(addr, Method::PUT, "/_emulator/clock", "{}").await;
    assert!(r.text.contains(unlisted), "a method not listed: {}", r.text);
}
