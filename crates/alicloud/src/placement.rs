//! Where each action's parameters travel: the query string or the form body.
//!
//! Each request declares it beside its fields (`request!` in `sas.rs` and `sts.rs`), as the
//! official Python SDK `alibabacloud-sas20181203` 10.3.2 sends them
//! (`alibabacloud_sas20181203/client.py`, `*_with_options`: `query['X'] = ...` versus
//! `body['X'] = ...`), which is generated from the service's own API metadata; an operation
//! carries its request's declaration (`Operation::parameters`), which this module reads. The
//! service is known to accept what its SDK sends, so we send the same: V3 puts query parameters in the
//! canonical query (signed) and body parameters in the form body (signed through its hash); V2
//! puts them beside the common parameters and in the body, and signs both together.
//!
//! STS `AssumeRole` is from `alibabacloud-sts20150401` 1.2.0 the same way (every parameter in
//! the query).
//!
//! `tests/sdk_conformance.rs` checks the Sas declarations against the SDK itself, request by
//! request, and a unit test in `sas.rs` that every parameter a request sends is declared.

/// Where one parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// The URL's query string.
    Query,
    /// The `application/x-www-form-urlencoded` body.
    Body,
}

use Location::{Body, Query};

use super::request::Parameter;

/// Where `param` goes among a request's `parameters` (`Tag.1` as `Tag`). Every parameter a
/// request sends is declared (a unit test in `sas.rs` checks it); anything else would go in
/// the body, as the signature covers both.
pub fn location(parameters: &[Parameter], param: &str) -> Location {
    let base = param.split_once('.').map_or(param, |(b, _)| b);
    parameters
        .iter()
        .find(|p| p.name == base)
        .map_or(Body, |p| p.location)
}

/// Parameters that say which object a call is about, not how it should be: an error naming
/// one of them beside another is about the other.
const IDENTIFIERS: [&str; 2] = ["Id", "RegistryId"];

/// The one parameter of `action` that an error names as a whole word in its code or message,
/// if exactly one does: `InvalidParameter.DomainName`, or `The parameter "RegistryRegionId"
/// is invalid`. An identifier counts only when nothing else is named: then the object it
/// names is what is wrong (`The parameter "RegistryId" is invalid: registry 9 does not
/// exist`).
pub fn named_in(
    parameters: &'static [Parameter],
    code: &str,
    message: &str,
) -> Option<&'static str> {
    let words: std::collections::HashSet<&str> = code
        .split(|c: char| !c.is_ascii_alphanumeric())
        .chain(message.split(|c: char| !c.is_ascii_alphanumeric()))
        .collect();
    let named: Vec<&'static str> = parameters
        .iter()
        .map(|p| p.name)
        .filter(|p| words.contains(p))
        .collect();
    let (identifiers, others): (Vec<_>, Vec<_>) =
        named.into_iter().partition(|p| IDENTIFIERS.contains(p));
    match (others.as_slice(), identifiers.as_slice()) {
        ([one], _) | ([], [one]) => Some(one),
        _ => None,
    }
}

/// Parameters as `(name, value)` pairs.
pub type Pairs = Vec<(String, String)>;

/// Splits `params` into (query, body), each in its given order.
pub fn split(parameters: &[Parameter], params: &[(String, String)]) -> (Pairs, Pairs) {
    params
        .iter()
        .cloned()
        .partition(|(k, _)| location(parameters, k) == Query)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Request;
    use crate::sas::*;
    use crate::sts::{AssumeRoleRequest, AssumeRoleWithOidcRequest};

    #[test]
    fn an_error_names_a_parameter_only_when_it_names_exactly_one() {
        let add = AddPrivateRegistryRequest::PARAMETERS;
        let bad = "InvalidParameter";
        let named = |code, message| named_in(add, code, message);
        assert_eq!(
            named(bad, r#"The parameter "RegistryRegionId" is invalid"#),
            Some("RegistryRegionId")
        );
        assert_eq!(
            named("InvalidParameter.DomainName", "The value is invalid"),
            Some("DomainName"),
            "the code may name it"
        );
        assert_eq!(named(bad, "Supported ports: see Port and DomainName"), None);
        assert_eq!(named("Throttling", "Request was denied"), None);
        assert_eq!(
            named(bad, "RegistryRegionIds are listed"),
            None,
            "whole words"
        );
        assert_eq!(named_in(&[], bad, "Port"), None);
        assert_eq!(
            named_in(
                ModifyImageRegistryRequest::PARAMETERS,
                bad,
                "Port of registry Id 5 is out of range"
            ),
            Some("Port"),
            "the registry's id is not what is wrong"
        );
        assert_eq!(
            named_in(
                RefreshRegistryTokenRequest::PARAMETERS,
                bad,
                r#"The parameter "RegistryId" is invalid: registry 9 does not exist"#
            ),
            Some("RegistryId"),
            "named alone, the registry is what is wrong"
        );
    }

    #[test]
    fn modify_splits_as_the_sdk_does() {
        let p: Vec<(String, String)> = [
            "Id",
            "Password",
            "UserName",
            "TransPerHour",
            "DomainName",
            "Port",
            "RegistryHostIp",
        ]
        .iter()
        .map(|k| (k.to_string(), "v".to_string()))
        .collect();
        let (q, b) = split(ModifyImageRegistryRequest::PARAMETERS, &p);
        let names = |v: &[(String, String)]| v.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
        assert_eq!(names(&q), ["DomainName", "Port", "RegistryHostIp"]);
        assert_eq!(names(&b), ["Id", "Password", "UserName", "TransPerHour"]);
    }

    #[test]
    fn repeat_lists_and_undeclared_parameters() {
        let page = PageImageRegistryRequest::PARAMETERS;
        assert_eq!(location(page, "RegistryTypeInList.2"), Body);
        assert_eq!(
            location(AddPrivateRegistryRequest::PARAMETERS, "Password"),
            Query
        );
        assert_eq!(location(AssumeRoleRequest::PARAMETERS, "RoleArn"), Query);
        assert_eq!(location(&[], "X"), Body);
    }

    #[test]
    fn each_request_names_a_parameter_once() {
        for (action, declared) in [
            (
                AddPrivateRegistryRequest::ACTION,
                AddPrivateRegistryRequest::PARAMETERS,
            ),
            (
                ListPrivateRegistryListRequest::ACTION,
                ListPrivateRegistryListRequest::PARAMETERS,
            ),
            (
                ListImageRegistryExtraRequest::ACTION,
                ListImageRegistryExtraRequest::PARAMETERS,
            ),
            (
                ModifyImageRegistryRequest::ACTION,
                ModifyImageRegistryRequest::PARAMETERS,
            ),
            (
                DeletePrivateRegistryRequest::ACTION,
                DeletePrivateRegistryRequest::PARAMETERS,
            ),
            (
                PageImageRegistryRequest::ACTION,
                PageImageRegistryRequest::PARAMETERS,
            ),
            (
                ListImageRegistryRegionRequest::ACTION,
                ListImageRegistryRegionRequest::PARAMETERS,
            ),
            (
                RefreshRegistryTokenRequest::ACTION,
                RefreshRegistryTokenRequest::PARAMETERS,
            ),
            (AssumeRoleRequest::ACTION, AssumeRoleRequest::PARAMETERS),
            (
                AssumeRoleWithOidcRequest::ACTION,
                AssumeRoleWithOidcRequest::PARAMETERS,
            ),
        ] {
            let mut names: Vec<&str> = declared.iter().map(|p| p.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), declared.len(), "{action}");
        }
    }
}
