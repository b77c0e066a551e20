//! Redaction for logs: which parameter and JSON field names carry secrets.
//!
//! Requests and responses are logged at debug/trace; everything passes through here first, so a
//! password, auth token, AccessKey secret or STS token never reaches a log line.

use serde_json::Value;

/// Names (request parameters or response fields, compared case-insensitively) whose values are
/// secrets. `ExtraParam` carries the quay `authToken`.
const SECRET_NAMES: &[&str] = &[
    "password",
    "extraparam",
    "authtoken",
    "accesskeysecret",
    "securitytoken",
    "signature",
    "token",
    "oidctoken",
];

pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_NAMES.contains(&lower.as_str())
}

/// `k=v, k=***` for a log line.
pub fn params_for_log(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| {
            if is_secret_name(k) {
                format!("{k}=***")
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A URL for a log line: every secret query parameter (a V2 `Signature` and `SecurityToken`,
/// and since parameters follow the SDK's placement, an `AddPrivateRegistry` `Password` or
/// `ExtraParam`) shown as `***`. The rest of the query is kept as sent (percent-encoded).
pub fn url_for_log(url: &str) -> String {
    match url.split_once('?') {
        None => url.to_string(),
        Some((base, query)) => format!("{base}?{}", form_for_log(query.as_bytes())),
    }
}

/// A `k=v&k=v` string (a query string or a form body) for a log line, secrets as `***`. A
/// name is compared after decoding, so `%50assword` is masked too.
pub fn form_for_log(form: &[u8]) -> String {
    let text = String::from_utf8_lossy(form);
    text.split('&')
        .map(|pair| {
            let (k, _) = pair.split_once('=').unwrap_or((pair, ""));
            if is_secret_name(&crate::encode::percent_decode(k)) {
                format!("{k}=***")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A response body for a log line: JSON with secret fields masked, anything else summarised.
pub fn body_for_log(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut v) => {
            mask(&mut v);
            v.to_string()
        }
        Err(_) => format!("<{} bytes, not JSON>", body.len()),
    }
}

fn mask(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if is_secret_name(k) {
                    *child = Value::String("***".into());
                } else {
                    mask(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_nested_secrets() {
        let body = br#"{"RequestId":"r","Credentials":{"AccessKeyId":"id","AccessKeySecret":"s3cr3t","SecurityToken":"t0k"},"ImageRegistryExtraInfos":[{"AuthToken":"q","Namespace":"ns"}],"Data":{"Password":"pw","Token":"tk"}}"#;
        let out = body_for_log(body);
        for secret in ["s3cr3t", "t0k", "\"q\"", "pw", "tk"] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert!(out.contains("\"ns\"") && out.contains("\"id\""), "{out}");
        assert_eq!(body_for_log(b"<html>"), "<6 bytes, not JSON>");
    }

    #[test]
    fn masks_query_strings_and_forms() {
        let url = "https://tds.aliyuncs.com/?AccessKeyId=AK&DomainName=h.example&Password=p%20w&Security%54oken=tok&Signature=sig%3D&ExtraParam=%5B%5D";
        let out = url_for_log(url);
        for secret in ["p%20w", "tok", "sig%3D", "%5B%5D"] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert!(
            out.starts_with(
                "https://tds.aliyuncs.com/?AccessKeyId=AK&DomainName=h.example&Password=***"
            ),
            "{out}"
        );
        assert_eq!(url_for_log("http://h/"), "http://h/");
        assert_eq!(
            form_for_log(b"Id=1&Password=x&UserName=u"),
            "Id=1&Password=***&UserName=u"
        );
        assert_eq!(form_for_log(b""), "");
    }

    #[test]
    fn masks_params() {
        let p = vec![
            ("Password".to_string(), "pw".to_string()),
            (
                "ExtraParam".to_string(),
                "[{\"authToken\":\"x\"}]".to_string(),
            ),
            ("UserName".to_string(), "u".to_string()),
        ];
        assert_eq!(
            params_for_log(&p),
            "Password=***, ExtraParam=***, UserName=u"
        );
    }
}
