//! Attribute validation that stays quiet about unknowns: a value still unknown at plan time is
//! judged at apply, when Terraform validates again with it known.

use super::{Diagnostic, Diagnostics};
use crate::value::AttributePath;

/// Collects diagnostics about one configuration object, each pointing at its attribute: for
/// rules across attributes, which read the configuration as a typed model (its `is_null` and
/// `is_unknown` tell an unset attribute from one known only at apply). A single attribute's
/// checks are declared on its model field ([`Spec`](super::model::Spec)).
#[derive(Debug, Default)]
pub struct Validator {
    pub diagnostics: Diagnostics,
}

impl Validator {
    pub fn error(&mut self, name: &str, summary: impl Into<String>, detail: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::error(summary, detail).at(AttributePath::attr(name)));
    }

    pub fn warning(&mut self, name: &str, summary: impl Into<String>, detail: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::warning(summary, detail).at(AttributePath::attr(name)));
    }
}

pub fn one_of(name: &str, value: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        let list = allowed
            .iter()
            .map(|a| format!("{a:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        Err(format!(
            "`{name}` must be one of {list}; got {}.",
            shown(value)
        ))
    }
}

pub fn int_range(name: &str, value: i64, min: i64, max: i64) -> Result<(), String> {
    if (min..=max).contains(&value) {
        Ok(())
    } else if max == i64::MAX {
        Err(format!("`{name}` must be at least {min}; got {value}."))
    } else {
        Err(format!(
            "`{name}` must be between {min} and {max}; got {value}."
        ))
    }
}

/// An IPv4 or IPv6 address, without port or brackets.
pub fn ip_address(name: &str, value: &str) -> Result<(), String> {
    value.parse::<std::net::IpAddr>().map(|_| ()).map_err(|_| {
        format!(
            "`{name}` must be an IPv4 or IPv6 address such as \"192.0.2.10\"; got {}.",
            shown(value)
        )
    })
}

/// A value quoted for a message: long ones are cut, so a pasted blob does not flood the output.
pub fn shown(value: &str) -> String {
    const LIMIT: usize = 80;
    match value.char_indices().nth(LIMIT) {
        None => format!("{value:?}"),
        Some((cut, _)) => format!(
            "{:?}… ({} characters)",
            &value[..cut],
            value.chars().count()
        ),
    }
}

/// A DNS host name (RFC 1123 labels), without scheme, port or path.
pub fn host_name(name: &str, value: &str) -> Result<(), String> {
    let bad = || {
        Err(format!(
            "`{name}` must be a host name such as \"registry.example.com\" (no scheme, port or path); got {}.",
            shown(value)
        ))
    };
    let trimmed = value.strip_suffix('.').unwrap_or(value);
    if trimmed.is_empty() || trimmed.len() > 253 {
        return bad();
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if trimmed.split('.').all(label_ok) {
        Ok(())
    } else {
        bad()
    }
}

/// A Go-style duration, as Terraform timeouts are written: `"30s"`, `"5m"`, `"1h30m"`.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let bad = || {
        format!(
            "{} is not a duration; write it like \"30s\", \"5m\" or \"1h30m\".",
            shown(text)
        )
    };
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let (num, tail) = rest.split_at(digits);
        let n: f64 = num.parse().map_err(|_| bad())?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale = match unit {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += n * scale;
        rest = tail;
    }
    // Go's time.Duration stops at about 292 years; so do we, rather than overflow a deadline.
    const LONGEST_SECONDS: f64 = 2_562_047.0 * 3600.0;
    if total > LONGEST_SECONDS {
        return Err(format!(
            "{} is longer than Terraform allows for a duration (2562047h).",
            shown(text)
        ));
    }
    std::time::Duration::try_from_secs_f64(total).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_host_names() {
        assert!(ip_address("ip", "192.0.2.1").is_ok());
        assert!(ip_address("ip", "2001:db8::1").is_ok());
        assert!(ip_address("ip", "192.0.2.300").is_err());
        assert!(ip_address("ip", "192.0.2.1:80").is_err());
        assert!(host_name("d", "registry.example.com").is_ok());
        assert!(host_name("d", "localhost").is_ok());
        assert!(host_name("d", "https://example.com").is_err());
        assert!(host_name("d", "example.com:5000").is_err());
        assert!(host_name("d", "-bad.example").is_err());
        assert!(host_name("d", "").is_err());
    }

    #[test]
    fn absurd_durations_are_errors_not_panics() {
        // Found by `make fuzz` (validators): Duration::from_secs_f64 panicked on this.
        let e = parse_duration("222222222222322222222222222m").unwrap_err();
        assert!(e.contains("longer than"), "{e}");
        assert!(parse_duration("2562047h").is_ok());
        assert!(parse_duration("2562048h").is_err());
        assert!(parse_duration(&format!("{}s", "9".repeat(400))).is_err());
        assert!(parse_duration("1.5.5s").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("5m"),
            Ok(std::time::Duration::from_secs(300))
        );
        assert_eq!(
            parse_duration("1h30m"),
            Ok(std::time::Duration::from_secs(5400))
        );
        assert_eq!(
            parse_duration("1.5s"),
            Ok(std::time::Duration::from_millis(1500))
        );
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("five minutes").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn a_rule_points_at_its_attribute_and_says_what_is_allowed() {
        let mut v = Validator::default();
        v.error("c", "Bad c", "why");
        assert_eq!(v.diagnostics.0[0].attribute, Some(AttributePath::attr("c")));
        assert_eq!(
            one_of("c", "nope", &["x", "y"]).unwrap_err(),
            "`c` must be one of \"x\", \"y\"; got \"nope\"."
        );
        assert_eq!(
            int_range("n", 0, 1, 65535).unwrap_err(),
            "`n` must be between 1 and 65535; got 0."
        );
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        assert_eq!(shown("ab"), "\"ab\"");
        let long = "é".repeat(5000);
        let m = shown(&long);
        assert!(m.starts_with(&format!("{:?}", "é".repeat(80))), "{m}");
        assert!(m.ends_with("… (5000 characters)"), "{m}");
        let e = host_name("domain_name", &"a".repeat(1 << 20)).unwrap_err();
        assert!(e.len() < 300, "{}", e.len());
    }
}
