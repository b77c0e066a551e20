//! Terraform's rules about what crosses the wire, apart from how it is encoded: a write-only
//! value never reaches a client that would store it, a stored state or identity from a newer
//! provider is refused, an import by identity names its object and gets that object. Each rule
//! is a pure function of the schema and the values, tested here.

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio_stream::Stream;

use super::core::ActionEvents;
use crate::framework::{ActionEvent, Block, Diagnostic, Diagnostics, IdentitySchema};
use crate::value::{AttributePath, Value};

/// A client that cannot keep write-only values out of state must not be given one: it would
/// store it. The error is at the argument's line and names the alternative (`x` for `x_wo`).
pub fn write_only_unsupported(block: &Block, config: &Value) -> Diagnostics {
    block
        .write_only_set(config)
        .map(|a| {
            let alternative = a
                .name
                .strip_suffix("_wo")
                .filter(|plain| block.find_attribute(plain).is_some())
                .map(|plain| format!(" Use `{plain}` instead, which works with every client (and is kept in state)."))
                .unwrap_or_default();
            Diagnostic::error(
                "Write-only argument not supported by this client",
                format!(
                    "`{}` is write-only: it is never stored in state. Terraform 1.11 and later and OpenTofu 1.11 and later support write-only arguments; this client does not, and would store the value.{alternative}",
                    a.name
                ),
            )
            .at(AttributePath::attr(&a.name))
        })
        .collect()
}

/// A stored state or identity (`what`) of schema `version` is one this provider, at `ours`,
/// can read: not one a newer release wrote.
pub fn known_version(
    what: &str,
    type_name: &str,
    version: i64,
    ours: i64,
) -> Result<(), Diagnostics> {
    if version <= ours {
        return Ok(());
    }
    Err(Diagnostic::error(
        format!("{type_name} {what} is from a newer provider"),
        format!(
            "The stored {what} has schema version {version}; this provider knows versions up to {ours}. It was written by a newer release of the provider: upgrade the provider to use it."
        ),
    )
    .into())
}

/// A stored identity must name its object: neither null nor partly unknown.
pub fn stored_identity(value: Value) -> Result<Value, Diagnostics> {
    if value.is_wholly_known() && !value.is_null() {
        Ok(value)
    } else {
        Err(Diagnostic::error("Invalid stored identity", "The stored identity is null.").into())
    }
}

/// An action's events as Terraform's client must read them (Terraform 1.14–1.16,
/// `internal/plugin6/grpc_provider.go`): an event with nothing in it makes the client panic, so
/// an empty progress message is dropped; the client takes a stream that closes without a
/// completion for a success it never reports, so a stream that ends without one (a task that
/// panicked) gets a completion with an error; and nothing follows the completion.
pub fn invoke_events<S>(said: S) -> ActionEvents
where
    S: Stream<Item = ActionEvent> + Send + Unpin + 'static,
{
    Box::pin(InvokeEvents { said, done: false })
}

struct InvokeEvents<S> {
    said: S,
    done: bool,
}

impl<S: Stream<Item = ActionEvent> + Unpin> Stream for InvokeEvents<S> {
    type Item = ActionEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ActionEvent>> {
        loop {
            if self.done {
                return Poll::Ready(None);
            }
            let event = match Pin::new(&mut self.said).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(event) => event,
            };
            match event {
                Some(ActionEvent::Progress(m)) if m.trim().is_empty() => continue,
                Some(progress @ ActionEvent::Progress(_)) => return Poll::Ready(Some(progress)),
                Some(completed @ ActionEvent::Completed(_)) => {
                    self.done = true;
                    return Poll::Ready(Some(completed));
                }
                None => {
                    self.done = true;
                    return Poll::Ready(Some(ActionEvent::Completed(
                        Diagnostic::error(
                            "The action ended without a result",
                            "The provider stopped before saying how the action ended, so it may or may not have taken effect; this is a bug in the provider.",
                        )
                        .into(),
                    )));
                }
            }
        }
    }
}

/// The block of a `list` block that holds the list resource's own configuration.
pub const LIST_CONFIG_BLOCK: &str = "config";

/// Diagnostics about a list resource's configuration, with paths Terraform can place.
/// Terraform sends only the contents of a `list` block's `config` block, but resolves the
/// paths of the answer's diagnostics against the whole `list` block, so a path from the
/// contents is taken from inside `config`; a diagnostic without a path stays on the block.
pub fn list_config_diagnostics(mut diagnostics: Diagnostics) -> Diagnostics {
    for d in &mut diagnostics.0 {
        if let Some(path) = d.attribute.as_mut().filter(|p| !p.is_root()) {
            *path = path.under(LIST_CONFIG_BLOCK);
        }
    }
    diagnostics
}

/// The id an `import` block's identity looks its object up by: its import attribute.
pub fn import_id(schema: &IdentitySchema, given: &Value) -> Result<String, Diagnostics> {
    let attribute = schema
        .import_attribute()
        .map(|a| a.name.as_str())
        .unwrap_or("id");
    match given.attr(attribute).as_str() {
        Some(id) if !id.is_empty() => Ok(id.to_string()),
        _ => Err(Diagnostic::error(
            "Incomplete identity",
            format!("An import by identity needs `{attribute}`."),
        )
        .into()),
    }
}

/// Attributes an import-by-identity gave that the object found does not have. Terraform shows
/// an import's diagnostics with no address or source line, so the message quotes the identity
/// as the import block writes it, and names the object by its import attribute.
pub fn identity_mismatch(schema: &IdentitySchema, given: &Value, state: &Value) -> Diagnostics {
    let text = |v: &Value| v.as_str().map_or("null".to_string(), |s| format!("{s:?}"));
    let written: Vec<String> = schema
        .attributes
        .iter()
        .filter(|a| !given.attr(&a.name).is_null())
        .map(|a| format!("{} = {}", a.name, text(given.attr(&a.name))))
        .collect();
    let by = schema
        .import_attribute()
        .map(|a| format!(", found by {} = {}", a.name, text(given.attr(&a.name))))
        .unwrap_or_default();
    schema
        .attributes
        .iter()
        .filter(|a| {
            let wanted = given.attr(&a.name);
            !wanted.is_null() && wanted != state.attr(&a.name)
        })
        .map(|a| {
            Diagnostic::error(
                format!("Imported object does not match the identity's {}", a.name),
                format!(
                    "The import block with identity {{ {} }} gives {} = {}, but the object it names{by} has {} = {}. Correct {} in that identity, or leave it out.",
                    written.join(", "),
                    a.name,
                    text(given.attr(&a.name)),
                    a.name,
                    text(state.attr(&a.name)),
                    a.name,
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::{Attribute, IdentityAttribute};
    use crate::value::Type;

    fn identity() -> IdentitySchema {
        let attr = |name: &str, required_for_import: bool| IdentityAttribute {
            name: name.into(),
            ty: Type::String,
            description: String::new(),
            required_for_import,
            optional_for_import: !required_for_import,
        };
        IdentitySchema {
            version: 0,
            attributes: vec![attr("id", true), attr("region", false)],
        }
    }

    /// The events of `said`, as the client reads them.
    fn read(said: Vec<ActionEvent>) -> Vec<ActionEvent> {
        use tokio_stream::StreamExt;
        let events = invoke_events(tokio_stream::iter(said));
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(events.collect())
    }

    #[test]
    fn an_invoke_stream_ends_with_exactly_one_completion_and_no_empty_event() {
        let done = ActionEvent::Completed(Diagnostics::new());
        let said = |m: &str| ActionEvent::Progress(m.into());
        assert_eq!(
            read(vec![
                said("one"),
                said(" "),
                said(""),
                said("two"),
                done.clone()
            ]),
            vec![said("one"), said("two"), done.clone()],
            "empty messages dropped"
        );
        assert_eq!(
            read(vec![done.clone(), said("late"), done.clone()]),
            vec![done.clone()],
            "nothing after the completion"
        );
        let ended = read(vec![said("one")]);
        assert_eq!(ended.len(), 2);
        assert!(
            matches!(&ended[1], ActionEvent::Completed(d) if d.has_errors()),
            "a stream that stops without a completion fails: {ended:?}"
        );
    }

    #[test]
    fn a_list_configs_diagnostics_point_inside_its_config_block() {
        let d: Diagnostics = vec![
            Diagnostic::error("bad", "x").at(AttributePath::attr("registry_type")),
            Diagnostic::error("whole", "y"),
        ]
        .into_iter()
        .collect();
        let d = list_config_diagnostics(d);
        assert_eq!(
            d.0[0].attribute,
            Some(AttributePath::attr("config").then_attr("registry_type"))
        );
        assert_eq!(d.0[1].attribute, None, "no path: the list block itself");
    }

    #[test]
    fn a_write_only_value_is_refused_at_its_line_with_the_alternative() {
        let block = Block::new("r")
            .attribute(Attribute::optional("password", Type::String, "p"))
            .attribute(Attribute::optional("password_wo", Type::String, "p").write_only())
            .attribute(Attribute::optional("token_wo", Type::String, "t").write_only());
        let config = Value::object([
            ("password", Value::Null),
            ("password_wo", Value::from("s")),
            ("token_wo", Value::Null),
        ]);
        let d = write_only_unsupported(&block, &config);
        assert_eq!(d.0.len(), 1, "only the one set");
        assert_eq!(d.0[0].attribute, Some(AttributePath::attr("password_wo")));
        assert!(d.0[0].detail.contains("Use `password` instead"));
        let unset = Value::object([
            ("password", Value::from("p")),
            ("password_wo", Value::Null),
            ("token_wo", Value::Null),
        ]);
        assert!(write_only_unsupported(&block, &unset).is_empty());
    }

    #[test]
    fn a_newer_version_is_refused_with_what_to_do() {
        assert!(known_version("state", "t", 1, 1).is_ok());
        assert!(known_version("state", "t", 0, 1).is_ok());
        let d = known_version("identity", "t", 2, 1).unwrap_err();
        assert_eq!(d.0[0].summary, "t identity is from a newer provider");
        assert!(d.0[0].detail.contains("upgrade the provider"));
    }

    #[test]
    fn an_identity_names_its_object_and_gets_that_object() {
        let schema = identity();
        assert!(stored_identity(Value::Null).is_err());
        assert!(stored_identity(Value::object([("id", Value::Unknown)])).is_err());
        let given = Value::object([("id", Value::from("42")), ("region", Value::from("cn-a"))]);
        assert_eq!(import_id(&schema, &given).ok().as_deref(), Some("42"));
        let no_id = Value::object([("id", Value::from("")), ("region", Value::Null)]);
        assert!(import_id(&schema, &no_id).is_err());
        let same = Value::object([("id", Value::from("42")), ("region", Value::from("cn-a"))]);
        assert!(identity_mismatch(&schema, &given, &same).is_empty());
        let elsewhere = Value::object([("id", Value::from("42")), ("region", Value::from("cn-b"))]);
        let d = identity_mismatch(&schema, &given, &elsewhere);
        assert_eq!(d.0.len(), 1);
        assert!(d.0[0].summary.ends_with("identity's region"));
        let detail = &d.0[0].detail;
        for part in [
            "identity { id = \"42\", region = \"cn-a\" }",
            "found by id = \"42\"",
            "has region = \"cn-b\"",
        ] {
            assert!(detail.contains(part), "{part:?} in {detail}");
        }
        let unsaid = Value::object([("id", Value::from("42")), ("region", Value::Null)]);
        assert!(
            identity_mismatch(&schema, &unsaid, &elsewhere).is_empty(),
            "an attribute not given is not checked"
        );
    }
}
