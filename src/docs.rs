//! Registry-format documentation, generated from the schema descriptions and `examples/`, so
//! docs and schema cannot disagree (a test compares them; `make docs` rewrites them).

use std::fmt::Write as _;
use std::path::Path;

use tfplugin::framework::{Attribute, Block, Nesting, ProviderRpcs};
use tfplugin::value::Type;

/// One generated page: its path under `docs/` and its content.
pub struct Page {
    pub path: String,
    pub content: String,
}

/// Every page, reading examples from `examples_dir`.
pub fn pages(examples_dir: &Path) -> Vec<Page> {
    let provider = crate::provider::new();
    let schema = provider.schema();
    let read = |rel: &str| std::fs::read_to_string(examples_dir.join(rel)).unwrap_or_default();
    // Prose that the schema cannot carry (behaviour, caveats) lives next to the examples.
    let templates = examples_dir
        .parent()
        .unwrap_or(examples_dir)
        .join("templates");
    let notes = |rel: &str| std::fs::read_to_string(templates.join(rel)).unwrap_or_default();
    let mut pages = vec![Page {
        path: "index.md".into(),
        content: index_page(&schema.provider.block, &read("provider/provider.tf")),
    }];
    let kinds = [
        (
            &schema.resources,
            "resources",
            "Resource",
            "resource.tf",
            true,
        ),
        (
            &schema.data_sources,
            "data-sources",
            "Data Source",
            "data-source.tf",
            false,
        ),
        (&schema.actions, "actions", "Action", "action.tf", false),
    ];
    for (types, dir, title, example, importable) in kinds {
        for (name, s) in types {
            let short = name.trim_start_matches("alicloud_");
            let import = importable.then(|| read(&format!("{dir}/{name}/import.sh")));
            pages.push(Page {
                path: format!("{dir}/{short}.md"),
                content: kind_page(
                    name,
                    title,
                    &s.block,
                    &read(&format!("{dir}/{name}/{example}")),
                    import.as_deref(),
                    &notes(&format!("{dir}/{name}.md")),
                ),
            });
        }
    }
    pages
}

fn front_matter(title: &str, description: &str) -> String {
    format!(
        "---\npage_title: \"{title}\"\nsubcategory: \"Security Center (Sas)\"\ndescription: |-\n  {}\n---\n\n",
        description.replace('\n', "\n  ")
    )
}

fn index_page(block: &Block, example: &str) -> String {
    let mut out = front_matter("alicloud-rs Provider", &block.description);
    out.push_str("# alicloud-rs Provider\n\n");
    out.push_str(&block.description);
    out.push_str("\n\nCredentials are looked up in this order: an AccessKey (the provider block, then the environment), `credentials_uri`, `ecs_role_name`, `assume_role_with_oidc` (or RRSA's `ALIBABA_CLOUD_OIDC_*` environment variables), then a profile of the shared credentials file; `assume_role` is chained on top of whichever yields credentials. The guide *Credentials in CI* shows keyless set-ups. No file is read and no API call is made until a resource needs one.\n\n");
    out.push_str(&format!(
        "## Example Usage\n\n```terraform\n{}\n```\n\n",
        example.trim_end()
    ));
    out.push_str(&schema_section(block));
    out
}

fn kind_page(
    name: &str,
    kind: &str,
    block: &Block,
    example: &str,
    import: Option<&str>,
    notes: &str,
) -> String {
    let mut out = front_matter(&format!("{name} {kind} - alicloud"), &block.description);
    out.push_str(&format!("# {name} ({kind})\n\n{}\n\n", block.description));
    out.push_str(&format!(
        "## Example Usage\n\n```terraform\n{}\n```\n\n",
        example.trim_end()
    ));
    out.push_str(&schema_section(block));
    if let Some(import) = import {
        out.push_str(&format!(
            "\n## Import\n\nImport is supported using the following syntax:\n\n```shell\n{}\n```\n",
            import.trim_end()
        ));
    }
    if !notes.trim().is_empty() {
        out.push('\n');
        out.push_str(notes.trim_end());
        out.push('\n');
    }
    out
}

fn type_name(ty: &Type) -> String {
    match ty {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(e) => format!("List of {}", type_name(e)),
        Type::Set(e) => format!("Set of {}", type_name(e)),
        Type::Map(e) => format!("Map of {}", type_name(e)),
        Type::Object(_) => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
    }
}

fn attribute_line(a: &Attribute) -> String {
    let sensitive = if a.sensitive { ", Sensitive" } else { "" };
    let write_only = if a.write_only { ", Write-only" } else { "" };
    format!(
        "- `{}` ({}{sensitive}{write_only}) {}\n",
        a.name,
        type_name(&a.ty),
        a.description
    )
}

fn schema_section(block: &Block) -> String {
    let mut out = String::from("## Schema\n");
    type Pick = fn(&Attribute) -> bool;
    let groups: [(&str, Pick); 3] = [
        ("Required", |a| a.required),
        ("Optional", |a| a.optional),
        ("Read-Only", |a| a.computed && !a.optional && !a.required),
    ];
    for (title, pick) in groups {
        let mut lines: Vec<String> = block
            .attributes
            .iter()
            .filter(|a| pick(a))
            .map(attribute_line)
            .collect();
        if title == "Optional" {
            for b in &block.blocks {
                let max = if b.nesting == Nesting::List && b.max_items > 0 {
                    format!(", Max: {}", b.max_items)
                } else {
                    String::new()
                };
                lines.push(format!(
                    "- `{}` (Block{max}) {} (see [below for nested schema](#nestedblock--{}))\n",
                    b.type_name, b.block.description, b.type_name
                ));
            }
        }
        lines.sort();
        if !lines.is_empty() {
            let _ = write!(out, "\n### {title}\n\n{}", lines.concat());
        }
    }
    for b in &block.blocks {
        let _ =
            write!(
            out,
            "\n<a id=\"nestedblock--{0}\"></a>\n### Nested Schema for `{0}`\n\nOptional:\n\n{1}",
            b.type_name,
            b.block.attributes.iter().map(attribute_line).collect::<String>()
        );
    }
    out
}
