//! One RPC request as the gateway sees it after reading it off the wire: method, the query and
//! form-body parameters (each decoded), the headers the signatures need, and the raw body (V3
//! hashes it). Parsing never panics; malformed input becomes an [`ApiError`].

use super::api_error::ApiError;
use http::HeaderMap;

/// A decoded RPC request.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// Query-string parameters, decoded, in order of appearance.
    pub query: Vec<(String, String)>,
    /// `application/x-www-form-urlencoded` body parameters, decoded.
    pub form: Vec<(String, String)>,
    /// Request headers (names are case-insensitive in `HeaderMap`).
    pub headers: HeaderMap,
    /// The raw body bytes.
    pub body: Vec<u8>,
}

impl ApiRequest {
    /// Builds a request from its parts, decoding the query and (for form content types) body.
    pub fn parse(
        method: &str,
        raw_query: Option<&str>,
        headers: HeaderMap,
        body: Vec<u8>,
    ) -> Result<Self, ApiError> {
        let query = match raw_query {
            Some(q) => parse_urlencoded(q.as_bytes())?,
            None => Vec::new(),
        };
        let is_form = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.trim()
                    .to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            })
            .unwrap_or(false);
        let form = if is_form {
            parse_urlencoded(&body)?
        } else {
            Vec::new()
        };
        Ok(Self {
            method: method.to_string(),
            query,
            form,
            headers,
            body,
        })
    }

    /// A header value as text, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// All parameters, query first then body. Both count for the action; for V2 both are signed.
    pub fn all_params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.query
            .iter()
            .chain(self.form.iter())
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The first value of a parameter, from query or body.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.all_params().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// A parameter that must be present and non-empty (`MissingParameter` otherwise).
    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.param(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::missing(name))
    }

    /// An optional integer parameter; present but not an integer is `InvalidParameter`. An
    /// empty value counts as absent, as the SDKs send optional fields they do not set.
    pub fn optional_i64(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.param(name).map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| ApiError::invalid(name, format!("{v:?} is not an integer"))),
        }
    }

    /// A required integer parameter.
    pub fn required_i64(&self, name: &str) -> Result<i64, ApiError> {
        self.optional_i64(name)?
            .ok_or_else(|| ApiError::missing(name))
    }

    /// An optional string parameter, empty counting as absent.
    pub fn optional(&self, name: &str) -> Option<&str> {
        self.param(name).filter(|v| !v.is_empty())
    }

    /// Values of a repeat list `Name.1`, `Name.2`, … in index order.
    pub fn repeat_list(&self, name: &str) -> Vec<&str> {
        let prefix = format!("{name}.");
        let mut items: Vec<(u32, &str)> = self
            .all_params()
            .filter_map(|(k, v)| {
                k.strip_prefix(&prefix)
                    .and_then(|n| n.parse::<u32>().ok())
                    .map(|n| (n, v))
            })
            .collect();
        items.sort_by_key(|(n, _)| *n);
        items.into_iter().map(|(_, v)| v).collect()
    }
}

/// Decodes `a=1&b=x%20y` (also `+` as space, as HTML forms and most URL libraries encode it).
/// A pair without `=` has an empty value; empty segments are skipped.
pub fn parse_urlencoded(input: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    for seg in input.split(|&b| b == b'&') {
        if seg.is_empty() {
            continue;
        }
        let (k, v) = match seg.iter().position(|&b| b == b'=') {
            Some(i) => (&seg[..i], &seg[i + 1..]),
            None => (seg, &[][..]),
        };
        out.push((decode_component(k)?, decode_component(v)?));
    }
    Ok(out)
}

fn decode_component(s: &[u8]) -> Result<String, ApiError> {
    let malformed = || {
        ApiError::new(
            400,
            "InvalidParameter",
            "The request contains a malformed percent-encoding or non-UTF-8 parameter.",
        )
    };
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hi = s
                    .get(i + 1)
                    .and_then(|c| hex_val(*c))
                    .ok_or_else(malformed)?;
                let lo = s
                    .get(i + 2)
                    .and_then(|c| hex_val(*c))
                    .ok_or_else(malformed)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| malformed())
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_pairs() {
        let p = parse_urlencoded(b"a=1&b=x%20y+z&c&&d=%2B").unwrap();
        assert_eq!(
            p,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y z".into()),
                ("c".into(), "".into()),
                ("d".into(), "+".into()),
            ]
        );
    }

    #[test]
    fn rejects_bad_escapes() {
        assert!(parse_urlencoded(b"a=%zz").is_err());
        assert!(parse_urlencoded(b"a=%4").is_err());
        assert!(parse_urlencoded(b"a=%ff").is_err());
    }

    #[test]
    fn form_body_only_with_form_content_type() {
        let mut h = HeaderMap::new();
        let r = ApiRequest::parse("POST", Some("x=1"), h.clone(), b"y=2".to_vec()).unwrap();
        assert_eq!(r.param("y"), None);
        h.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
        );
        let r = ApiRequest::parse("POST", Some("x=1"), h, b"y=2".to_vec()).unwrap();
        assert_eq!(r.param("x"), Some("1"));
        assert_eq!(r.param("y"), Some("2"));
    }
}
