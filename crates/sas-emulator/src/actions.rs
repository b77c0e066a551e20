//! The Sas (`2018-12-03`) private-registry actions: parameter validation, the change to the
//! store, and the response body in the shape the real service returns.
//!
//! Behaviour the spec leaves *unknown* is decided here, each choice marked `CHOICE:` so it is
//! easy to find and change:
//! - `UserName` is echoed as given. The published example shows it masked, but the same example
//!   also masks the IP address, so that masking reads as documentation redaction. `Password` is
//!   always `******`.
//! - Optional fields that were never set (`Port`, `VpcId`) are omitted from responses, as the
//!   service's JSON serialiser omits nulls.
//! - `TransPerHour` defaults to 0 when not given.
//!
//! Those are the defaults. The realism switches ([`super::realism`], `--realism`,
//! `POST /_emulator/realism`) answer as the real service may instead: `UserName` masked as
//! `******` (as the published `AddPrivateRegistry` sample shows it), `DomainName` stored
//! lower-cased, an unset `TransPerHour` left out (or, CHOICE, set to
//! [`super::realism::DEFAULT_TRANS_PER_HOUR`]), and a new registry missing from lists for a
//! while after it was added.
//! - `RegistryName` is the `DomainName` at creation and does not follow later changes.
//! - No length limits; `Port` must be 1..=65535, `TransPerHour` non-negative; `RegistryHostIp`
//!   is not checked to be an IP (hosts in private networks are named in many ways).
//! - `VpcId` is not required when `NetType=2`.
//! - `ExtraParam` is required (non-empty array) for quay, validated and stored when given for
//!   harbor too.
//! - Duplicates (same domain, same everything) are allowed: the real API has no uniqueness
//!   rule we know of, and the provider's ambiguous-create handling must cope with duplicates.
//! - `DeletePrivateRegistry` of an unknown id succeeds with `Data: false` (already gone).
//! - `ModifyImageRegistry` / `RefreshRegistryToken` of an unknown id fail with
//!   `InvalidParameter` (400): failing loudly is safer than pretending to update nothing.
//! - `ModifyImageRegistry` ignores parameters it does not define (the gateway drops unknown
//!   parameters), so it can never change `RegistryType` and the like; with no updatable field
//!   it is a successful no-op. Its `Data` is `null` (the SDK types it as "any", example N/A).
//! - `ListPrivateRegistryList` with an unrecognised `RegistryType` filter returns an empty list.
//! - `ListImageRegistryExtra` for an unknown registry returns an empty list.
//! - `PageImageRegistry`: `CurrentPage` ≥ 1, `PageSize` 1..=100; `RegistryNameLike` is a
//!   case-sensitive substring match.

use super::api_error::ApiError;
use super::ids;
use super::lag::ListLag;
use super::realism::{Realism, RealismConfig, DEFAULT_TRANS_PER_HOUR};
use super::request::ApiRequest;
use super::secret::secret_hash;
use super::store::{ExtraRecord, RegistryRecord, StateData, Store};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

/// The Sas API version the emulator serves.
pub const SAS_VERSION: &str = "2018-12-03";

/// What a password (and nothing else) looks like in a response.
pub const MASK: &str = "******";

/// Regions accepted as `RegistryRegionId` and listed by `ListImageRegistryRegion`:
/// (id, English name, Chinese name).
pub const REGIONS: &[(&str, &str, &str)] = &[
    ("cn-hangzhou", "China (Hangzhou)", "华东1（杭州）"),
    ("cn-shanghai", "China (Shanghai)", "华东2（上海）"),
    ("cn-qingdao", "China (Qingdao)", "华北1（青岛）"),
    ("cn-beijing", "China (Beijing)", "华北2（北京）"),
    ("cn-zhangjiakou", "China (Zhangjiakou)", "华北3（张家口）"),
    ("cn-huhehaote", "China (Hohhot)", "华北5（呼和浩特）"),
    ("cn-shenzhen", "China (Shenzhen)", "华南1（深圳）"),
    ("cn-heyuan", "China (Heyuan)", "华南2（河源）"),
    ("cn-guangzhou", "China (Guangzhou)", "华南3（广州）"),
    ("cn-chengdu", "China (Chengdu)", "西南1（成都）"),
    ("cn-hongkong", "China (Hong Kong)", "中国香港"),
    ("ap-southeast-1", "Singapore", "新加坡"),
    (
        "ap-southeast-3",
        "Malaysia (Kuala Lumpur)",
        "马来西亚（吉隆坡）",
    ),
    (
        "ap-southeast-5",
        "Indonesia (Jakarta)",
        "印度尼西亚（雅加达）",
    ),
    ("ap-northeast-1", "Japan (Tokyo)", "日本（东京）"),
    ("eu-central-1", "Germany (Frankfurt)", "德国（法兰克福）"),
    ("us-west-1", "US (Silicon Valley)", "美国（硅谷）"),
    ("us-east-1", "US (Virginia)", "美国（弗吉尼亚）"),
];

/// The actions this module serves.
pub const ACTIONS: &[&str] = &[
    "AddPrivateRegistry",
    "ListPrivateRegistryList",
    "PageImageRegistry",
    "ListImageRegistryExtra",
    "ModifyImageRegistry",
    "DeletePrivateRegistry",
    "ListImageRegistryRegion",
    "RefreshRegistryToken",
];

/// What an action needs besides its request.
pub struct SasContext<'a> {
    /// The registry table.
    pub store: &'a Store,
    /// The account that owns everything.
    pub ali_uid: i64,
    /// Server time.
    pub now: OffsetDateTime,
    /// Goes first in every response.
    pub request_id: &'a str,
    /// How answers differ from what was sent.
    pub realism: &'a Realism,
    /// How far lists lag behind changes.
    pub lag: &'a ListLag,
}

/// Runs one Sas action. Unknown actions are `InvalidAction.NotFound`.
pub fn handle(action: &str, req: &ApiRequest, ctx: &SasContext<'_>) -> Result<Value, ApiError> {
    let mut body = Map::new();
    body.insert("RequestId".into(), Value::from(ctx.request_id));
    match action {
        "AddPrivateRegistry" => add(req, ctx, &mut body)?,
        "ListPrivateRegistryList" => list(req, ctx, &mut body),
        "PageImageRegistry" => page(req, ctx, &mut body)?,
        "ListImageRegistryExtra" => list_extra(req, ctx, &mut body)?,
        "ModifyImageRegistry" => modify(req, ctx, &mut body)?,
        "DeletePrivateRegistry" => delete(req, ctx, &mut body)?,
        "ListImageRegistryRegion" => regions(req, &mut body),
        "RefreshRegistryToken" => refresh_token(req, ctx, &mut body)?,
        other => return Err(ApiError::action_not_found(other)),
    }
    Ok(Value::Object(body))
}

fn one_of(name: &str, value: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            name,
            format!("{value:?} is not one of {}", allowed.join(", ")),
        ))
    }
}

fn enum_i64(req: &ApiRequest, name: &str, allowed: &[i64]) -> Result<i64, ApiError> {
    let v = req.required_i64(name)?;
    if allowed.contains(&v) {
        Ok(v)
    } else {
        Err(ApiError::invalid(
            name,
            format!("{v} is not one of {allowed:?}"),
        ))
    }
}

fn check_port(p: i64) -> Result<i64, ApiError> {
    if (1..=65535).contains(&p) {
        Ok(p)
    } else {
        Err(ApiError::invalid(
            "Port",
            format!("{p} is not in 1..=65535"),
        ))
    }
}

fn check_trans(t: i64) -> Result<i64, ApiError> {
    if t >= 0 {
        Ok(t)
    } else {
        Err(ApiError::invalid("TransPerHour", "must not be negative"))
    }
}

/// Parses `ExtraParam`: a JSON array of `{"namespace": .., "authToken": ..}`, both non-empty
/// strings. Returns (namespace, authToken) pairs.
pub fn parse_extra_param(raw: &str) -> Result<Vec<(String, String)>, ApiError> {
    let bad = |why: &str| ApiError::invalid("ExtraParam", why);
    let v: Value = serde_json::from_str(raw).map_err(|_| bad("is not valid JSON"))?;
    let items = v
        .as_array()
        .ok_or_else(|| bad("must be a JSON array of {namespace, authToken}"))?;
    if items.is_empty() {
        return Err(bad("must contain at least one {namespace, authToken}"));
    }
    items
        .iter()
        .map(|item| {
            let field = |k: &str| {
                item.get(k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .ok_or_else(|| bad(&format!("every item needs a non-empty string {k:?}")))
            };
            Ok((field("namespace")?, field("authToken")?))
        })
        .collect()
}

/// `UserName` as answered: masked with `mask_user_name`.
fn user_name(r: &RegistryRecord, real: &RealismConfig) -> String {
    if real.mask_user_name {
        MASK.into()
    } else {
        r.user_name.clone()
    }
}

/// `TransPerHour` as answered: left out when never set, with `omit_unset`.
fn trans_per_hour(r: &RegistryRecord, real: &RealismConfig) -> Option<i64> {
    (!(real.omit_unset && r.trans_per_hour_unset)).then_some(r.trans_per_hour)
}

/// `DomainName` as stored: lower-cased with `lowercase_domain`.
fn stored_domain(domain: &str, real: &RealismConfig) -> String {
    if real.lowercase_domain {
        domain.to_ascii_lowercase()
    } else {
        domain.to_string()
    }
}

/// The answers that show a registry, each with its own subset of the record's fields.
#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    /// The `Data` object of AddPrivateRegistry: the published example's fields.
    Add,
    /// An `ImageRegistryInfos[]` item of ListPrivateRegistryList.
    List,
    /// A `List[]` item of PageImageRegistry: no `RegistryVersion`, `Port` or `AliUid`.
    Page,
}

use View::{Add, List, Page};

/// How a field reads from the record, as answered under the realism switches; `None` leaves it
/// out of the answer.
type Show = fn(&RegistryRecord, &RealismConfig) -> Option<Value>;

/// Every field an answer shows, once, with the views that carry it (key order is not
/// meaningful in JSON, and `serde_json` here sorts keys).
const SHOWN: &[(&str, &[View], Show)] = &[
    ("Id", &[Add, List, Page], |r, _| Some(r.id.into())),
    ("AliUid", &[Add, List], |r, _| Some(r.ali_uid.into())),
    ("DomainName", &[Add, List, Page], |r, _| {
        Some(r.domain_name.clone().into())
    }),
    ("RegistryHostIp", &[Add, List, Page], |r, _| {
        Some(r.registry_host_ip.clone().into())
    }),
    ("Port", &[List], |r, _| r.port.map(Into::into)),
    ("NetType", &[Add, List, Page], |r, _| {
        Some(r.net_type.into())
    }),
    ("ProtocolType", &[Add, List, Page], |r, _| {
        Some(r.protocol_type.into())
    }),
    ("RegionId", &[Add, List, Page], |r, _| {
        Some(r.region_id.clone().into())
    }),
    ("RegistryName", &[List, Page], |r, _| {
        Some(r.registry_name.clone().into())
    }),
    ("RegistryType", &[Add, List, Page], |r, _| {
        Some(r.registry_type.clone().into())
    }),
    ("RegistryVersion", &[Add, List], |r, _| {
        Some(r.registry_version.clone().into())
    }),
    ("Token", &[Add, List, Page], |r, _| {
        Some(r.token.clone().into())
    }),
    ("TransPerHour", &[Add, List, Page], |r, real| {
        trans_per_hour(r, real).map(Into::into)
    }),
    ("UserName", &[Add, List, Page], |r, real| {
        Some(user_name(r, real).into())
    }),
    ("Password", &[Add, List, Page], |_, _| Some(MASK.into())),
    ("VpcId", &[Add, List, Page], |r, _| {
        r.vpc_id.clone().map(Into::into)
    }),
    ("WhiteList", &[List, Page], |r, _| {
        Some(r.white_list.clone().into())
    }),
    ("BlackList", &[Page], |r, _| {
        Some(r.black_list.clone().into())
    }),
    ("JenkinsEnv", &[List, Page], |r, _| {
        Some(r.jenkins_env.clone().into())
    }),
    ("PersistenceDay", &[List, Page], |r, _| {
        Some(r.persistence_day.into())
    }),
    ("ImageCount", &[Page], |_, _| Some(0.into())),
    ("GmtCreate", &[Page], |r, _| {
        Some(r.gmt_create.clone().into())
    }),
    ("GmtModified", &[Page], |r, _| {
        Some(r.gmt_modified.clone().into())
    }),
];

/// The registry as `view` shows it.
fn view(r: &RegistryRecord, real: &RealismConfig, view: View) -> Value {
    Value::Object(
        SHOWN
            .iter()
            .filter(|(_, views, _)| views.contains(&view))
            .filter_map(|(name, _, show)| Some(((*name).to_string(), show(r, real)?)))
            .collect(),
    )
}

fn persist_err(e: super::store::StoreError) -> ApiError {
    ApiError::internal(format!("The emulator could not save its state: {e}"))
}

fn add(
    req: &ApiRequest,
    ctx: &SasContext<'_>,
    body: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let registry_type = req.required("RegistryType")?;
    let registry_version = req.required("RegistryVersion")?;
    req.required("ProtocolType")?;
    req.required("NetType")?;
    let host_ip = req.required("RegistryHostIp")?;
    let domain = req.required("DomainName")?;
    let user = req.required("UserName")?;
    let password = req.required("Password")?;
    let region = req.required("RegistryRegionId")?;

    one_of("RegistryType", registry_type, &["harbor", "quay"])?;
    one_of("RegistryVersion", registry_version, &["V1", "V2"])?;
    let protocol = enum_i64(req, "ProtocolType", &[1, 2])?;
    let net = enum_i64(req, "NetType", &[1, 2])?;
    if !REGIONS.iter().any(|(id, _, _)| *id == region) {
        return Err(ApiError::invalid(
            "RegistryRegionId",
            format!("{region:?} is not a supported region (see ListImageRegistryRegion)"),
        ));
    }
    let port = req.optional_i64("Port")?.map(check_port).transpose()?;
    let real = ctx.realism.current();
    let given_trans = req
        .optional_i64("TransPerHour")?
        .map(check_trans)
        .transpose()?;
    let trans = given_trans.unwrap_or(if real.default_trans_per_hour {
        DEFAULT_TRANS_PER_HOUR
    } else {
        0
    });
    // A default the service filled in is a value it reports like any other.
    let trans_unset = given_trans.is_none() && !real.default_trans_per_hour;
    let domain = stored_domain(domain, &real);
    let extras = match (registry_type, req.optional("ExtraParam")) {
        ("quay", None) => return Err(ApiError::missing("ExtraParam")),
        (_, None) => Vec::new(),
        (_, Some(raw)) => parse_extra_param(raw)?,
    };
    let vpc = req.optional("VpcId").map(str::to_string);
    let now = ids::format_gmt(ctx.now);

    let created = ctx
        .store
        .mutate(|d: &mut StateData| {
            let id = d.allocate_id();
            let extras = extras
                .into_iter()
                .map(|(namespace, auth_token)| ExtraRecord {
                    id: d.allocate_extra_id(),
                    namespace,
                    auth_token,
                })
                .collect();
            let rec = RegistryRecord {
                id,
                ali_uid: ctx.ali_uid,
                registry_type: registry_type.to_string(),
                registry_version: registry_version.to_string(),
                protocol_type: protocol,
                net_type: net,
                vpc_id: vpc,
                registry_host_ip: host_ip.to_string(),
                domain_name: domain.clone(),
                port,
                user_name: user.to_string(),
                password_hash: secret_hash(password),
                region_id: region.to_string(),
                trans_per_hour: trans,
                trans_per_hour_unset: trans_unset,
                token: ids::uuid_v4(),
                registry_name: domain,
                white_list: String::new(),
                black_list: String::new(),
                jenkins_env: String::new(),
                persistence_day: 0,
                extras,
                gmt_create: now.clone(),
                gmt_modified: now,
            };
            d.registries.push(rec.clone());
            Ok::<_, ApiError>(rec)
        })
        .map_err(persist_err)??;
    ctx.realism.added(created.id);
    ctx.lag.added(created.id);
    body.insert("Data".into(), view(&created, &real, View::Add));
    Ok(())
}

fn list(req: &ApiRequest, ctx: &SasContext<'_>, body: &mut Map<String, Value>) {
    let filter = req.optional("RegistryType");
    let real = ctx.realism.current();
    let items: Vec<Value> = ctx.store.read(|d| {
        let lagging = ctx.lag.answer(&d.registries, |r| r.id);
        lagging
            .as_deref()
            .unwrap_or(&d.registries)
            .iter()
            .filter(|r| filter.is_none_or(|t| r.registry_type == t))
            .filter(|r| ctx.realism.visible(r.id))
            .map(|r| view(r, &real, View::List))
            .collect()
    });
    body.insert("ImageRegistryInfos".into(), Value::Array(items));
}

fn page(
    req: &ApiRequest,
    ctx: &SasContext<'_>,
    body: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let current = req.optional_i64("CurrentPage")?.unwrap_or(1);
    if current < 1 {
        return Err(ApiError::invalid("CurrentPage", "must be at least 1"));
    }
    let size = req.optional_i64("PageSize")?.unwrap_or(20);
    if !(1..=100).contains(&size) {
        return Err(ApiError::invalid("PageSize", "must be in 1..=100"));
    }
    let like = req.optional("RegistryNameLike");
    let type_in = req.repeat_list("RegistryTypeInList");
    let type_not_in = req.repeat_list("RegistryTypeNotInList");
    let real = ctx.realism.current();
    let matching: Vec<Value> = ctx.store.read(|d| {
        let lagging = ctx.lag.answer(&d.registries, |r| r.id);
        lagging
            .as_deref()
            .unwrap_or(&d.registries)
            .iter()
            .filter(|r| ctx.realism.visible(r.id))
            .filter(|r| like.is_none_or(|l| r.registry_name.contains(l)))
            .filter(|r| type_in.is_empty() || type_in.contains(&r.registry_type.as_str()))
            .filter(|r| !type_not_in.contains(&r.registry_type.as_str()))
            .map(|r| view(r, &real, View::Page))
            .collect()
    });
    let total = matching.len();
    // Both factors are bounded above (page ≥ 1, size ≤ 100), but a huge CurrentPage must not
    // overflow: saturate and get an empty page.
    let skip = usize::try_from(current - 1)
        .unwrap_or(usize::MAX)
        .saturating_mul(usize::try_from(size).unwrap_or(20));
    let list: Vec<Value> = matching
        .into_iter()
        .skip(skip)
        .take(usize::try_from(size).unwrap_or(20))
        .collect();
    body.insert(
        "PageInfo".into(),
        json!({"Count": list.len(), "CurrentPage": current, "PageSize": size, "TotalCount": total}),
    );
    body.insert("List".into(), Value::Array(list));
    Ok(())
}

fn list_extra(
    req: &ApiRequest,
    ctx: &SasContext<'_>,
    body: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let id = req.required_i64("RegistryId")?;
    let items: Vec<Value> = ctx.store.read(|d| {
        d.get(id)
            .map(|r| {
                r.extras
                    .iter()
                    .map(|e| {
                        json!({
                            "Id": e.id,
                            "AliUid": r.ali_uid,
                            "AuthToken": e.auth_token,
                            "Namespace": e.namespace,
                            "RegistryId": r.id,
                            "RegistryType": r.registry_type,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    });
    body.insert("ImageRegistryExtraInfos".into(), Value::Array(items));
    Ok(())
}

/// An unknown registry, named by the action's own parameter (`Id` for `ModifyImageRegistry`,
/// `RegistryId` for `RefreshRegistryToken`).
fn not_found(parameter: &str, id: i64) -> ApiError {
    ApiError::invalid(parameter, format!("registry {id} does not exist"))
}

fn modify(
    req: &ApiRequest,
    ctx: &SasContext<'_>,
    body: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let started = std::time::Instant::now();
    let id = req.required_i64("Id")?;
    let nonempty = |name: &str| -> Result<Option<String>, ApiError> {
        match req.param(name) {
            None => Ok(None),
            Some("") => Err(ApiError::invalid(name, "must not be empty")),
            Some(v) => Ok(Some(v.to_string())),
        }
    };
    let password = nonempty("Password")?;
    let user = nonempty("UserName")?;
    let real = ctx.realism.current();
    let domain = nonempty("DomainName")?.map(|d| stored_domain(&d, &real));
    let host_ip = nonempty("RegistryHostIp")?;
    let trans = req
        .optional_i64("TransPerHour")?
        .map(check_trans)
        .transpose()?;
    let port = req.optional_i64("Port")?.map(check_port).transpose()?;
    let now = ids::format_gmt(ctx.now);
    let before = ctx
        .store
        .mutate(|d| {
            let r = d.get_mut(id).ok_or_else(|| not_found("Id", id))?;
            let before = r.clone();
            if let Some(p) = &password {
                r.password_hash = secret_hash(p);
            }
            if let Some(u) = user {
                r.user_name = u;
            }
            if let Some(dn) = domain {
                r.domain_name = dn;
            }
            if let Some(ip) = host_ip {
                r.registry_host_ip = ip;
            }
            if let Some(t) = trans {
                r.trans_per_hour = t;
                r.trans_per_hour_unset = false;
            }
            if let Some(p) = port {
                r.port = Some(p);
            }
            r.gmt_modified = now;
            Ok::<_, ApiError>(before)
        })
        .map_err(persist_err)??;
    ctx.lag.modified(id, before);
    body.insert("Code".into(), "200".into());
    body.insert("Data".into(), Value::Null);
    body.insert("HttpStatusCode".into(), 200.into());
    body.insert("Message".into(), "success".into());
    body.insert("Success".into(), true.into());
    let cost = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    body.insert("TimeCost".into(), cost.into());
    Ok(())
}

fn delete(
    req: &ApiRequest,
    ctx: &SasContext<'_>,
    body: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let id = req.required_i64("RegistryId")?;
    let gone = ctx
        .store
        .mutate(|d| {
            let before = d.get(id).cloned();
            d.remove(id);
            Ok::<_, ApiError>(before)
        })
        .map_err(persist_err)??;
    let existed = gone.is_some();
    if let Some(before) = gone {
        ctx.lag.deleted(id, before);
    }
    body.insert("Data".into(), existed.into());
    Ok(())
}

/// `Lang` defaults to `zh`, as the API reference and the official SDK's model say.
fn regions(req: &ApiRequest, body: &mut Map<String, Value>) {
    let zh = !req
        .optional("Lang")
        .is_some_and(|l| l.eq_ignore_ascii_case("en"));
    let items: Vec<Value> = REGIONS
        .iter()
        .map(|(id, en, cn)| json!({"RegionId": id, "RegionName": if zh { cn } else { en }}))
        .collect();
    body.insert("Regions".into(), Value::Array(items));
}

fn refresh_token(
    req: &ApiRequest,
    ctx: &SasContext<'_>,
    body: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let id = req.required_i64("RegistryId")?;
    let now = ids::format_gmt(ctx.now);
    let token = ctx
        .store
        .mutate(|d| {
            let r = d.get_mut(id).ok_or_else(|| not_found("RegistryId", id))?;
            r.token = ids::uuid_v4();
            r.gmt_modified = now;
            Ok::<_, ApiError>(r.token.clone())
        })
        .map_err(persist_err)??;
    body.insert("Data".into(), token.into());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_param_rules() {
        assert_eq!(
            parse_extra_param(r#"[{"namespace":"aa","authToken":"bb"}]"#).unwrap(),
            vec![("aa".to_string(), "bb".to_string())]
        );
        for bad in [
            "",
            "{}",
            "[]",
            r#"[{"namespace":"aa"}]"#,
            r#"[{"namespace":"","authToken":"x"}]"#,
            r#"[{"namespace":1,"authToken":"x"}]"#,
            "[1]",
        ] {
            assert_eq!(
                parse_extra_param(bad).unwrap_err().code,
                "InvalidParameter",
                "{bad}"
            );
        }
    }
}
