//! Attribute paths, which let a diagnostic point Terraform at the exact line of configuration.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    Attribute(String),
    ElementKeyString(String),
    ElementKeyInt(i64),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AttributePath {
    pub steps: Vec<PathStep>,
}

impl AttributePath {
    pub fn root() -> Self {
        Self::default()
    }

    pub fn attr(name: &str) -> Self {
        Self::root().then_attr(name)
    }

    pub fn then_attr(&self, name: &str) -> Self {
        self.then(PathStep::Attribute(name.to_string()))
    }

    pub fn then_key(&self, key: &str) -> Self {
        self.then(PathStep::ElementKeyString(key.to_string()))
    }

    pub fn then_index(&self, index: i64) -> Self {
        self.then(PathStep::ElementKeyInt(index))
    }

    fn then(&self, step: PathStep) -> Self {
        let mut steps = self.steps.clone();
        steps.push(step);
        Self { steps }
    }

    /// This path taken from inside attribute or block `parent`.
    pub fn under(&self, parent: &str) -> Self {
        let mut steps = vec![PathStep::Attribute(parent.to_string())];
        steps.extend(self.steps.iter().cloned());
        Self { steps }
    }

    pub fn is_root(&self) -> bool {
        self.steps.is_empty()
    }
}

impl fmt::Display for AttributePath {
    /// Terraform's own notation: `timeouts.create`, `tags["env"]`, `rule[0]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.steps.is_empty() {
            return f.write_str("(root)");
        }
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if i == 0 => f.write_str(name)?,
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::ElementKeyString(k) => write!(f, "[{k:?}]")?,
                PathStep::ElementKeyInt(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_terraform() {
        let p = AttributePath::attr("timeouts").then_attr("create");
        assert_eq!(p.to_string(), "timeouts.create");
        assert_eq!(
            AttributePath::attr("tags").then_key("env").to_string(),
            r#"tags["env"]"#
        );
        assert_eq!(
            AttributePath::attr("rule").then_index(0).to_string(),
            "rule[0]"
        );
        assert_eq!(AttributePath::root().to_string(), "(root)");
    }
}
