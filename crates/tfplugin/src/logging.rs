//! Logs as hclog JSON lines on stderr, which is how go-plugin relays a provider's logs into
//! Terraform's own log at the right level (`TF_LOG=debug terraform plan`).
//!
//! The level comes from `TF_LOG_PROVIDER`, else `TF_LOG`; with neither set we log nothing, so an
//! ordinary run pays for no formatting at all.

use std::fmt::Write as _;
use std::io::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{filter::LevelFilter, Layer};

/// Maps Terraform's log level names to ours. `JSON` is Terraform's alias for trace.
pub fn level_from_env(provider: Option<&str>, global: Option<&str>) -> LevelFilter {
    let name = provider.filter(|s| !s.is_empty()).or(global).unwrap_or("");
    match name.trim().to_ascii_uppercase().as_str() {
        "TRACE" | "JSON" => LevelFilter::TRACE,
        "DEBUG" => LevelFilter::DEBUG,
        "INFO" => LevelFilter::INFO,
        "WARN" => LevelFilter::WARN,
        "ERROR" => LevelFilter::ERROR,
        "" | "OFF" => LevelFilter::OFF,
        // Any other non-empty value turns Terraform's logging on at trace.
        _ => LevelFilter::TRACE,
    }
}

/// Installs the hclog layer for this process. `module` names the provider in each line's
/// `@module` (`<module>.<target>`), as Terraform shows it.
pub fn init(module: &'static str) {
    let level = level_from_env(
        std::env::var("TF_LOG_PROVIDER").ok().as_deref(),
        std::env::var("TF_LOG").ok().as_deref(),
    );
    if level == LevelFilter::OFF {
        return;
    }
    let _ = tracing_subscriber::registry()
        .with(HclogLayer { module }.with_filter(level))
        .try_init();
}

struct HclogLayer {
    module: &'static str,
}

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let line = format_event(self.module, event);
        // A closed stderr must not take the provider down.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

fn hclog_level(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// `2006-01-02T15:04:05.000000Z07:00`, the timestamp layout hclog writes and go-plugin parses.
fn timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    now.format(&format).unwrap_or_default()
}

fn format_event(module: &str, event: &Event<'_>) -> String {
    let meta = event.metadata();
    let mut fields = JsonFields::default();
    event.record(&mut fields);
    let mut obj = serde_json::Map::new();
    obj.insert("@level".into(), hclog_level(meta.level()).into());
    obj.insert("@message".into(), fields.message.into());
    obj.insert(
        "@module".into(),
        format!("{module}.{}", meta.target().replace("::", ".")).into(),
    );
    obj.insert("@timestamp".into(), timestamp().into());
    for (k, v) in fields.rest {
        obj.insert(k, v);
    }
    let mut line = serde_json::Value::Object(obj).to_string();
    line.push('\n');
    line
}

#[derive(Default)]
struct JsonFields {
    message: String,
    rest: Vec<(String, serde_json::Value)>,
}

impl Visit for JsonFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.rest.push((field.name().to_string(), value.into()));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.rest.push((field.name().to_string(), value.into()));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.rest.push((field.name().to_string(), value.into()));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.rest.push((field.name().to_string(), value.into()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.rest.push((field.name().to_string(), text.into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_terraform_names() {
        assert_eq!(level_from_env(None, None), LevelFilter::OFF);
        assert_eq!(level_from_env(None, Some("debug")), LevelFilter::DEBUG);
        assert_eq!(
            level_from_env(Some("warn"), Some("trace")),
            LevelFilter::WARN
        );
        assert_eq!(level_from_env(Some(""), Some("INFO")), LevelFilter::INFO);
        assert_eq!(level_from_env(None, Some("json")), LevelFilter::TRACE);
        assert_eq!(level_from_env(None, Some("1")), LevelFilter::TRACE);
    }

    #[test]
    fn events_become_hclog_json_lines() {
        use std::sync::{Arc, Mutex};

        struct Capture(Arc<Mutex<Vec<String>>>);
        impl<S: Subscriber> Layer<S> for Capture {
            fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
                self.0.lock().unwrap().push(format_event("example", event));
            }
        }
        let lines = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(Capture(lines.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(
                action = "AddPrivateRegistry",
                attempt = 2,
                "calling the API"
            );
        });
        let line = lines.lock().unwrap().pop().unwrap();
        assert!(line.ends_with('\n'));
        let json: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(json["@level"], "debug");
        assert_eq!(json["@message"], "calling the API");
        assert_eq!(json["action"], "AddPrivateRegistry");
        assert_eq!(json["attempt"], 2);
        let ts = json["@timestamp"].as_str().unwrap();
        assert_eq!(ts.len(), "2006-01-02T15:04:05.000000Z".len(), "{ts}");
        assert!(json["@module"]
            .as_str()
            .unwrap()
            .starts_with("example.tfplugin.logging"));
    }
}
