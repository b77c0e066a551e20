//! Identifiers and timestamps in the shapes the real service uses: upper-case request ids,
//! UUID v4 registry tokens, STS-looking temporary keys, and the three time formats on the wire.

use rand::distr::{Alphanumeric, SampleString};
use rand::Rng;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// A random UUID v4, lower case (`3c3c602c-fa1f-4bc0-992f-b4b2cac7a1b2`): registry tokens.
pub fn uuid_v4() -> String {
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A request id in the service's upper-case UUID form.
pub fn request_id() -> String {
    uuid_v4().to_ascii_uppercase()
}

/// A random alphanumeric string of `len` characters (temporary keys and tokens).
pub fn random_alnum(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), len)
}

/// Formats `YYYY-MM-DDTHH:MM:SSZ` (signature timestamps, STS/ECS expirations).
pub fn format_iso_seconds(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
    ))
    .unwrap_or_default()
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` strictly (UTC only).
pub fn parse_iso_seconds(s: &str) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(
        s,
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z"),
    )
    .ok()
    .map(PrimitiveDateTime::assume_utc)
}

/// Formats `yyyy-MM-dd HH:mm:ss` (the `GmtCreate`/`GmtModified` fields of registry lists).
pub fn format_gmt(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second]"
    ))
    .unwrap_or_default()
}

/// RFC 3339 with fractional seconds, for the request log.
pub fn format_rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4');
        assert_ne!(uuid_v4(), u);
        let r = request_id();
        assert!(r
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || c.is_ascii_uppercase()));
    }

    #[test]
    fn iso_round_trip() {
        let t = parse_iso_seconds("2016-02-23T12:46:24Z").unwrap();
        assert_eq!(format_iso_seconds(t), "2016-02-23T12:46:24Z");
        assert_eq!(format_gmt(t), "2016-02-23 12:46:24");
        assert!(parse_iso_seconds("2016-02-23T12:46:24").is_none());
        assert!(parse_iso_seconds("2016-02-23 12:46:24Z").is_none());
        assert!(parse_iso_seconds("2016-02-23T12:46:24.123Z").is_none());
    }
}
