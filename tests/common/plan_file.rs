//! The entries of a saved plan file (a zip, Deflate-compressed by Terraform), so a test can
//! look for a secret in what the plan file really holds, not in its compressed bytes.

use std::path::Path;

/// Each entry's name and uncompressed bytes.
pub fn entries(path: &Path) -> Vec<(String, Vec<u8>)> {
    let zip = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let u16_at = |at: usize| u16::from_le_bytes([zip[at], zip[at + 1]]) as usize;
    let u32_at = |at: usize| u32::from_le_bytes([zip[at], zip[at + 1], zip[at + 2], zip[at + 3]]);
    // The end-of-central-directory record is the last 22 bytes (Terraform writes no comment).
    let end = zip.len().checked_sub(22).expect("a zip file");
    assert_eq!(u32_at(end), 0x0605_4b50, "{}: not a zip", path.display());
    let (count, mut at) = (u16_at(end + 10), u32_at(end + 16) as usize);
    let mut out = Vec::new();
    for _ in 0..count {
        assert_eq!(u32_at(at), 0x0201_4b50, "central directory entry");
        let (method, size) = (u16_at(at + 10), u32_at(at + 20) as usize);
        let (name_len, extra_len, comment_len) =
            (u16_at(at + 28), u16_at(at + 30), u16_at(at + 32));
        let local = u32_at(at + 42) as usize;
        let name = String::from_utf8_lossy(&zip[at + 46..at + 46 + name_len]).into_owned();
        let data = local + 30 + u16_at(local + 26) + u16_at(local + 28);
        let raw = &zip[data..data + size];
        let bytes = match method {
            0 => raw.to_vec(),
            8 => miniz_oxide::inflate::decompress_to_vec(raw)
                .unwrap_or_else(|e| panic!("{name}: inflate: {e:?}")),
            other => panic!("{name}: compression method {other}"),
        };
        out.push((name, bytes));
        at += 46 + name_len + extra_len + comment_len;
    }
    out
}

/// How many times `needle` occurs in the plan file's entries, uncompressed.
pub fn occurrences(path: &Path, needle: &str) -> usize {
    entries(path)
        .iter()
        .map(|(_, bytes)| {
            bytes
                .windows(needle.len())
                .filter(|w| *w == needle.as_bytes())
                .count()
        })
        .sum()
}
