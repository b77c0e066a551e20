//! Where each API lives: the Sas region rule, the override order, and host validation.
//!
//! Endpoints are hosts (`host[:port]`); the scheme comes from the `protocol` argument, so one
//! setting switches every API (and the emulator can be reached over plain HTTP).

/// STS has one global endpoint.
pub const DEFAULT_STS_HOST: &str = "sts.aliyuncs.com";
/// The ECS instance metadata service, reachable only from inside an instance.
pub const DEFAULT_ECS_METADATA_HOST: &str = "100.100.100.200";

/// `HTTPS` (default) or `HTTP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    #[default]
    Https,
    Http,
}

impl Protocol {
    /// `protocol`'s values, as the provider block spells them.
    pub const NAMES: [(&'static str, Protocol); 2] =
        [("HTTPS", Protocol::Https), ("HTTP", Protocol::Http)];

    pub fn scheme(self) -> &'static str {
        match self {
            Protocol::Https => "https",
            Protocol::Http => "http",
        }
    }
}

/// The official provider's convention: one mainland endpoint, and the Singapore endpoint for
/// Hong Kong and every region outside the mainland.
pub fn sas_host_for_region(region: &str) -> String {
    if region.starts_with("cn-") && region != "cn-hongkong" {
        "tds.aliyuncs.com".to_string()
    } else {
        "tds.ap-southeast-1.aliyuncs.com".to_string()
    }
}

/// Where the Sas endpoint came from, for logs and diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointOrigin {
    Environment(&'static str),
    ProviderBlock,
    RegionRule,
}

/// Applies the override order: `ALIBABA_CLOUD_ENDPOINT_SAS`, then `SAS_ENDPOINT`, then
/// `endpoints { sas }`, then the region rule.
pub fn resolve_sas_host(
    env: &dyn Fn(&str) -> Option<String>,
    block: Option<&str>,
    region: &str,
) -> (String, EndpointOrigin) {
    for name in ["ALIBABA_CLOUD_ENDPOINT_SAS", "SAS_ENDPOINT"] {
        if let Some(v) = env(name).filter(|v| !v.trim().is_empty()) {
            return (v.trim().to_string(), EndpointOrigin::Environment(name));
        }
    }
    if let Some(v) = block.filter(|v| !v.trim().is_empty()) {
        return (v.trim().to_string(), EndpointOrigin::ProviderBlock);
    }
    (sas_host_for_region(region), EndpointOrigin::RegionRule)
}

/// Checks that `value` is `host[:port]`: no scheme, path, user info or whitespace.
pub fn validate_host(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("must not be empty".into());
    }
    if value.contains("://") {
        return Err(format!(
            "{value:?} must be a host or host:port without a scheme; the scheme comes from the protocol argument"
        ));
    }
    if value
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '/' | '?' | '#' | '@'))
    {
        return Err(format!("{value:?} must be a host or host:port"));
    }
    let (host, port) = match value.rsplit_once(':') {
        // a bracketed IPv6 literal without a port
        Some((h, p)) if !value.ends_with(']') => (h, Some(p)),
        _ => (value, None),
    };
    if host.is_empty() {
        return Err(format!("{value:?} has no host"));
    }
    if let Some(p) = port {
        match p.parse::<u16>() {
            Ok(n) if n > 0 => {}
            _ => return Err(format!("{value:?} has an invalid port {p:?}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn region_rule() {
        assert_eq!(sas_host_for_region("cn-hangzhou"), "tds.aliyuncs.com");
        assert_eq!(sas_host_for_region("cn-beijing"), "tds.aliyuncs.com");
        assert_eq!(
            sas_host_for_region("cn-hongkong"),
            "tds.ap-southeast-1.aliyuncs.com"
        );
        assert_eq!(
            sas_host_for_region("ap-southeast-1"),
            "tds.ap-southeast-1.aliyuncs.com"
        );
        assert_eq!(
            sas_host_for_region("eu-central-1"),
            "tds.ap-southeast-1.aliyuncs.com"
        );
    }

    #[test]
    fn override_order() {
        let mut m: HashMap<&'static str, &'static str> = HashMap::new();
        fn lookup(m: &HashMap<&'static str, &'static str>) -> impl Fn(&str) -> Option<String> {
            let m = m.clone();
            move |k: &str| m.get(k).map(|v| v.to_string())
        }
        assert_eq!(
            resolve_sas_host(&lookup(&m), None, "cn-hangzhou"),
            ("tds.aliyuncs.com".into(), EndpointOrigin::RegionRule)
        );
        assert_eq!(
            resolve_sas_host(&lookup(&m), Some("block:1"), "cn-hangzhou").0,
            "block:1"
        );
        m.insert("SAS_ENDPOINT", "legacy:2");
        assert_eq!(
            resolve_sas_host(&lookup(&m), Some("block:1"), "cn-hangzhou").0,
            "legacy:2"
        );
        m.insert("ALIBABA_CLOUD_ENDPOINT_SAS", "new:3");
        assert_eq!(
            resolve_sas_host(&lookup(&m), Some("block:1"), "cn-hangzhou"),
            (
                "new:3".into(),
                EndpointOrigin::Environment("ALIBABA_CLOUD_ENDPOINT_SAS")
            )
        );
    }

    #[test]
    fn host_validation() {
        for ok in [
            "tds.aliyuncs.com",
            "127.0.0.1:8080",
            "localhost",
            "[::1]",
            "[::1]:80",
        ] {
            assert_eq!(validate_host(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "https://tds.aliyuncs.com",
            "host/path",
            "host:0",
            "host:99999",
            "host:x",
            ":80",
            "a b",
        ] {
            assert!(validate_host(bad).is_err(), "{bad}");
        }
    }
}
