//! Percent-encoding and canonical parameter strings shared by both signers and the form body.
//!
//! Alibaba Cloud's rule (RFC 3986 unreserved set): UTF-8 bytes, `A-Z a-z 0-9 - _ . ~` literal,
//! every other byte `%XY` in upper-case hex — so space is `%20` (never `+`), `*` is `%2A` and
//! `~` stays. The form body is encoded with the same function, so the bytes we hash for V3 and the
//! parameters the server decodes for V2 are exactly the ones we signed.

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Encodes one name or value.
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for &b in input.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0x0f) as usize] as char);
        }
    }
    out
}

/// One name or value of a query or form: `%XY` and `+` decoded, anything malformed kept as it
/// is (for logs and tests, which must not fail on what a server would refuse).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `name=value` pairs sorted by name (then value, so duplicates are deterministic), each part
/// percent-encoded, joined by `&`. Used for the V3 canonical query, the V2 canonicalized string
/// and the form body.
pub fn canonical_params(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut out = String::new();
    for (i, (k, v)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&percent_encode(k));
        out.push('=');
        out.push_str(&percent_encode(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reserved_characters() {
        assert_eq!(percent_encode("a b"), "a%20b");
        assert_eq!(percent_encode("*"), "%2A");
        assert_eq!(percent_encode("~"), "~");
        assert_eq!(percent_encode("-_."), "-_.");
        assert_eq!(percent_encode("+/=&?#%"), "%2B%2F%3D%26%3F%23%25");
        assert_eq!(percent_encode("CI/CD"), "CI%2FCD");
        assert_eq!(
            percent_encode("[{\"namespace\":\"aa\"}]"),
            "%5B%7B%22namespace%22%3A%22aa%22%7D%5D"
        );
    }

    #[test]
    fn unicode_is_utf8_bytes() {
        assert_eq!(percent_encode("é"), "%C3%A9");
        assert_eq!(percent_encode("中"), "%E4%B8%AD");
        assert_eq!(percent_encode("😀"), "%F0%9F%98%80");
    }

    #[test]
    fn canonical_sorts_by_name() {
        let p = vec![
            ("b".to_string(), "2".to_string()),
            ("A".to_string(), "x y".to_string()),
            ("a".to_string(), "1".to_string()),
        ];
        assert_eq!(canonical_params(&p), "A=x%20y&a=1&b=2");
        assert_eq!(canonical_params(&[]), "");
    }

    /// Decodes `%XY` back to bytes: the inverse the server applies.
    fn decode(s: &str) -> Option<Vec<u8>> {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        Some(out)
    }

    proptest! {
        #[test]
        fn encoding_is_reversible_and_uses_only_safe_bytes(s in "\\PC*") {
            let e = percent_encode(&s);
            prop_assert!(e.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
            prop_assert!(!e.contains('+') && !e.contains(' ') && !e.contains('*'));
            prop_assert_eq!(decode(&e), Some(s.as_bytes().to_vec()));
            // hex digits are upper-case
            prop_assert!(!e.split('%').skip(1).any(|chunk| chunk.chars().take(2).any(|c| c.is_ascii_lowercase())));
        }

        #[test]
        fn canonical_params_ignore_insertion_order(
            mut params in proptest::collection::vec(("[A-Za-z.]{1,8}", "\\PC{0,12}"), 0..10),
            seed in any::<u64>(),
        ) {
            let before = canonical_params(&params);
            // a deterministic shuffle driven by the seed
            let n = params.len();
            if n > 1 {
                let mut x = seed;
                for i in (1..n).rev() {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    let j = (x >> 33) as usize % (i + 1);
                    params.swap(i, j);
                }
            }
            prop_assert_eq!(before, canonical_params(&params));
        }
    }
}
