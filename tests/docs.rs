//! The committed docs/ must be what the schema generates. To regenerate after a schema or
//! example change: `make docs` (UPDATE_DOCS=1 cargo test --test docs).

use std::path::Path;

#[test]
fn docs_match_the_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for page in alicloud_provider::docs::pages(&root.join("examples")) {
        let path = root.join("docs").join(&page.path);
        if update {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("docs dir");
            std::fs::write(&path, &page.content).expect("write doc");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(page.content.as_str()) {
            stale.push(page.path);
        }
    }
    assert!(
        stale.is_empty(),
        "docs out of date with the schema: {stale:?}; run `make docs`"
    );
}
