//! How a model's attributes travel to and from an API, for any resource whose API has a create
//! request, a modify request and a record its lists return. Each field of the model
//! (`tfplugin::model!`) carries an [`Api`]: how it goes into the create request, how a change
//! to it is made, and how a refresh follows what the API reports. From those come the
//! requests, the state after create, refresh and import, and the attribute an API error
//! points at; a resource module writes none of that again.
//!
//! An attribute is sent as the request field of the same name (`sent!`), so the API parameter
//! it travels as is the one that field declares (`alicloud::request::Request::parameter_of`).

use alicloud::request::Request;
use alicloud::Secret;
use tfplugin::framework::model::{Field, FinishAttribute, Model};
use tfplugin::framework::Attribute;
use tfplugin::value::{Type, Value};

/// The API types of a resource.
pub trait ApiTypes: Sized + 'static {
    /// What the resource's objects are called in its docs: "Changing it creates a new …".
    const NOUN: &'static str;
    type Create: Request + Default;
    type Modify: Request + Default;
    /// One object as the API's lists report it.
    type Record;
}

/// Puts a planned (or configured) value into a request.
pub type Sender<M, R> = fn(&mut R, planned: &M, config: &M);

/// What a listed object says of one attribute.
pub type Reader<R> = fn(&R) -> Told;

/// What a listed object says of one attribute. Only a [`Told::Value`] is one a state takes;
/// the rest differ only in how a listing shows them ([`Listing`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Told {
    Value(Value),
    /// Left out, or empty.
    Nothing,
    /// A mask (`******`): the service hides a value, and says nothing of it.
    Masked,
    /// The number the service reports for one never set (0).
    NeverSet(i64),
}

impl Told {
    /// The value a state takes, if any.
    pub fn value(self) -> Option<Value> {
        match self {
            Told::Value(v) => Some(v),
            Told::Nothing | Told::Masked | Told::NeverSet(_) => None,
        }
    }
}

/// How a listing of objects (a data source's elements) shows an attribute the API reports.
/// Secrets are never shown, whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// `""` or `0` when the API tells nothing, so configurations can interpolate it.
    Blank,
    /// Null when the API tells nothing: an optional value.
    Null,
    /// Not shown: another attribute shows the same.
    Omitted,
}

/// How a planned change to the attribute is made.
pub enum Change<M: ApiTypes> {
    /// Never changed through Terraform.
    Never,
    /// The API cannot modify it: a new object replaces the old one.
    Replace,
    /// The modify request changes it in place: this puts the planned value (or, for a
    /// write-only value's version, the configured secret) in that request.
    InPlace(Sender<M, M::Modify>),
}

/// How a refresh treats what the API reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// The API's value, whenever it tells one.
    Always,
    /// The API's value unless it names the same host ([`same_host`]).
    Host,
    /// Only where state manages the attribute (not null), so an API default is not a diff on
    /// an attribute the configuration leaves unset; an import fills it in.
    WhereManaged,
}

/// The API half of one attribute's declaration.
pub struct Api<M: ApiTypes> {
    pub create: Option<Sender<M, M::Create>>,
    pub change: Change<M>,
    pub read: Option<(Reader<M::Record>, Follow)>,
    pub listing: Listing,
}

impl<M: ApiTypes> Default for Api<M> {
    fn default() -> Self {
        Self {
            create: None,
            change: Change::Never,
            read: None,
            listing: Listing::Blank,
        }
    }
}

impl<M: ApiTypes> Api<M> {
    /// Sent in the create request.
    pub fn create(mut self, send: Sender<M, M::Create>) -> Self {
        self.create = Some(send);
        self
    }

    /// A change means a new object.
    pub fn replace(mut self) -> Self {
        self.change = Change::Replace;
        self
    }

    /// A change is made with the modify request.
    pub fn in_place(mut self, send: Sender<M, M::Modify>) -> Self {
        self.change = Change::InPlace(send);
        self
    }

    /// Read back from a listed object.
    pub fn read(mut self, read: Reader<M::Record>, follow: Follow) -> Self {
        self.read = Some((read, follow));
        self
    }

    /// How a listing shows it, when not [`Listing::Blank`].
    pub fn listing(mut self, listing: Listing) -> Self {
        self.listing = listing;
        self
    }
}

impl<M: ApiTypes> FinishAttribute for Api<M> {
    fn finish_attribute(&self, attribute: Attribute) -> Attribute {
        let (attribute, note) = match self.change {
            Change::Replace => (
                attribute.replaces(),
                format!(" Changing it creates a new {}.", M::NOUN),
            ),
            Change::InPlace(_) => (attribute, " Updated in place.".to_string()),
            Change::Never => (attribute, String::new()),
        };
        Attribute {
            description: format!("{}{note}", attribute.description),
            ..attribute
        }
    }
}

/// A value from a model put into a request field of another shape: a required field takes
/// the value (or its default), an optional one takes it as it is, a secret is wrapped, and a
/// secret the model does not have leaves the field as it was.
pub trait Assign<From> {
    fn assign(&mut self, from: &From);
}

impl<T: Clone + Default> Assign<Option<T>> for T {
    fn assign(&mut self, from: &Option<T>) {
        *self = from.clone().unwrap_or_default();
    }
}

impl<T: Clone> Assign<Option<T>> for Option<T> {
    fn assign(&mut self, from: &Option<T>) {
        self.clone_from(from);
    }
}

impl Assign<Option<String>> for Secret {
    fn assign(&mut self, from: &Option<String>) {
        if let Some(s) = from {
            *self = Secret::new(s.clone());
        }
    }
}

impl Assign<Option<String>> for Option<Secret> {
    fn assign(&mut self, from: &Option<String>) {
        if let Some(s) = from {
            *self = Some(Secret::new(s.clone()));
        }
    }
}

/// A [`Sender`] that puts the model's attribute into the request field of the same name
/// (`sent!(port)`), or the configured value of another attribute into a field
/// (`sent!(password = config.password_wo)`, for a write-only secret).
macro_rules! sent {
    ($field:ident) => {
        |r, p, _| $crate::resources::mapping::Assign::assign(&mut r.$field, &p.$field)
    };
    ($field:ident = config . $from:ident) => {
        |r, _, c| $crate::resources::mapping::Assign::assign(&mut r.$field, &c.$from)
    };
}
pub(crate) use sent;

/// A host name as it compares: DNS names compare without ASCII case, and a trailing dot (the
/// fully qualified form) changes nothing.
pub fn host_key(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether two host names name the same host ([`host_key`]).
pub fn same_host(a: &str, b: &str) -> bool {
    host_key(a) == host_key(b)
}

/// What a model's API declarations give: requests, states and error targets.
pub struct Mapping<M>(std::marker::PhantomData<M>);

type ApiField<M> = Field<Api<M>>;

impl<M: ApiTypes + Model<Ext = Api<M>>> Mapping<M> {
    fn fields() -> &'static [ApiField<M>] {
        M::fields()
    }

    /// The fields the API reports, with what it says of each for `record`.
    fn reported(
        record: &M::Record,
    ) -> impl Iterator<Item = (&'static ApiField<M>, Option<Value>, Follow)> + '_ {
        Self::fields().iter().filter_map(move |f| {
            f.ext
                .read
                .map(|(read, follow)| (f, read(record).value(), follow))
        })
    }

    /// The attributes a listing shows: what the API reports, but no secret and nothing
    /// [`Listing::Omitted`]. What the API never reports (the write-only values, their
    /// versions, the stored secrets) has no reader, so is never among them.
    pub fn listed_fields() -> impl Iterator<Item = &'static ApiField<M>> {
        Self::fields().iter().filter(|f| {
            f.ext.read.is_some()
                && !f.attribute.sensitive
                && !f.attribute.write_only
                && f.ext.listing != Listing::Omitted
        })
    }

    /// A listing's object for `record`, of [`Self::listed_fields`]: what the API tells, as it
    /// tells it (a never-set number as its 0); a mask is null, since it is no value; and where
    /// the API tells nothing, `""`, `0` or null as the field's [`Listing`] says.
    pub fn listing(record: &M::Record) -> Value {
        Value::object(Self::listed_fields().filter_map(|f| {
            let (read, _) = f.ext.read?;
            let shown = match read(record) {
                Told::Value(v) => v,
                Told::NeverSet(n) => Value::int(n),
                Told::Masked => Value::Null,
                Told::Nothing if f.ext.listing == Listing::Blank => blank(&f.attribute.ty),
                Told::Nothing => Value::Null,
            };
            Some((f.name(), shown))
        }))
    }

    /// A `*_wo_version`: says when to send its write-only value again.
    pub(crate) fn is_write_only_version(field: &ApiField<M>) -> bool {
        field.name().ends_with("_wo_version")
    }

    /// A secret the API keeps but cannot change (so a new one means a new object), or the
    /// version of such a secret. Given where state had none (an import reads no secret) or
    /// dropped (moved to its write-only form), it is only recorded: only a new value after a
    /// value needs a new object.
    pub fn replaced_only_between_values(field: &ApiField<M>) -> bool {
        matches!(field.ext.change, Change::Replace)
            && (field.attribute.sensitive || Self::is_write_only_version(field))
    }

    /// The attributes that configuration may drop while the object keeps its value: a modify
    /// request cannot carry "unset", so dropping an in-place one only takes it out of state,
    /// and so does dropping a secret that is only recorded between values. Only a value the
    /// API never reports may be so (a reported one is declared computed, so Terraform keeps
    /// it instead). A `*_wo_version` is left out: it is state's alone.
    pub fn only_forgotten_when_unset(field: &ApiField<M>) -> bool {
        let in_place = matches!(field.ext.change, Change::InPlace(_))
            && !field.attribute.computed
            && !field.attribute.required;
        (in_place || Self::replaced_only_between_values(field))
            && !Self::is_write_only_version(field)
    }

    /// Which of [`Self::only_forgotten_when_unset`]'s attributes this change drops.
    pub fn forgotten<'a>(
        prior: &'a Value,
        planned: &'a Value,
    ) -> impl Iterator<Item = &'static str> + 'a {
        Self::fields()
            .iter()
            .filter(|f| Self::only_forgotten_when_unset(f))
            .filter(move |f| !prior.attr(f.name()).is_null() && planned.attr(f.name()).is_null())
            .map(|f| f.attribute.name.as_str())
    }

    /// The attributes whose change [`Self::replaced_only_between_values`].
    pub fn recorded_only_between_values() -> impl Iterator<Item = &'static str> {
        Self::fields()
            .iter()
            .filter(|f| Self::replaced_only_between_values(f))
            .map(|f| f.attribute.name.as_str())
    }

    /// The attribute an API parameter comes from. Secrets are left out: pointing at their line
    /// would print a literal secret from the configuration.
    pub fn attribute_of(parameter: &str) -> Option<&'static str> {
        Self::fields()
            .iter()
            .filter(|f| !f.attribute.sensitive)
            .find(|f| {
                let name = f.name();
                (f.ext.create.is_some() && M::Create::parameter_of(name) == Some(parameter))
                    || (matches!(f.ext.change, Change::InPlace(_))
                        && M::Modify::parameter_of(name) == Some(parameter))
            })
            .map(|f| f.attribute.name.as_str())
    }

    /// Whether a diagnostic may point at `attribute`'s line: not at a secret's, which may hold
    /// it literally.
    pub fn may_point_at(attribute: &str) -> bool {
        M::field(attribute).is_some_and(|f| !f.attribute.sensitive)
    }

    /// The state an apply that created `record` returns: the planned values (Terraform rejects
    /// any other for what the configuration set, as "inconsistent result after apply"), with
    /// what the API chose filled in where the plan left it unknown, and null where the API did
    /// not say, so nothing unknown is left.
    pub fn created(record: &M::Record, planned: &Value) -> Value {
        let mut state = planned.clone();
        for (field, api, _) in Self::reported(record) {
            if state.attr(field.name()).is_unknown() {
                state.set_attr(field.name(), api.unwrap_or(Value::Null));
            }
        }
        null_unknowns(&mut state);
        state
    }

    /// The state a refresh of `prior` returns, given what the API reports. Only a real change
    /// shows: a field the API leaves out or masks keeps its prior value, a host name equal but
    /// for case or a trailing dot keeps the prior spelling, what the API never returns is
    /// kept, and an optional attribute the configuration leaves unset stays null
    /// (`Follow::WhereManaged`), or an API default would show as a perpetual diff. Any other
    /// difference is drift, planned as an update (or a replacement).
    pub fn refreshed(record: &M::Record, prior: &Value) -> Value {
        let mut state = prior.clone();
        for (field, api, follow) in Self::reported(record) {
            let Some(api) = api else { continue };
            let old = prior.attr(field.name());
            let follows = match follow {
                Follow::Always => true,
                Follow::Host => {
                    !matches!((old.as_str(), api.as_str()), (Some(o), Some(a)) if same_host(o, a))
                }
                Follow::WhereManaged => !old.is_null(),
            };
            if follows {
                state.set_attr(field.name(), api);
            }
        }
        state
    }

    /// The state an import of `record` starts from (`empty`: every attribute null): what the
    /// API reports, optional values included; what it leaves out or masks stays null, like a
    /// secret, and the next apply sends it from the configuration.
    pub fn imported(record: &M::Record, empty: &Value) -> Value {
        let mut state = Self::refreshed(record, empty);
        for (field, api, follow) in Self::reported(record) {
            if follow == Follow::WhereManaged {
                state.set_attr(field.name(), api.unwrap_or(Value::Null));
            }
        }
        state
    }

    /// Whether the API's `record` shows the change from `prior` to `planned`: every attribute
    /// that changed reads back as planned, where the API reports it (a masked, omitted or
    /// merely re-cased value counts as shown, as it does for a refresh).
    pub fn shows_change(record: &M::Record, prior: &Value, planned: &Value) -> bool {
        let now = Self::refreshed(record, planned);
        Self::reported(record).all(|(field, _, _)| {
            let name = field.name();
            prior.attr(name) == planned.attr(name) || now.attr(name) == planned.attr(name)
        })
    }

    /// Whether `record` agrees with `planned` in every field whose change means a new object
    /// and which the API reports. A field the API leaves out, or the plan leaves null, agrees.
    pub fn agrees_on_replacing_fields(record: &M::Record, planned: &Value) -> bool {
        Self::reported(record).all(|(field, api, _)| {
            let wanted = planned.attr(field.name());
            !matches!(field.ext.change, Change::Replace)
                || wanted.is_null()
                || api.is_none_or(|a| &a == wanted)
        })
    }

    /// The create request from a planned state (wholly known at apply), and from the
    /// configuration for the write-only values, which are never in a plan.
    pub fn create_request(planned: &Value, config: &Value) -> Result<M::Create, String> {
        if let Some(f) = Self::fields().iter().find(|f| {
            f.attribute.required && {
                let v = planned.attr(f.name());
                v.is_null() || !v.is_wholly_known()
            }
        }) {
            return Err(format!("`{}` must be known at apply", f.name()));
        }
        let (planned, config) = (M::from_value(planned), M::from_value(config));
        let mut request = M::Create::default();
        for send in Self::fields().iter().filter_map(|f| f.ext.create) {
            send(&mut request, &planned, &config);
        }
        Ok(request)
    }

    /// The modify request for the in-place attributes that differ; `None` when none does. A
    /// new `*_wo_version` sends its write-only value from the configuration; a first one (on
    /// an imported object, or one moved from the stored form) only starts counting.
    pub fn modify_request(prior: &Value, planned: &Value, config: &Value) -> Option<M::Modify> {
        let (typed, configured) = (M::from_value(planned), M::from_value(config));
        let mut request = M::Modify::default();
        let mut changed = false;
        for field in Self::fields() {
            if let Change::InPlace(send) = field.ext.change {
                let (before, after) = (prior.attr(field.name()), planned.attr(field.name()));
                let first_version = Self::is_write_only_version(field) && before.is_null();
                if before != after && !first_version {
                    send(&mut request, &typed, &configured);
                    changed = true;
                }
            }
        }
        changed.then_some(request)
    }
}

/// The empty value of a type, for a listing to interpolate: `""`, `0` or `false`.
fn blank(ty: &Type) -> Value {
    match ty {
        Type::String => Value::from(""),
        Type::Number => Value::int(0),
        Type::Bool => Value::from(false),
        _ => Value::Null,
    }
}

/// Any attribute still unknown (none should be, at apply) becomes null.
fn null_unknowns(state: &mut Value) {
    if let Value::Object(m) = state {
        for v in m.values_mut().filter(|v| v.is_unknown()) {
            *v = Value::Null;
        }
    }
}
