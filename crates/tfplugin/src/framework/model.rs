//! Typed models: a resource's (or a data source element's) attributes declared once, as the
//! fields of a Rust struct, with the [`model!`](crate::model) macro. From that one declaration
//! come the struct (`Option<T>` per attribute), a typed [`Key`] per attribute (so a misspelt
//! name does not compile), the schema's attributes with their flags and descriptions (the doc
//! comments), the single-attribute checks run at validate, and the conversion from a `Value`,
//! which keeps an unknown apart from a null ([`Held`]).
//!
//! Each field also carries an extension `X` the provider chooses, such as how the attribute
//! travels to and from an API; the framework only asks it to finish the schema attribute
//! ([`FinishAttribute`]).

use super::schema::{Attribute, Block, Schema};
use super::{Diagnostic, Diagnostics};
use crate::value::{AttributePath, Type, Value};

/// One attribute of model `M`, typed: `Registry::port` is a `Key<Registry, i64>` named
/// `"port"`. It derefs to the name, so it goes wherever an attribute name does; and it reaches
/// the field, so a model answers for its own keys only ([`Held`]).
pub struct Key<M, T> {
    pub name: &'static str,
    field: fn(&M) -> Option<&T>,
}

impl<M, T> Key<M, T> {
    pub const fn new(name: &'static str, field: fn(&M) -> Option<&T>) -> Self {
        Self { name, field }
    }

    /// The attribute's value in `model`.
    pub fn value_in<'m>(&self, model: &'m M) -> Option<&'m T> {
        (self.field)(model)
    }
}

impl<M, T> std::fmt::Debug for Key<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Key").field(&self.name).finish()
    }
}

impl<M, T> Clone for Key<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, T> Copy for Key<M, T> {}

impl<M, T> std::ops::Deref for Key<M, T> {
    type Target = str;
    fn deref(&self) -> &str {
        self.name
    }
}

impl<M, T: AttributeValue> Key<M, T> {
    /// The attribute's value in `object`, when known and not null.
    pub fn of(&self, object: &Value) -> Option<T> {
        T::read(object.attr(self.name))
    }
}

/// What the object a model was read from held where the model has no value: an unknown (a
/// value not known until apply), or a known value the field's type cannot read (a fraction
/// where a whole number goes), which validation reports. A field without a value and in
/// neither was null. `Option` alone says none of this, so a plan's unknown is not mistaken for
/// an unset attribute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Held {
    unknown: Vec<&'static str>,
    unreadable: Vec<&'static str>,
}

impl Held {
    /// Reads attribute `name` of `object` (all of a wholly unknown object is unknown), noting
    /// what a value cannot say.
    pub fn read<T: AttributeValue>(&mut self, object: &Value, name: &'static str) -> Option<T> {
        let value = if object.is_unknown() {
            &Value::Unknown
        } else {
            object.attr(name)
        };
        match value {
            Value::Null => None,
            Value::Unknown => {
                self.unknown.push(name);
                None
            }
            known => {
                let read = T::read(known);
                if read.is_none() {
                    self.unreadable.push(name);
                }
                read
            }
        }
    }

    /// Whether attribute `name`, now `value`, is unknown: held so, and given no value since.
    pub fn is_unknown<T>(&self, value: Option<&T>, name: &str) -> bool {
        value.is_none() && self.unknown.contains(&name)
    }

    /// Whether attribute `name`, now `value`, is null.
    pub fn is_null<T>(&self, value: Option<&T>, name: &str) -> bool {
        value.is_none() && !self.unknown.contains(&name) && !self.unreadable.contains(&name)
    }

    /// The value [`Model::to_value`] writes for attribute `name` without a value.
    pub fn absent(&self, name: &str) -> Value {
        if self.unknown.contains(&name) {
            Value::Unknown
        } else {
            Value::Null
        }
    }
}

/// A Rust type an attribute can hold.
pub trait AttributeValue: Sized + Clone + Send + Sync + 'static {
    fn ty() -> Type;

    /// The value when known and not null; `Err` says what is wrong with a known value of the
    /// wrong kind (a fractional number where a whole one is needed).
    fn known(value: &Value) -> Option<Result<Self, String>>;

    /// The value when known, not null and of this kind.
    fn read(value: &Value) -> Option<Self> {
        Self::known(value).and_then(Result::ok)
    }

    fn to_value(&self) -> Value;
}

impl AttributeValue for String {
    fn ty() -> Type {
        Type::String
    }

    fn known(value: &Value) -> Option<Result<Self, String>> {
        value.as_str().map(|s| Ok(s.to_string()))
    }

    fn to_value(&self) -> Value {
        Value::from(self.as_str())
    }
}

impl AttributeValue for i64 {
    fn ty() -> Type {
        Type::Number
    }

    fn known(value: &Value) -> Option<Result<Self, String>> {
        match value {
            Value::Null | Value::Unknown => None,
            v => Some(
                v.as_i64()
                    .ok_or_else(|| "must be a whole number.".to_string()),
            ),
        }
    }

    fn to_value(&self) -> Value {
        Value::int(*self)
    }
}

impl AttributeValue for bool {
    fn ty() -> Type {
        Type::Bool
    }

    fn known(value: &Value) -> Option<Result<Self, String>> {
        value.as_bool().map(Ok)
    }

    fn to_value(&self) -> Value {
        Value::from(*self)
    }
}

impl AttributeValue for Vec<String> {
    fn ty() -> Type {
        Type::list(Type::String)
    }

    fn known(value: &Value) -> Option<Result<Self, String>> {
        match value {
            Value::List(items) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .map(Ok),
            _ => None,
        }
    }

    fn to_value(&self) -> Value {
        Value::List(self.iter().map(|s| Value::from(s.as_str())).collect())
    }
}

/// A list of objects, each a model of its own (a data source's elements).
impl<M: Model + Clone + Send + Sync> AttributeValue for Vec<M> {
    fn ty() -> Type {
        Type::list(M::object_type())
    }

    fn known(value: &Value) -> Option<Result<Self, String>> {
        match value {
            Value::List(items) => Some(Ok(items.iter().map(M::from_value).collect())),
            _ => None,
        }
    }

    fn to_value(&self) -> Value {
        Value::List(self.iter().map(Model::to_value).collect())
    }
}

/// Who gives the attribute its value: the configuration (required or optional), the provider
/// (computed), or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Given {
    Required,
    Optional,
    /// Chosen by the provider or the API.
    Computed,
    /// Chosen by the API when configuration leaves it out.
    OptionalComputed,
}

/// A check of one known value: `Err` is the message, which names the attribute.
type Check<T> = Box<dyn Fn(&str, &T) -> Result<(), String> + Send + Sync>;

/// How an attribute is declared: what the `= …` of a [`model!`](crate::model) field says.
pub struct Spec<T, X = ()> {
    given: Given,
    sensitive: bool,
    write_only: bool,
    json: bool,
    checks: Vec<Check<T>>,
    ext: X,
}

impl<T> Spec<T, ()> {
    fn new(given: Given) -> Self {
        Self {
            given,
            sensitive: false,
            write_only: false,
            json: false,
            checks: Vec::new(),
            ext: (),
        }
    }

    pub fn required() -> Self {
        Self::new(Given::Required)
    }

    pub fn optional() -> Self {
        Self::new(Given::Optional)
    }

    pub fn computed() -> Self {
        Self::new(Given::Computed)
    }

    pub fn optional_computed() -> Self {
        Self::new(Given::OptionalComputed)
    }
}

impl<T: 'static, X> Spec<T, X> {
    /// Kept in state, hidden in plans and logs.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Only in configuration: never in state or plan. Not marked sensitive: Terraform shows a
    /// write-only value in no plan whatever its marks, and a sensitive mark would only add a
    /// path to every state it writes.
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    /// A JSON document: a rewrite that means the same is no change.
    pub fn json(mut self) -> Self {
        self.json = true;
        self
    }

    /// A check of the known value; its message should name the attribute (it is given).
    pub fn check(
        mut self,
        check: impl Fn(&str, &T) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.checks.push(Box::new(check));
        self
    }

    /// The provider's part of the declaration.
    pub fn with<Y>(self, ext: Y) -> Spec<T, Y> {
        Spec {
            given: self.given,
            sensitive: self.sensitive,
            write_only: self.write_only,
            json: self.json,
            checks: self.checks,
            ext,
        }
    }
}

impl<X> Spec<String, X> {
    pub fn one_of(self, allowed: &'static [&'static str]) -> Self {
        self.check(move |name, s| super::validate::one_of(name, s, allowed))
    }

    pub fn non_empty(self) -> Self {
        self.check(|name, s| {
            if s.trim().is_empty() {
                Err(format!("`{name}` must not be empty."))
            } else {
                Ok(())
            }
        })
    }
}

impl<X> Spec<i64, X> {
    pub fn range(self, min: i64, max: i64) -> Self {
        self.check(move |name, i| super::validate::int_range(name, *i, min, max))
    }
}

/// The provider's part of a field, asked to finish its schema attribute (a replacement flag,
/// a note in the description).
pub trait FinishAttribute {
    fn finish_attribute(&self, attribute: Attribute) -> Attribute {
        attribute
    }
}

impl FinishAttribute for () {}

/// A field's checks, its type erased: the message for a known value that fails one.
type ErasedCheck = Box<dyn Fn(&Value) -> Option<String> + Send + Sync>;

/// One declared attribute, its type erased so a model's fields sit in one table.
pub struct Field<X> {
    pub attribute: Attribute,
    check: ErasedCheck,
    pub ext: X,
}

impl<X: FinishAttribute> Field<X> {
    /// What the macro builds from a field's name, doc comment lines and spec.
    pub fn new<T: AttributeValue>(name: &'static str, doc: &[&str], spec: Spec<T, X>) -> Self {
        let description = doc.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
        let ty = T::ty();
        let mut attribute = match spec.given {
            Given::Required => Attribute::required(name, ty, &description),
            Given::Optional => Attribute::optional(name, ty, &description),
            Given::Computed => Attribute::computed(name, ty, &description),
            Given::OptionalComputed => Attribute::optional_computed(name, ty, &description),
        };
        if spec.sensitive {
            attribute = attribute.sensitive();
        }
        if spec.write_only {
            attribute = attribute.write_only();
        }
        if spec.json {
            attribute = attribute.json();
        }
        let attribute = spec.ext.finish_attribute(attribute);
        let checks = spec.checks;
        let check = Box::new(move |value: &Value| match T::known(value)? {
            Err(kind) => Some(format!("`{name}` {kind}")),
            Ok(v) => checks.iter().find_map(|c| c(name, &v).err()),
        });
        Self {
            attribute,
            check,
            ext: spec.ext,
        }
    }
}

impl<X> Field<X> {
    pub fn name(&self) -> &str {
        &self.attribute.name
    }

    /// The same attribute in an object that only reports it, such as a data source's element
    /// showing a resource's attribute: computed, with its name, type and description, and
    /// nothing to check or carry.
    pub fn reported(&self) -> Field<()> {
        let a = &self.attribute;
        Field {
            attribute: Attribute::computed(&a.name, a.ty.clone(), &a.description),
            check: Box::new(|_| None),
            ext: (),
        }
    }
}

/// What the [`model!`](crate::model) macro implements.
pub trait Model: Sized + 'static {
    type Ext: 'static;

    /// Every field, in declaration order; built once.
    fn fields() -> &'static [Field<Self::Ext>];

    /// The known, non-null values of `object`; a generated model also keeps which attributes
    /// were unknown ([`Held`]), so `is_unknown` and `is_null` tell them apart.
    fn from_value(object: &Value) -> Self;

    /// The object of every field: null where `None`, unless the field was read unknown.
    fn to_value(&self) -> Value;

    /// The object type of [`Self::to_value`].
    fn object_type() -> Type {
        Type::object(
            Self::fields()
                .iter()
                .map(|f| (f.attribute.name.clone(), f.attribute.ty.clone())),
        )
    }

    /// The schema attributes, in declaration order.
    fn attributes() -> Vec<Attribute> {
        Self::fields().iter().map(|f| f.attribute.clone()).collect()
    }

    /// A block of every field, under `description`.
    fn block(description: &str) -> Block {
        Self::attributes()
            .into_iter()
            .fold(Block::new(description), Block::attribute)
    }

    /// The schema (version 0) of a type whose attributes are this model's.
    fn schema(description: &str) -> Schema {
        Schema::new(0, Self::block(description))
    }

    /// The field named `name`.
    fn field(name: &str) -> Option<&'static Field<Self::Ext>> {
        Self::fields().iter().find(|f| f.name() == name)
    }

    /// Each field's own checks on the known values of `config`, at the attribute's path.
    fn validate(config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        for f in Self::fields() {
            if let Some(detail) = (f.check)(config.attr(f.name())) {
                diags.push(
                    Diagnostic::error(format!("Invalid {}", f.name()), detail)
                        .at(AttributePath::attr(f.name())),
                );
            }
        }
        diags
    }
}

/// Declares a model: a struct whose fields are attributes, each `name: Type = given()…`,
/// where `given()` is a [`Spec`] constructor (`required()`, `optional()`, `computed()`,
/// `optional_computed()`) and the calls after it its flags, checks and `.with(ext)`; the doc
/// comment is the attribute's description. The type after the struct's name is the extension
/// every field carries.
///
/// Beside the attributes, the struct has `held` ([`Held`]), what its `Option`s cannot say; a
/// struct literal gives it as `held: Held::default()` (every `None` null). So no attribute may be
/// called `held`.
#[macro_export]
macro_rules! model {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident : $ext:ty {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $ty:ty = $given:ident () $( . $method:ident ( $($arg:tt)* ) )*
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        $vis struct $name {
            $( $(#[doc = $doc])* pub $field: Option<$ty>, )*
            /// Which attributes without a value were unknown rather than null.
            pub held: $crate::framework::model::Held,
        }

        #[allow(non_upper_case_globals, dead_code)]
        impl $name {
            $(
                pub const $field: $crate::framework::model::Key<$name, $ty> =
                    $crate::framework::model::Key::new(stringify!($field), |m| m.$field.as_ref());
            )*

            /// Whether the attribute is unknown (not known until apply).
            pub fn is_unknown<T>(&self, key: $crate::framework::model::Key<Self, T>) -> bool {
                self.held.is_unknown(key.value_in(self), key.name)
            }

            /// Whether the attribute is null: neither a value nor unknown.
            pub fn is_null<T>(&self, key: $crate::framework::model::Key<Self, T>) -> bool {
                self.held.is_null(key.value_in(self), key.name)
            }
        }

        impl $crate::framework::model::Model for $name {
            type Ext = $ext;

            fn fields() -> &'static [$crate::framework::model::Field<$ext>] {
                static FIELDS: std::sync::OnceLock<Vec<$crate::framework::model::Field<$ext>>> =
                    std::sync::OnceLock::new();
                FIELDS.get_or_init(|| vec![$(
                    $crate::framework::model::Field::new(
                        stringify!($field),
                        &[$($doc),*],
                        $crate::framework::model::Spec::<$ty>::$given()
                            $( .$method($($arg)*) )*,
                    ),
                )*])
            }

            fn from_value(object: &$crate::value::Value) -> Self {
                let mut held = $crate::framework::model::Held::default();
                Self {
                    $( $field: held.read::<$ty>(object, stringify!($field)), )*
                    held,
                }
            }

            fn to_value(&self) -> $crate::value::Value {
                $crate::value::Value::object([$(
                    (
                        stringify!($field),
                        self.$field.as_ref().map_or_else(
                            || self.held.absent(stringify!($field)),
                            $crate::framework::model::AttributeValue::to_value,
                        ),
                    ),
                )*])
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::model! {
        /// A test model.
        struct Thing: () {
            /// The kind of thing:
            /// `a` or `b`.
            kind: String = required().one_of(&["a", "b"]),
            /// How many.
            count: i64 = optional().range(1, 10),
            /// Whether it is on.
            on: bool = optional_computed(),
            /// A secret.
            secret: String = optional().write_only(),
        }
    }

    fn config(kind: Value, count: Value) -> Value {
        Value::object([
            ("kind", kind),
            ("count", count),
            ("on", Value::Unknown),
            ("secret", Value::Null),
        ])
    }

    #[test]
    fn one_declaration_gives_schema_keys_checks_and_values() {
        let attrs = Thing::attributes();
        let names: Vec<&str> = attrs.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["kind", "count", "on", "secret"]);
        assert_eq!(attrs[0].description, "The kind of thing: `a` or `b`.");
        assert!(attrs[0].required && attrs[2].optional && attrs[2].computed);
        assert_eq!(attrs[1].ty, Type::Number);
        assert!(
            attrs[3].write_only && !attrs[3].sensitive,
            "a write-only value is in no plan or state to hide"
        );
        assert_eq!(&*Thing::count, "count");

        let good = config("a".into(), Value::int(3));
        assert!(Thing::validate(&good).is_empty());
        let t = Thing::from_value(&good);
        assert_eq!(
            (t.kind.as_deref(), t.count, t.on),
            (Some("a"), Some(3), None)
        );
        assert_eq!(Thing::count.of(&good), Some(3));

        let bad = config("c".into(), Value::int(11));
        let at: Vec<String> = Thing::validate(&bad)
            .iter()
            .map(|d| {
                format!(
                    "{}: {}",
                    d.attribute
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    d.detail
                )
            })
            .collect();
        assert_eq!(
            at,
            [
                "kind: `kind` must be one of \"a\", \"b\"; got \"c\".",
                "count: `count` must be between 1 and 10; got 11."
            ]
        );
        let unknown = config(Value::Unknown, Value::Unknown);
        assert!(
            Thing::validate(&unknown).is_empty(),
            "unknowns are not judged"
        );
    }

    #[test]
    fn null_and_unknown_read_differently() {
        let null = Thing::from_value(&config("a".into(), Value::Null));
        let unknown = Thing::from_value(&config("a".into(), Value::Unknown));
        assert_eq!(
            (null.count, unknown.count),
            (None, None),
            "neither has a value"
        );
        assert_ne!(null, unknown, "folded, they would be equal");
        assert!(null.is_null(Thing::count) && !null.is_unknown(Thing::count));
        assert!(unknown.is_unknown(Thing::count) && !unknown.is_null(Thing::count));
        assert!(unknown.is_unknown(Thing::on) && null.is_null(Thing::secret));
        assert!(!unknown.is_null(Thing::kind) && !unknown.is_unknown(Thing::kind));
        assert_eq!(null.to_value().attr("count"), &Value::Null);
        assert_eq!(
            unknown.to_value(),
            config("a".into(), Value::Unknown),
            "an unknown is written back unknown"
        );
    }

    #[test]
    fn a_value_set_after_reading_is_known_and_a_literal_is_null_where_none() {
        let mut t = Thing::from_value(&config("a".into(), Value::Unknown));
        t.count = Some(4);
        assert!(!t.is_unknown(Thing::count) && !t.is_null(Thing::count));
        assert_eq!(t.to_value().attr("count"), &Value::int(4));
        let literal = Thing {
            kind: Some("b".into()),
            count: None,
            on: None,
            secret: None,
            held: Held::default(),
        };
        assert!(literal.is_null(Thing::count) && !literal.is_unknown(Thing::count));
    }

    #[test]
    fn all_of_a_wholly_unknown_object_is_unknown() {
        let t = Thing::from_value(&Value::Unknown);
        assert!(Thing::fields()
            .iter()
            .all(|f| t.held.is_unknown::<()>(None, f.name())));
        assert!(t.is_unknown(Thing::kind) && t.is_unknown(Thing::secret));
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_neither_null_nor_unknown() {
        let half = config("a".into(), Value::Number(crate::value::Number::Float(1.5)));
        let t = Thing::from_value(&half);
        assert_eq!(t.count, None);
        assert!(!t.is_null(Thing::count) && !t.is_unknown(Thing::count));
    }

    #[test]
    fn a_fractional_number_is_named() {
        let half = config("a".into(), Value::Number(crate::value::Number::Float(1.5)));
        let d = Thing::validate(&half);
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].detail, "`count` must be a whole number.");
    }
}
