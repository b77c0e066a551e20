//! A registry as the emulated service keeps it, and the one declaration of its fields: the name
//! each has in requests and answers, which answers show it, how `AddPrivateRegistry`,
//! `ModifyImageRegistry` and a console patch may set it, and the checks and realism quirks that
//! apply. The actions and the introspection API read this table; adding a field to the API
//! means a field of [`RegistryRecord`] and a row of [`FIELDS`], nothing else.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::actions::{MASK, REGIONS};
use super::api_error::ApiError;
use super::realism::{RealismConfig, DEFAULT_TRANS_PER_HOUR};
use super::request::ApiRequest;
use super::secret::secret_hash;

/// A quay namespace/token pair attached to a registry (`ExtraParam`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ExtraRecord {
    /// Id of this extra row (`ImageRegistryExtraInfos[].Id`).
    pub id: i64,
    /// Quay namespace.
    pub namespace: String,
    /// Quay auth token. Stored in clear because `ListImageRegistryExtra` returns it; hashed in
    /// every log and introspection view.
    pub auth_token: String,
}

/// One private registry as the service stores it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RegistryRecord {
    /// Registry id.
    pub id: i64,
    /// Owning account.
    pub ali_uid: i64,
    /// `harbor`, `quay` (or, via out-of-band changes, anything).
    pub registry_type: String,
    /// `V1` / `V2`.
    pub registry_version: String,
    /// 1 HTTP, 2 HTTPS.
    pub protocol_type: i64,
    /// 1 Internet, 2 VPC.
    pub net_type: i64,
    /// VPC id, if given.
    pub vpc_id: Option<String>,
    /// Registry IP.
    pub registry_host_ip: String,
    /// Registry domain.
    pub domain_name: String,
    /// Port, if given.
    pub port: Option<i64>,
    /// Login user.
    pub user_name: String,
    /// [`super::secret::secret_hash`] of the password: the emulator never returns a password,
    /// so it never needs to keep one.
    pub password_hash: String,
    /// Region (`RegistryRegionId` on input, `RegionId` on output).
    pub region_id: String,
    /// Images scanned per hour.
    pub trans_per_hour: i64,
    /// `TransPerHour` was never given (it is then 0, or the realism default): what
    /// [`super::realism::RealismConfig::omit_unset`] leaves out. Absent from state files
    /// written before it, and when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub trans_per_hour_unset: bool,
    /// Service-generated token (UUID), replaced by `RefreshRegistryToken`.
    pub token: String,
    /// Display name (`RegistryName`).
    pub registry_name: String,
    /// Whitelist (not settable through the emulated API).
    pub white_list: String,
    /// Blacklist (not settable through the emulated API).
    pub black_list: String,
    /// Jenkins context (CI/CD registries only).
    pub jenkins_env: String,
    /// Asset retention days.
    pub persistence_day: i64,
    /// Quay extras.
    pub extras: Vec<ExtraRecord>,
    /// `yyyy-MM-dd HH:mm:ss` UTC.
    pub gmt_create: String,
    /// `yyyy-MM-dd HH:mm:ss` UTC.
    pub gmt_modified: String,
}

#[cfg(test)]
impl RegistryRecord {
    /// A harbor registry with id `id`, for tests.
    pub(crate) fn sample(id: i64) -> Self {
        Self {
            id,
            ali_uid: 1,
            registry_type: "harbor".into(),
            registry_version: "V2".into(),
            protocol_type: 2,
            net_type: 1,
            registry_host_ip: "1.2.3.4".into(),
            domain_name: "example.com".into(),
            port: Some(443),
            user_name: "u".into(),
            password_hash: "sha256:x".into(),
            region_id: "cn-hangzhou".into(),
            token: "t".into(),
            registry_name: "example.com".into(),
            ..Self::default()
        }
    }
}

/// The answers that show a registry, each with its own subset of the record's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The `Data` object of AddPrivateRegistry: the published example's fields.
    Add,
    /// An `ImageRegistryInfos[]` item of ListPrivateRegistryList.
    List,
    /// A `List[]` item of PageImageRegistry: no `RegistryVersion`, `Port` or `AliUid`.
    Page,
}

use View::{Add, List, Page};

type Get<T> = fn(&RegistryRecord) -> &T;
type Set<T> = fn(&mut RegistryRecord) -> &mut T;

/// Where a field's value lives in the record, and so how it is typed on the wire.
enum Slot {
    Text(Get<String>, Set<String>),
    Int(Get<i64>, Set<i64>),
    OptionalText(Get<Option<String>>, Set<Option<String>>),
    OptionalInt(Get<Option<i64>>, Set<Option<i64>>),
    /// Kept as [`secret_hash`] only, and answered as [`MASK`]: the service never returns it.
    Secret(Set<String>),
    /// A count the emulator does not keep (`ImageCount`): always 0.
    Zero,
}

/// Both accessors of a record field, so a row names its field once.
macro_rules! slot {
    ($kind:ident, $field:ident) => {
        Slot::$kind(|r| &r.$field, |r| &mut r.$field)
    };
}

/// What `AddPrivateRegistry` does with a field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Given {
    Required,
    Optional,
    /// Set by the service, never from the request.
    Service,
}

/// Who may change a field after creation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Changed {
    /// `ModifyImageRegistry`, and a console patch.
    ByModify,
    /// Only a console patch (`POST /_emulator/registries/{id}`).
    ByConsole,
    /// Nobody.
    Never,
}

/// The service's rule for a value sent.
#[derive(Clone, Copy)]
enum Check {
    Any,
    OneOf(&'static [&'static str]),
    OneOfInt(&'static [i64]),
    /// `Port`: 1..=65535.
    Port,
    /// `TransPerHour`: not negative.
    NotNegative,
    /// One of [`REGIONS`].
    Region,
}

/// How a realism switch ([`RealismConfig`]) makes the service differ from what it was sent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quirk {
    None,
    /// Answered as [`MASK`] with `mask_user_name`.
    MaskedWithSwitch,
    /// Stored lower-cased with `lowercase_domain`.
    Lowercased,
    /// Never given: [`DEFAULT_TRANS_PER_HOUR`] with `default_trans_per_hour`, else 0 and left
    /// out of answers with `omit_unset` (the record's `trans_per_hour_unset`).
    DefaultedOrOmitted,
}

/// One field of the record as the API sees it.
pub struct Field {
    /// Its name in answers and console patches.
    pub name: &'static str,
    /// Its request parameter: the same name, but for `RegistryRegionId`.
    param: &'static str,
    slot: Slot,
    views: &'static [View],
    given: Given,
    changed: Changed,
    check: Check,
    quirk: Quirk,
}

const fn field(name: &'static str, slot: Slot, views: &'static [View]) -> Field {
    Field {
        name,
        param: name,
        slot,
        views,
        given: Given::Service,
        changed: Changed::ByConsole,
        check: Check::Any,
        quirk: Quirk::None,
    }
}

/// A row's builder methods, each setting one of its properties.
macro_rules! setters {
    ($($property:ident: $ty:ty),*) => {
        impl Field {
            $(const fn $property(mut self, $property: $ty) -> Self {
                self.$property = $property;
                self
            })*
        }
    };
}

setters!(given: Given, changed: Changed, check: Check, quirk: Quirk, param: &'static str);

use Changed::{ByModify, Never};
use Given::{Optional, Required};

/// Every field a request sets or an answer shows, once. The required parameters are checked
/// in this order.
pub const FIELDS: &[Field] = &[
    field("Id", slot!(Int, id), &[Add, List, Page]).changed(Never),
    field("AliUid", slot!(Int, ali_uid), &[Add, List]).changed(Never),
    field(
        "RegistryType",
        slot!(Text, registry_type),
        &[Add, List, Page],
    )
    .given(Required)
    .check(Check::OneOf(&["harbor", "quay"])),
    field(
        "RegistryVersion",
        slot!(Text, registry_version),
        &[Add, List],
    )
    .given(Required)
    .check(Check::OneOf(&["V1", "V2"])),
    field(
        "ProtocolType",
        slot!(Int, protocol_type),
        &[Add, List, Page],
    )
    .given(Required)
    .check(Check::OneOfInt(&[1, 2])),
    field("NetType", slot!(Int, net_type), &[Add, List, Page])
        .given(Required)
        .check(Check::OneOfInt(&[1, 2])),
    field(
        "RegistryHostIp",
        slot!(Text, registry_host_ip),
        &[Add, List, Page],
    )
    .given(Required)
    .changed(ByModify),
    field("DomainName", slot!(Text, domain_name), &[Add, List, Page])
        .given(Required)
        .changed(ByModify)
        .quirk(Quirk::Lowercased),
    field("UserName", slot!(Text, user_name), &[Add, List, Page])
        .given(Required)
        .changed(ByModify)
        .quirk(Quirk::MaskedWithSwitch),
    field(
        "Password",
        Slot::Secret(|r| &mut r.password_hash),
        &[Add, List, Page],
    )
    .given(Required)
    .changed(ByModify),
    field("RegionId", slot!(Text, region_id), &[Add, List, Page])
        .param("RegistryRegionId")
        .given(Required)
        .check(Check::Region),
    field("Port", slot!(OptionalInt, port), &[List])
        .given(Optional)
        .changed(ByModify)
        .check(Check::Port),
    field("VpcId", slot!(OptionalText, vpc_id), &[Add, List, Page]).given(Optional),
    field(
        "TransPerHour",
        slot!(Int, trans_per_hour),
        &[Add, List, Page],
    )
    .given(Optional)
    .changed(ByModify)
    .check(Check::NotNegative)
    .quirk(Quirk::DefaultedOrOmitted),
    field("Token", slot!(Text, token), &[Add, List, Page]),
    field("RegistryName", slot!(Text, registry_name), &[List, Page]),
    field("WhiteList", slot!(Text, white_list), &[List, Page]),
    field("BlackList", slot!(Text, black_list), &[Page]),
    field("JenkinsEnv", slot!(Text, jenkins_env), &[List, Page]),
    field("PersistenceDay", slot!(Int, persistence_day), &[List, Page]),
    field("ImageCount", Slot::Zero, &[Page]).changed(Never),
    field("GmtCreate", slot!(Text, gmt_create), &[Page]).changed(Never),
    field("GmtModified", slot!(Text, gmt_modified), &[Page]).changed(Never),
];

impl Check {
    fn text(self, name: &str, v: &str) -> Result<(), ApiError> {
        match self {
            Check::OneOf(allowed) if !allowed.contains(&v) => Err(ApiError::invalid(
                name,
                format!("{v:?} is not one of {}", allowed.join(", ")),
            )),
            Check::Region if !REGIONS.iter().any(|(id, _, _)| *id == v) => Err(ApiError::invalid(
                name,
                format!("{v:?} is not a supported region (see ListImageRegistryRegion)"),
            )),
            _ => Ok(()),
        }
    }

    fn int(self, name: &str, v: i64) -> Result<(), ApiError> {
        match self {
            Check::OneOfInt(allowed) if !allowed.contains(&v) => Err(ApiError::invalid(
                name,
                format!("{v} is not one of {allowed:?}"),
            )),
            Check::Port if !(1..=65535).contains(&v) => {
                Err(ApiError::invalid(name, format!("{v} is not in 1..=65535")))
            }
            Check::NotNegative if v < 0 => Err(ApiError::invalid(name, "must not be negative")),
            _ => Ok(()),
        }
    }
}

/// A request parameter: the value to store, checked; `None` when absent (or empty, as SDKs
/// send fields they do not set).
enum Sent {
    Text(String),
    Int(i64),
}

impl Field {
    /// The value `req` gives this field, checked; `nonempty` refuses an empty string rather
    /// than treating it as absent (`ModifyImageRegistry`).
    fn sent(&self, req: &ApiRequest, nonempty: bool) -> Result<Option<Sent>, ApiError> {
        let name = self.param;
        match self.slot {
            Slot::Int(..) | Slot::OptionalInt(..) => {
                let v = req.optional_i64(name)?;
                v.map(|v| self.check.int(name, v).map(|()| Sent::Int(v)))
                    .transpose()
            }
            Slot::Text(..) | Slot::OptionalText(..) | Slot::Secret(_) => {
                let v = match req.param(name) {
                    Some("") if nonempty => {
                        return Err(ApiError::invalid(name, "must not be empty"))
                    }
                    Some("") | None => return Ok(None),
                    Some(v) => v,
                };
                self.check.text(name, v)?;
                Ok(Some(Sent::Text(v.to_string())))
            }
            Slot::Zero => Ok(None),
        }
    }

    /// Stores `value` in `r`, as the service would under `real`.
    fn store(&self, r: &mut RegistryRecord, value: Sent, real: &RealismConfig) {
        if self.quirk == Quirk::DefaultedOrOmitted {
            r.trans_per_hour_unset = false;
        }
        match (&self.slot, value) {
            (Slot::Text(_, set), Sent::Text(v)) => {
                *set(r) = match self.quirk {
                    Quirk::Lowercased if real.lowercase_domain => v.to_ascii_lowercase(),
                    _ => v,
                }
            }
            (Slot::OptionalText(_, set), Sent::Text(v)) => *set(r) = Some(v),
            (Slot::Secret(set), Sent::Text(v)) => *set(r) = secret_hash(&v),
            (Slot::Int(_, set), Sent::Int(v)) => *set(r) = v,
            (Slot::OptionalInt(_, set), Sent::Int(v)) => *set(r) = Some(v),
            _ => {}
        }
    }

    /// The value never given on `AddPrivateRegistry`.
    fn unset(&self, r: &mut RegistryRecord, real: &RealismConfig) {
        if let (Quirk::DefaultedOrOmitted, Slot::Int(_, set)) = (self.quirk, &self.slot) {
            // A default the service filled in is a value it reports like any other.
            *set(r) = if real.default_trans_per_hour {
                DEFAULT_TRANS_PER_HOUR
            } else {
                0
            };
            r.trans_per_hour_unset = !real.default_trans_per_hour;
        }
    }

    /// The field as answered under `real`; `None` leaves it out.
    fn shown(&self, r: &RegistryRecord, real: &RealismConfig) -> Option<Value> {
        match self.quirk {
            Quirk::MaskedWithSwitch if real.mask_user_name => return Some(MASK.into()),
            Quirk::DefaultedOrOmitted if real.omit_unset && r.trans_per_hour_unset => return None,
            _ => {}
        }
        match &self.slot {
            Slot::Text(get, _) => Some(get(r).clone().into()),
            Slot::Int(get, _) => Some((*get(r)).into()),
            Slot::OptionalText(get, _) => get(r).clone().map(Into::into),
            Slot::OptionalInt(get, _) => get(r).map(Into::into),
            Slot::Secret(_) => Some(MASK.into()),
            Slot::Zero => Some(0.into()),
        }
    }

    /// Sets the field from a console patch's JSON value (null clears an optional field).
    fn patch(&self, r: &mut RegistryRecord, v: &Value) -> Result<(), String> {
        let k = self.name;
        let text = || {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{k} must be a string"))
        };
        let int = || v.as_i64().ok_or_else(|| format!("{k} must be an integer"));
        match &self.slot {
            Slot::Text(_, set) => *set(r) = text()?,
            Slot::Int(_, set) => *set(r) = int()?,
            Slot::OptionalText(_, set) => *set(r) = if v.is_null() { None } else { Some(text()?) },
            Slot::OptionalInt(_, set) => *set(r) = if v.is_null() { None } else { Some(int()?) },
            Slot::Secret(set) => *set(r) = secret_hash(&text()?),
            Slot::Zero => return Err(format!("field {k:?} cannot be changed")),
        }
        Ok(())
    }
}

impl RegistryRecord {
    /// A new registry from an `AddPrivateRegistry` request, with the fields the service sets
    /// left at their defaults: every required parameter is checked present first, in
    /// [`FIELDS`] order, then each value against its rule.
    pub fn added(req: &ApiRequest, real: &RealismConfig) -> Result<Self, ApiError> {
        for f in FIELDS.iter().filter(|f| f.given == Required) {
            req.required(f.param)?;
        }
        let mut r = Self::default();
        for f in FIELDS.iter().filter(|f| f.given != Given::Service) {
            match f.sent(req, false)? {
                Some(value) => f.store(&mut r, value, real),
                None => f.unset(&mut r, real),
            }
        }
        Ok(r)
    }

    /// What a `ModifyImageRegistry` request changes: every field it may change that the
    /// request names, checked before anything is applied.
    pub fn modified(req: &ApiRequest) -> Result<Modification, ApiError> {
        let mut changes = Vec::new();
        for f in FIELDS.iter().filter(|f| f.changed == ByModify) {
            if let Some(value) = f.sent(req, true)? {
                changes.push((f, value));
            }
        }
        Ok(Modification(changes))
    }

    /// The registry as `view` shows it.
    pub fn view(&self, real: &RealismConfig, view: View) -> Value {
        Value::Object(
            FIELDS
                .iter()
                .filter(|f| f.views.contains(&view))
                .filter_map(|f| Some((f.name.to_string(), f.shown(self, real)?)))
                .collect(),
        )
    }

    /// Applies a console patch's fields other than `ExtraParam` (which the caller owns):
    /// any field but the ids, times and counts.
    pub fn patch(&mut self, patch: &Map<String, Value>) -> Result<(), String> {
        for (k, v) in patch.iter().filter(|(k, _)| *k != "ExtraParam") {
            match FIELDS.iter().find(|f| f.name == k && f.changed != Never) {
                Some(f) => f.patch(self, v)?,
                None => return Err(format!("field {k:?} cannot be changed")),
            }
        }
        Ok(())
    }
}

/// A checked `ModifyImageRegistry`, to apply to the stored record.
pub struct Modification(Vec<(&'static Field, Sent)>);

impl Modification {
    /// Applies the changes under `real`.
    pub fn apply(self, r: &mut RegistryRecord, real: &RealismConfig) {
        for (f, value) in self.0 {
            f.store(r, value, real);
        }
    }
}
