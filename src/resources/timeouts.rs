//! The `timeouts { create update delete }` block every resource shares, with the official
//! provider's default of five minutes.

use std::time::Duration;

use tfplugin::framework::validate::parse_duration;
use tfplugin::framework::{Attribute, Block, Diagnostic, Diagnostics, NestedBlock};
use tfplugin::value::{AttributePath, Type, Value};

pub const DEFAULT: Duration = Duration::from_secs(5 * 60);

/// Deadline for reads (refresh, import, data sources), which have no configurable timeout.
pub const READ: Duration = DEFAULT;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

/// The block's name in every resource's schema; its attributes are the [`Operation`]s'.
const BLOCK: &str = "timeouts";

impl Operation {
    const ALL: [Operation; 3] = [Operation::Create, Operation::Update, Operation::Delete];

    fn attr(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }
}

pub fn block() -> NestedBlock {
    let block = Operation::ALL.iter().fold(
        Block::new("Time limits for each kind of change."),
        |block, op| {
            block.attribute(Attribute::optional(
                op.attr(),
                Type::String,
                &format!("How long to wait for the {}, including retries of throttled or failed API calls, as a duration like `\"10m\"`. Default `\"5m\"`.", op.attr()),
            ))
        },
    );
    NestedBlock::single(BLOCK, block)
}

/// The configured limit for `op`, or the default when unset or not yet known.
pub fn get(resource: &Value, op: Operation) -> Duration {
    resource
        .attr(BLOCK)
        .attr(op.attr())
        .as_str()
        .and_then(|s| parse_duration(s).ok())
        .unwrap_or(DEFAULT)
}

pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for op in Operation::ALL {
        if let Some(text) = config.attr(BLOCK).attr(op.attr()).as_str() {
            if let Err(detail) = parse_duration(text) {
                diags.push(
                    Diagnostic::error(format!("Invalid {} timeout", op.attr()), detail)
                        .at(AttributePath::attr(BLOCK).then_attr(op.attr())),
                );
            }
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let v = Value::object([("timeouts", Value::object([("create", Value::from("10m"))]))]);
        assert_eq!(get(&v, Operation::Create), Duration::from_secs(600));
        assert_eq!(get(&v, Operation::Delete), DEFAULT);
        assert_eq!(get(&Value::Null, Operation::Update), DEFAULT);
        let bad = Value::object([("timeouts", Value::object([("delete", Value::from("soon"))]))]);
        let d = validate(&bad);
        assert_eq!(d.0.len(), 1);
        assert_eq!(
            d.0[0].attribute,
            Some(AttributePath::attr("timeouts").then_attr("delete"))
        );
    }
}
