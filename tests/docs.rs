//! The committed docs/ must be what the schema generates, with no page the schema no longer
//! has. To regenerate after a schema or example change: `make docs` (UPDATE_DOCS=1 cargo test
//! --test docs), which also deletes orphaned pages. Guides (`docs/guides/`) are written by hand;
//! each must carry the front matter the Terraform Registry reads.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Hand-written pages live here; every other page is generated.
const GUIDES: &str = "guides";

/// Every `.md` below `dir`, relative to `root`.
fn markdown_below(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("docs dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            markdown_below(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path.strip_prefix(root).expect("below docs").to_path_buf());
        }
    }
}

#[test]
fn docs_match_the_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs = root.join("docs");
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let pages = alicloud_provider::docs::pages(&root.join("examples"));
    assert!(
        pages.iter().any(|p| p.path.starts_with("resources/"))
            && pages.iter().any(|p| p.path.starts_with("data-sources/")),
        "the schema generates resource and data source pages"
    );
    let mut stale = Vec::new();
    for page in &pages {
        let path = docs.join(&page.path);
        if update {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("docs dir");
            std::fs::write(&path, &page.content).expect("write doc");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(page.content.as_str()) {
            stale.push(page.path.clone());
        }
    }
    let generated: BTreeSet<PathBuf> = pages.iter().map(|p| PathBuf::from(&p.path)).collect();
    let mut found = Vec::new();
    markdown_below(&docs, &docs, &mut found);
    let mut orphans = Vec::new();
    for page in found {
        if page.starts_with(GUIDES) {
            let text = std::fs::read_to_string(docs.join(&page)).expect("guide");
            assert!(
                text.starts_with("---\npage_title: "),
                "{}: a guide starts with front matter naming its page_title",
                page.display()
            );
        } else if !generated.contains(&page) {
            if update {
                std::fs::remove_file(docs.join(&page)).expect("remove orphan");
            } else {
                orphans.push(page);
            }
        }
    }
    assert!(
        stale.is_empty() && orphans.is_empty(),
        "docs out of date with the schema: stale {stale:?}, no longer generated {orphans:?}; run `make docs`"
    );
}
