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
