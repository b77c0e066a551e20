//! The Sas (`2018-12-03`) private-registry actions: parameter validation, the change to the
//! store, and the response body in the shape the real service returns.
//!
//! Behaviour the spec leaves *unknown* is decided here, and a field's own rules in
//! [`super::record`]; each choice is marked `CHOICE:` so it is easy to find and change:
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
use super::realism::Realism;
use super::record::{ExtraRecord, RegistryRecord, View};
use super::request::ApiRequest;
use super::store::{StateData, Store};
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

fn persist_err(e: super::store::StoreError) -> ApiError {
    ApiError::internal(format!("The emulator could not save its state: {e}"))
}

fn add(
    req: &ApiRequest,
    ctx: &SasContext<'_>,
    body: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let real = ctx.realism.current();
    let mut rec = RegistryRecord::added(req, &real)?;
    let extras = match (rec.registry_type.as_str(), req.optional("ExtraParam")) {
        ("quay", None) => return Err(ApiError::missing("ExtraParam")),
        (_, None) => Vec::new(),
        (_, Some(raw)) => parse_extra_param(raw)?,
    };
    let now = ids::format_gmt(ctx.now);
    let created = ctx
        .store
        .mutate(|d: &mut StateData| {
            rec.id = d.allocate_id();
            rec.extras = extras
                .into_iter()
                .map(|(namespace, auth_token)| ExtraRecord {
                    id: d.allocate_extra_id(),
                    namespace,
                    auth_token,
                })
                .collect();
            rec.ali_uid = ctx.ali_uid;
            rec.token = ids::uuid_v4();
            // CHOICE: the display name is the domain at creation and does not follow it.
            rec.registry_name.clone_from(&rec.domain_name);
            rec.gmt_create.clone_from(&now);
            rec.gmt_modified = now;
            d.registries.push(rec.clone());
            Ok::<_, ApiError>(rec)
        })
        .map_err(persist_err)??;
    ctx.realism.added(created.id);
    ctx.lag.added(created.id);
    body.insert("Data".into(), created.view(&real, View::Add));
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
            .map(|r| r.view(&real, View::List))
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
            .map(|r| r.view(&real, View::Page))
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
    let change = RegistryRecord::modified(req)?;
    let real = ctx.realism.current();
    let now = ids::format_gmt(ctx.now);
    let before = ctx
        .store
        .mutate(|d| {
            let r = d.get_mut(id).ok_or_else(|| not_found("Id", id))?;
            let before = r.clone();
            change.apply(r, &real);
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
