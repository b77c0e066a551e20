//! An API failure as the user sees it: the client's message (action, code, RequestId, hint),
//! at the attribute whose parameter the API blamed, so Terraform shows the configuration line.

use alicloud::Error;
use tfplugin::framework::{Diagnostic, Diagnostics};
use tfplugin::value::AttributePath;

use super::fields::Fields;

pub fn failed(summary: &str, e: &Error) -> Diagnostics {
    let diagnostic = Diagnostic::error(summary, e.to_string());
    let Some((parameter, attribute)) = e
        .parameter()
        .and_then(|p| Some((p, Fields::attribute_of(p)?)))
    else {
        return diagnostic.into();
    };
    let mut d = diagnostic.at(AttributePath::attr(attribute));
    d.detail
        .push_str(&format!("\n\n`{parameter}` is set from `{attribute}`."));
    d.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alicloud::ApiError;

    /// What the client makes of an error answer to `AddPrivateRegistry`.
    fn rejected(message: &str) -> Error {
        Error::Api {
            action: "AddPrivateRegistry".into(),
            ram_action: "yundun-sas:AddPrivateRegistry".into(),
            api: Box::new(ApiError {
                status: 400,
                code: "InvalidParameter".into(),
                message: message.into(),
                request_id: Some("R-1".into()),
                parameter: alicloud::placement::named_in(
                    <alicloud::AddPrivateRegistryRequest as alicloud::request::Request>::PARAMETERS,
                    "InvalidParameter",
                    message,
                ),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn an_api_rejection_points_at_the_attribute_it_names() {
        let d = &failed(
            "Failed to create registry",
            &rejected("The parameter \"RegistryRegionId\" is invalid"),
        )
        .0[0];
        assert_eq!(d.attribute, Some(AttributePath::attr("registry_region_id")));
        assert!(d
            .detail
            .contains("`RegistryRegionId` is set from `registry_region_id`"));
        assert!(d.detail.contains("R-1"), "{}", d.detail);
        let secret = rejected("The parameter \"Password\" is invalid");
        assert_eq!(
            failed("x", &secret).0[0].attribute,
            None,
            "a secret's line is never shown"
        );
        for vague in [
            "Request was denied due to request throttling",
            "Supported ports: see Port and DomainName",
        ] {
            assert_eq!(
                failed("x", &rejected(vague)).0[0].attribute,
                None,
                "{vague}"
            );
        }
    }
}
