//! The schema model: what attributes and blocks a provider, resource or data source has. The
//! value type of every block derives from it, so the codec and the schema can never disagree.

use std::collections::BTreeMap;

use crate::value::{Type, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
    /// What identifies one object of a managed resource across configurations (Terraform 1.12,
    /// OpenTofu 1.12); `None` for data sources and the provider.
    pub identity: Option<IdentitySchema>,
}

/// A resource's identity: a few attributes, each named like the state attribute it is read
/// from, so the framework fills it in from state in every answer.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentitySchema {
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IdentityAttribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    /// An `import` block by identity must give it; it is what the import looks the object up by.
    pub required_for_import: bool,
    /// An `import` block may give it; the imported object must then agree.
    pub optional_for_import: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Block {
    pub description: String,
    pub deprecated: bool,
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    pub deprecated: bool,
    /// Terraform ≥ 1.11 / OpenTofu ≥ 1.11: the value exists only in configuration; it is null
    /// in every state and plan we return (the framework sees to it).
    pub write_only: bool,
    /// A change of it cannot be made in place: the framework plans a replacement.
    pub requires_replace: bool,
    /// A JSON document: a rewrite that means the same (spacing, key order) is no change, and
    /// the framework plans the prior text.
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
    Map,
    Group,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NestedBlock {
    pub type_name: String,
    pub nesting: Nesting,
    pub block: Block,
    pub min_items: i64,
    pub max_items: i64,
}

impl Attribute {
    fn new(name: &str, ty: Type, description: &str) -> Self {
        Self {
            name: name.to_string(),
            ty,
            description: description.to_string(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            deprecated: false,
            write_only: false,
            requires_replace: false,
            json: false,
        }
    }

    pub fn required(name: &str, ty: Type, description: &str) -> Self {
        Self {
            required: true,
            ..Self::new(name, ty, description)
        }
    }

    pub fn optional(name: &str, ty: Type, description: &str) -> Self {
        Self {
            optional: true,
            ..Self::new(name, ty, description)
        }
    }

    pub fn computed(name: &str, ty: Type, description: &str) -> Self {
        Self {
            computed: true,
            ..Self::new(name, ty, description)
        }
    }

    /// Optional in configuration, filled in by the provider when left out.
    pub fn optional_computed(name: &str, ty: Type, description: &str) -> Self {
        Self {
            optional: true,
            computed: true,
            ..Self::new(name, ty, description)
        }
    }

    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Never stored: null in every state and plan, read from configuration at apply.
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    /// Changing it replaces the object.
    pub fn replaces(mut self) -> Self {
        self.requires_replace = true;
        self
    }

    /// Compared as JSON, not as text.
    pub fn json(mut self) -> Self {
        self.json = true;
        self
    }
}

impl IdentityAttribute {
    pub fn for_import(name: &str, ty: Type, description: &str) -> Self {
        Self {
            name: name.to_string(),
            ty,
            description: description.to_string(),
            required_for_import: true,
            optional_for_import: false,
        }
    }

    pub fn optional_for_import(name: &str, ty: Type, description: &str) -> Self {
        Self {
            optional_for_import: true,
            required_for_import: false,
            ..Self::for_import(name, ty, description)
        }
    }
}

impl IdentitySchema {
    pub fn new(version: i64, attributes: Vec<IdentityAttribute>) -> Self {
        Self {
            version,
            attributes,
        }
    }

    pub fn value_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .collect(),
        )
    }

    /// The identity of the object `state` describes, or `None` while any part of it is null or
    /// unknown (a create's plan): clients require an identity to be wholly known.
    pub fn of(&self, state: &Value) -> Option<Value> {
        if state.is_null() {
            return None;
        }
        let mut identity = Value::null_object(&self.value_type());
        for a in &self.attributes {
            let v = state.attr(&a.name);
            if !v.is_wholly_known() || v.is_null() {
                return None;
            }
            identity.set_attr(&a.name, v.clone());
        }
        Some(identity)
    }

    /// The attribute an import by identity looks the object up by.
    pub fn import_attribute(&self) -> Option<&IdentityAttribute> {
        self.attributes.iter().find(|a| a.required_for_import)
    }
}

impl Block {
    /// `value` with every write-only attribute null, as clients require of every state and plan.
    pub fn without_write_only(&self, value: &mut Value) {
        if !matches!(value, Value::Object(_)) {
            return;
        }
        for a in self.attributes.iter().filter(|a| a.write_only) {
            value.set_attr(&a.name, Value::Null);
        }
    }

    /// Write-only attributes the configuration sets (to a value, known or not).
    pub fn write_only_set<'a>(&'a self, config: &'a Value) -> impl Iterator<Item = &'a Attribute> {
        self.attributes
            .iter()
            .filter(move |a| a.write_only && !config.attr(&a.name).is_null())
    }

    /// Required attributes the configuration sets to `null`. Terraform accepts an explicit
    /// `null` for a required argument, so (as terraform-plugin-framework does) we refuse it
    /// at validate, at its line, rather than at apply. Unknown values are not judged.
    pub fn missing_required(&self, config: &Value) -> crate::framework::Diagnostics {
        self.attributes
            .iter()
            .filter(|a| a.required && config.attr(&a.name).is_null())
            .map(|a| {
                crate::framework::Diagnostic::error(
                    "Missing required argument",
                    format!(
                        "The argument `{}` is required and must not be null.",
                        a.name
                    ),
                )
                .at(crate::value::AttributePath::attr(&a.name))
            })
            .collect()
    }

    pub fn new(description: &str) -> Self {
        Self {
            description: description.to_string(),
            ..Self::default()
        }
    }

    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// Write-only attributes belong to the resource's own block: clients refuse them in
    /// set-nested blocks, and the framework nulls only top-level ones.
    pub fn block(mut self, block: NestedBlock) -> Self {
        assert!(
            block.block.attributes.iter().all(|a| !a.write_only),
            "write-only attributes must be top-level ({})",
            block.type_name
        );
        self.blocks.push(block);
        self
    }

    pub fn find_attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The object type of this block's values: attributes plus nested blocks by nesting mode.
    pub fn value_type(&self) -> Type {
        let mut attrs: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.ty.clone()))
            .collect();
        for nested in &self.blocks {
            let inner = nested.block.value_type();
            let ty = match nested.nesting {
                Nesting::Single | Nesting::Group => inner,
                Nesting::List => Type::list(inner),
                Nesting::Set => Type::set(inner),
                Nesting::Map => Type::map(inner),
            };
            attrs.insert(nested.type_name.clone(), ty);
        }
        Type::Object(attrs)
    }

    /// An all-null value of this block, with nested list and set blocks empty rather than null
    /// (Terraform never sends null for those).
    pub fn empty_value(&self) -> Value {
        let mut value = Value::null_object(&self.value_type());
        for nested in &self.blocks {
            let v = match nested.nesting {
                Nesting::List => Value::List(Vec::new()),
                Nesting::Set => Value::Set(Vec::new()),
                Nesting::Map => Value::Map(Default::default()),
                Nesting::Single | Nesting::Group => Value::Null,
            };
            value.set_attr(&nested.type_name, v);
        }
        value
    }
}

impl NestedBlock {
    pub fn single(type_name: &str, block: Block) -> Self {
        Self {
            type_name: type_name.to_string(),
            nesting: Nesting::Single,
            block,
            min_items: 0,
            max_items: 0,
        }
    }

    pub fn list(type_name: &str, block: Block, max_items: i64) -> Self {
        Self {
            nesting: Nesting::List,
            max_items,
            ..Self::single(type_name, block)
        }
    }
}

impl Schema {
    pub fn new(version: i64, block: Block) -> Self {
        Self {
            version,
            block,
            identity: None,
        }
    }

    /// A managed resource's schema with its identity; every identity attribute must be a
    /// state attribute of the same name and type.
    pub fn with_identity(mut self, identity: IdentitySchema) -> Self {
        for a in &identity.attributes {
            assert!(
                self.block
                    .find_attribute(&a.name)
                    .is_some_and(|s| s.ty == a.ty && !s.write_only),
                "identity attribute {} is not a state attribute of its type",
                a.name
            );
        }
        self.identity = Some(identity);
        self
    }

    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }

    /// Every attribute and block that lacks a description, as `path` strings (for tests: every
    /// attribute must explain itself in `terraform providers schema` and the generated docs).
    pub fn undocumented(&self) -> Vec<String> {
        fn walk(block: &Block, prefix: &str, out: &mut Vec<String>) {
            for a in &block.attributes {
                if a.description.trim().is_empty() {
                    out.push(format!("{prefix}{}", a.name));
                }
            }
            for b in &block.blocks {
                if b.block.description.trim().is_empty() {
                    out.push(format!("{prefix}{}", b.type_name));
                }
                walk(&b.block, &format!("{prefix}{}.", b.type_name), out);
            }
        }
        let mut out = Vec::new();
        walk(&self.block, "", &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_type_includes_blocks_by_nesting() {
        let block = Block::new("r")
            .attribute(Attribute::required("name", Type::String, "n"))
            .block(NestedBlock::single(
                "timeouts",
                Block::new("t").attribute(Attribute::optional("create", Type::String, "c")),
            ))
            .block(NestedBlock::list("rule", Block::new("r"), 0));
        assert_eq!(
            block.value_type(),
            Type::object([
                ("name", Type::String),
                ("timeouts", Type::object([("create", Type::String)])),
                (
                    "rule",
                    Type::list(Type::object(Vec::<(String, Type)>::new()))
                ),
            ])
        );
        let empty = block.empty_value();
        assert_eq!(empty.attr("rule"), &Value::List(vec![]));
        assert_eq!(empty.attr("timeouts"), &Value::Null);
    }
}
