//! The server between the protocol-neutral [`ProviderRpcs`] the adapters call and the resources a
//! provider registers, in the spirit of terraform-plugin-framework's `fwserver`: dispatch by
//! type name, planning by the schema's flags, the resource's checks again at apply, the
//! apply's choice among create, update and delete, the prior state kept when an operation
//! fails, and no call to the provider's client while its configuration is not wholly known.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use tokio::sync::mpsc;

use super::plan;
use super::provider::{
    decode_stored, stored_json, ActionEvent, ApplyRequest, ApplyResponse, ImportResponse,
    ImportedResource, ListEvent, ListRequest, PlanRequest, PlanResponse, ProviderRpcs,
    ProviderSchema, ReadDataRequest, ReadRequest, ReadResponse, UpgradeRequest,
};
use super::resource::{
    Action, DataSource, Found, ListResource, Progress, ProviderDefinition, Resource,
};
use super::{Block, Diagnostic, Diagnostics, Private};
use crate::value::Value;

pub struct ProviderServer<D: ProviderDefinition> {
    definition: D,
    schema: ProviderSchema,
    resources: BTreeMap<&'static str, Box<dyn Resource<D::Client>>>,
    data_sources: BTreeMap<&'static str, Box<dyn DataSource<D::Client>>>,
    list_resources: BTreeMap<&'static str, Box<dyn ListResource<D::Client>>>,
    actions: BTreeMap<&'static str, Box<dyn Action<D::Client>>>,
    /// Set by ConfigureProvider; Terraform configures a provider process once, and a repeat
    /// keeps the first.
    configured: OnceLock<Configured<D::Client>>,
}

/// A resource type and the client its operations get.
type Served<'a, D> = (
    &'a dyn Resource<<D as ProviderDefinition>::Client>,
    &'a <D as ProviderDefinition>::Client,
);

/// What ConfigureProvider left.
enum Configured<C> {
    Ready(C),
    /// These arguments are unknown until apply (Terraform still configures and reads during
    /// plan). Defaults in their place could act on another account or region and drop, or
    /// plan to re-create, what is there, so nothing calls the client.
    Unknown(Vec<String>),
}

impl<D: ProviderDefinition> ProviderServer<D> {
    pub fn new(definition: D) -> Self {
        let resources: BTreeMap<_, _> = definition
            .resources()
            .into_iter()
            .map(|r| (r.type_name(), r))
            .collect();
        let data_sources: BTreeMap<_, _> = definition
            .data_sources()
            .into_iter()
            .map(|d| (d.type_name(), d))
            .collect();
        let list_resources: BTreeMap<_, _> = definition
            .list_resources()
            .into_iter()
            .map(|l| (l.type_name(), l))
            .collect();
        let actions: BTreeMap<_, _> = definition
            .actions()
            .into_iter()
            .map(|a| (a.type_name(), a))
            .collect();
        let schema = ProviderSchema {
            provider: definition.schema(),
            resources: resources
                .iter()
                .map(|(name, r)| (name.to_string(), r.schema()))
                .collect(),
            data_sources: data_sources
                .iter()
                .map(|(name, d)| (name.to_string(), d.schema()))
                .collect(),
            list_resources: list_resources
                .iter()
                .map(|(name, l)| (name.to_string(), l.schema()))
                .collect(),
            actions: actions
                .iter()
                .map(|(name, a)| (name.to_string(), a.schema()))
                .collect(),
            capabilities: definition.capabilities(),
        };
        Self {
            definition,
            schema,
            resources,
            data_sources,
            list_resources,
            actions,
            configured: OnceLock::new(),
        }
    }

    /// The client, or why there is none.
    fn client(&self) -> Result<&D::Client, Diagnostics> {
        match self.configured.get() {
            Some(Configured::Ready(c)) => Ok(c),
            Some(Configured::Unknown(arguments)) => Err(configuration_unknown(arguments)),
            None => Err(Diagnostic::error(
                "Provider not configured",
                "Terraform called the provider before configuring it; this is a bug.",
            )
            .into()),
        }
    }

    fn configuration_is_unknown(&self) -> bool {
        matches!(self.configured.get(), Some(Configured::Unknown(_)))
    }

    /// The resource type and the client for an operation that calls the API.
    fn resource_and_client(&self, type_name: &str) -> Result<Served<'_, D>, Diagnostics> {
        let (resource, _) = self.resource(type_name)?;
        Ok((resource, self.client()?))
    }

    fn resource(&self, type_name: &str) -> Result<(&dyn Resource<D::Client>, &Block), Diagnostics> {
        match (
            self.resources.get(type_name),
            self.schema.resources.get(type_name),
        ) {
            (Some(r), Some(s)) => Ok((r.as_ref(), &s.block)),
            _ => Err(not_served(type_name)),
        }
    }
}

/// Core checks type names against the schema before calling in, so this is a bug.
fn not_served(type_name: &str) -> Diagnostics {
    Diagnostic::error(
        "Unknown type",
        format!("{type_name} is not served by this provider"),
    )
    .into()
}

/// The arguments of a provider block that are not known yet: `name`, or `block.name` inside a
/// nested block.
fn unknown_arguments(config: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Value::Object(attrs) = config else {
        return out;
    };
    for (name, value) in attrs {
        match value {
            Value::Unknown => out.push(name.clone()),
            Value::List(items) | Value::Set(items) => {
                for item in items {
                    match item {
                        Value::Unknown => out.push(name.clone()),
                        Value::Object(inner) => out.extend(
                            inner
                                .iter()
                                .filter(|(_, v)| !v.is_wholly_known())
                                .map(|(k, _)| format!("{name}.{k}")),
                        ),
                        _ => {}
                    }
                }
            }
            other if !other.is_wholly_known() => out.push(name.clone()),
            _ => {}
        }
    }
    out
}

fn configuration_unknown(arguments: &[String]) -> Diagnostics {
    let names: Vec<String> = arguments.iter().map(|a| format!("`{a}`")).collect();
    Diagnostic::error(
        "Provider configuration not known yet",
        format!(
            "The provider's {} will only be known during apply, so the API cannot be called yet: with defaults in their place this could read another region or account. Give {} a value known at plan time, or apply what it depends on first (for example with -target).",
            names.join(", "),
            if names.len() == 1 { "it" } else { "them" }
        ),
    )
    .into()
}

impl<D: ProviderDefinition> ProviderRpcs for ProviderServer<D> {
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn validate_provider_config(&self, config: &Value) -> Diagnostics {
        self.definition.validate(config)
    }

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.resource(type_name) {
            Ok((r, _)) => r.validate(config),
            Err(d) => d,
        }
    }

    fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.data_sources.get(type_name) {
            Some(d) => d.validate(config),
            None => not_served(type_name),
        }
    }

    fn configure(&self, config: &Value, terraform_version: &str) -> Diagnostics {
        let unknown = unknown_arguments(config);
        if !unknown.is_empty() {
            tracing::info!(unknown = ?unknown, "provider configuration not wholly known; no API calls until apply");
            let _ = self.configured.set(Configured::Unknown(unknown));
            return Diagnostics::new();
        }
        match self.definition.configure(config, terraform_version) {
            Ok(client) => {
                let _ = self.configured.set(Configured::Ready(client));
                Diagnostics::new()
            }
            Err(d) => d,
        }
    }

    /// Each version step the resource defines, oldest first, then the current schema's decoding.
    fn upgrade_resource_state(&self, req: UpgradeRequest) -> (Value, Diagnostics) {
        let upgraded = self.resource(&req.type_name).and_then(|(resource, _)| {
            let schema = &self.schema.resources[&req.type_name];
            let mut raw = stored_json(req.raw_json.as_deref())?;
            if req.version < schema.version {
                let mut state = serde_json::from_slice(&raw).map_err(|e| {
                    Diagnostics::from(Diagnostic::error(
                        "Stored state is not a JSON object",
                        e.to_string(),
                    ))
                })?;
                for version in req.version..schema.version {
                    state = resource.upgrade_state(version, state)?;
                }
                raw = serde_json::to_vec(&state).unwrap_or_default();
            }
            decode_stored(&raw, schema)
        });
        match upgraded {
            Ok(v) => (v, Diagnostics::new()),
            Err(d) => (Value::Null, d),
        }
    }

    async fn read_resource(&self, req: ReadRequest) -> ReadResponse {
        let kept = |diagnostics| ReadResponse {
            new_state: req.current_state.clone(),
            private: req.private.clone(),
            diagnostics,
        };
        // With the configuration unknown, what is in state stays as it is until apply.
        if self.configuration_is_unknown() {
            return kept(Diagnostics::new());
        }
        let (resource, client) = match self.resource_and_client(&req.type_name) {
            Ok(found) => found,
            Err(d) => return kept(d),
        };
        let mut private = Private::decode(&req.private);
        match resource
            .read(client, &req.current_state, &mut private)
            .await
        {
            Ok(Some(state)) => ReadResponse {
                new_state: state,
                private: private.encode(),
                diagnostics: Diagnostics::new(),
            },
            Ok(None) => ReadResponse::default(),
            Err(d) => kept(d),
        }
    }

    async fn plan_resource_change(&self, req: PlanRequest) -> PlanResponse {
        let (resource, block) = match self.resource(&req.type_name) {
            Ok(found) => found,
            Err(diagnostics) => {
                return PlanResponse {
                    diagnostics,
                    ..Default::default()
                }
            }
        };
        if req.proposed_new_state.is_null() {
            return PlanResponse {
                planned_state: Value::Null,
                planned_private: req.prior_private,
                ..Default::default()
            };
        }
        let mut plan = plan::by_flags(
            block,
            &req.prior_state,
            &req.proposed_new_state,
            &req.config,
        );
        resource.modify_plan(self.client().ok(), &mut plan);
        PlanResponse {
            planned_state: plan.planned,
            requires_replace: plan.requires_replace,
            planned_private: req.prior_private,
            diagnostics: plan.diagnostics,
        }
    }

    async fn apply_resource_change(&self, req: ApplyRequest) -> ApplyResponse {
        let keep_prior = |diagnostics| ApplyResponse {
            new_state: req.prior_state.clone(),
            private: req.planned_private.clone(),
            diagnostics,
        };
        let (resource, client) = match self.resource_and_client(&req.type_name) {
            Ok(found) => found,
            Err(d) => return keep_prior(d),
        };
        let destroy = req.planned_state.is_null();
        if !destroy {
            // Values unknown at plan time are known now: judge them before any call.
            let checks = resource.validate(&req.config);
            if checks.has_errors() {
                return keep_prior(checks);
            }
        }
        if req.prior_state.is_null() {
            let made = resource
                .create(client, &req.planned_state, &req.config)
                .await;
            return ApplyResponse {
                new_state: made.state,
                private: made.private.map_or(req.planned_private, |p| p.encode()),
                diagnostics: made.diagnostics,
            };
        }
        if !destroy {
            let done = resource
                .update(client, &req.prior_state, &req.planned_state, &req.config)
                .await;
            let new_state = match done.state {
                Value::Null => req.prior_state,
                state => state,
            };
            return ApplyResponse {
                new_state,
                private: done.private.map_or(req.planned_private, |p| p.encode()),
                diagnostics: done.diagnostics,
            };
        }
        match resource.delete(client, &req.prior_state).await {
            Ok(()) => ApplyResponse {
                new_state: Value::Null,
                private: req.planned_private,
                diagnostics: Diagnostics::new(),
            },
            Err(d) => keep_prior(d),
        }
    }

    async fn import_resource_state(&self, type_name: &str, id: &str) -> ImportResponse {
        let found = self.resource_and_client(type_name);
        let imported = match found {
            Ok((resource, client)) => resource.import(client, id).await,
            Err(d) => Err(d),
        };
        match imported {
            Ok(state) => ImportResponse {
                imported: vec![ImportedResource {
                    type_name: type_name.to_string(),
                    state,
                    private: Vec::new(),
                }],
                diagnostics: Diagnostics::new(),
            },
            Err(diagnostics) => ImportResponse {
                diagnostics,
                ..Default::default()
            },
        }
    }

    async fn read_data_source(&self, req: ReadDataRequest) -> ReadResponse {
        let Some(data_source) = self.data_sources.get(req.type_name.as_str()) else {
            return ReadResponse {
                diagnostics: not_served(&req.type_name),
                ..Default::default()
            };
        };
        let read = match self.client() {
            Ok(client) => data_source.read(client, &req.config).await,
            Err(d) => Err(d),
        };
        match read {
            Ok(new_state) => ReadResponse {
                new_state,
                ..Default::default()
            },
            Err(diagnostics) => ReadResponse {
                diagnostics,
                ..Default::default()
            },
        }
    }

    fn validate_list_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.list_resources.get(type_name) {
            Some(l) => l.validate(config),
            None => not_served(type_name),
        }
    }

    async fn list_resource(&self, req: ListRequest, events: mpsc::Sender<ListEvent>) {
        let listed = match (
            self.list_resources.get(req.type_name.as_str()),
            self.client(),
        ) {
            (None, _) => Err(not_served(&req.type_name)),
            (_, Err(d)) => Err(d),
            (Some(list), Ok(client)) => {
                let mut found = Found::new(events.clone(), req.limit, req.include_resource);
                list.list(client, &req.config, &mut found).await
            }
        };
        if let Err(diagnostics) = listed {
            let failed = ListEvent {
                diagnostics,
                ..Default::default()
            };
            // A client that stopped reading needs no error.
            let _ = events.send(failed).await;
        }
    }

    fn validate_action_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.actions.get(type_name) {
            Some(a) => a.validate(config),
            None => not_served(type_name),
        }
    }

    fn plan_action(&self, type_name: &str, config: &Value) -> Diagnostics {
        let Some(action) = self.actions.get(type_name) else {
            return not_served(type_name);
        };
        let mut d = action.validate(config);
        if !d.has_errors() {
            d.extend(action.plan(self.client().ok(), config));
        }
        d
    }

    /// The action's checks again, every value known now, then the action; its completion is
    /// sent whatever happened, so the client always learns how it ended.
    async fn invoke_action(
        &self,
        type_name: &str,
        config: &Value,
        events: mpsc::Sender<ActionEvent>,
    ) {
        let ended = match (self.actions.get(type_name), self.client()) {
            (None, _) => Err(not_served(type_name)),
            (_, Err(d)) => Err(d),
            (Some(action), Ok(client)) => {
                // Its warnings were shown when the action was planned.
                let checked = action.validate(config);
                if checked.has_errors() {
                    Err(checked)
                } else {
                    let progress = Progress::new(events.clone());
                    action.invoke(client, config, &progress).await
                }
            }
        };
        let diagnostics = ended.err().unwrap_or_default();
        // A client that stopped reading needs no completion.
        let _ = events.send(ActionEvent::Completed(diagnostics)).await;
    }

    fn generate_resource_config(&self, type_name: &str, state: &Value) -> (Value, Diagnostics) {
        let generated = self.resource(type_name).and_then(|(resource, _)| {
            resource.generate_config(&self.schema.resources[type_name], state)
        });
        match generated {
            Ok(config) => (config, Diagnostics::new()),
            Err(d) => (Value::Null, d),
        }
    }

    fn stop(&self) {
        tracing::info!("StopProvider: cancelling in-flight work");
        self.definition.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::{async_trait, Attribute, Outcome, Schema, TerraformType};
    use crate::value::Type;

    /// A resource at schema version 2 whose `title` was `name` in version 0, and whose `size`
    /// came in version 2 as a number where version 1 had text.
    struct Renamed;

    impl TerraformType for Renamed {
        fn type_name(&self) -> &'static str {
            "test_renamed"
        }

        fn schema(&self) -> Schema {
            Schema::new(
                2,
                Block::new("r")
                    .attribute(Attribute::required("title", Type::String, "t"))
                    .attribute(Attribute::optional("size", Type::Number, "s")),
            )
        }
    }

    #[async_trait]
    impl Resource<()> for Renamed {
        fn upgrade_state(
            &self,
            version: i64,
            mut state: serde_json::Map<String, serde_json::Value>,
        ) -> Result<serde_json::Map<String, serde_json::Value>, Diagnostics> {
            match version {
                0 => {
                    let name = state.remove("name").unwrap_or_default();
                    state.insert("title".into(), name);
                }
                1 => {
                    let size = state
                        .get("size")
                        .and_then(|s| s.as_str()?.parse::<i64>().ok());
                    state.insert("size".into(), size.into());
                }
                _ => unreachable!("no step from {version}"),
            }
            Ok(state)
        }

        async fn create(&self, _: &(), _: &Value, _: &Value) -> Outcome {
            Outcome::default()
        }

        async fn read(
            &self,
            _: &(),
            v: &Value,
            _: &mut Private,
        ) -> Result<Option<Value>, Diagnostics> {
            Ok(Some(v.clone()))
        }

        async fn update(&self, _: &(), _: &Value, _: &Value, _: &Value) -> Outcome {
            Outcome::default()
        }

        async fn delete(&self, _: &(), _: &Value) -> Result<(), Diagnostics> {
            Ok(())
        }

        async fn import(&self, _: &(), _: &str) -> Result<Value, Diagnostics> {
            Ok(Value::Null)
        }
    }

    struct OneResource;

    impl ProviderDefinition for OneResource {
        type Client = ();

        fn schema(&self) -> Schema {
            Schema::new(0, Block::new("p"))
        }

        fn configure(&self, _: &Value, _: &str) -> Result<(), Diagnostics> {
            Ok(())
        }

        fn resources(&self) -> Vec<Box<dyn Resource<()>>> {
            vec![Box::new(Renamed)]
        }

        fn data_sources(&self) -> Vec<Box<dyn DataSource<()>>> {
            Vec::new()
        }

        fn list_resources(&self) -> Vec<Box<dyn ListResource<()>>> {
            vec![Box::new(Pages)]
        }

        fn stop(&self) {}
    }

    /// Ten pages of ten objects, counting the pages it fetched in [`PAGES_FETCHED`].
    struct Pages;

    static PAGES_FETCHED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    impl TerraformType for Pages {
        fn type_name(&self) -> &'static str {
            "test_renamed"
        }

        fn schema(&self) -> Schema {
            Schema::new(0, Block::new("l"))
        }
    }

    #[async_trait]
    impl ListResource<()> for Pages {
        async fn list(&self, _: &(), _: &Value, found: &mut Found) -> Result<(), Diagnostics> {
            for page in 0..10 {
                if !found.wants_more() {
                    break;
                }
                PAGES_FETCHED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                for i in 0..10 {
                    let title = format!("{page}-{i}");
                    let state = Value::object([("title", Value::from(title.as_str()))]);
                    if !found.push(state, title).await {
                        return Ok(());
                    }
                }
            }
            Ok(())
        }
    }

    /// The listing stops at the client's limit, before fetching a page nobody would read.
    #[tokio::test]
    async fn a_listing_stops_at_the_limit_without_another_page() {
        let server = ProviderServer::new(OneResource);
        let configured = server.configure(&Value::object::<_, String>([]), "test");
        assert!(configured.is_empty(), "{configured:?}");
        let (events, mut received) = mpsc::channel(100);
        let request = ListRequest {
            type_name: "test_renamed".into(),
            config: Value::Null,
            include_resource: false,
            limit: 10,
        };
        server.list_resource(request, events).await;
        let mut names = Vec::new();
        while let Some(e) = received.recv().await {
            assert!(e.diagnostics.is_empty(), "{:?}", e.diagnostics);
            names.push(e.display_name);
        }
        assert_eq!(names.len(), 10, "{names:?}");
        assert_eq!(names.last().map(String::as_str), Some("0-9"));
        assert_eq!(
            PAGES_FETCHED.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "a full first page meets the limit: no second page"
        );
    }

    fn upgraded(version: i64, json: &str) -> (Value, Diagnostics) {
        ProviderServer::new(OneResource).upgrade_resource_state(UpgradeRequest {
            type_name: "test_renamed".into(),
            version,
            raw_json: Some(json.as_bytes().to_vec()),
        })
    }

    #[test]
    fn a_stored_state_takes_each_version_step_in_turn() {
        let want = Value::object([("title", Value::from("a")), ("size", Value::int(3))]);
        let (v, d) = upgraded(0, r#"{"name":"a","size":"3"}"#);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(v, want, "from 0: renamed, then converted");
        let (v, _) = upgraded(1, r#"{"title":"a","size":"3"}"#);
        assert_eq!(v, want, "from 1: converted only");
        let (v, _) = upgraded(2, r#"{"title":"a","size":3}"#);
        assert_eq!(v, want, "current: decoded as it is");
        let (_, d) = upgraded(0, "[1]");
        assert!(d.has_errors(), "not an object");
    }

    #[test]
    fn unknown_arguments_are_named_as_written() {
        let config = Value::object([
            ("region", Value::Unknown),
            ("profile", Value::from("p")),
            (
                "assume_role",
                Value::List(vec![Value::object([
                    ("role_arn", Value::Unknown),
                    ("session_name", Value::from("s")),
                ])]),
            ),
            ("endpoints", Value::List(vec![])),
        ]);
        assert_eq!(
            unknown_arguments(&config),
            vec!["assume_role.role_arn".to_string(), "region".to_string()]
        );
        assert!(unknown_arguments(&Value::object([("region", Value::from("x"))])).is_empty());
    }
}
