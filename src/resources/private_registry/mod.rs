//! `alicloud_sas_private_registry`: a self-managed image registry in Security Center.
//!
//! - `fields.rs`: the model, `Registry`: each attribute declared once, with how it travels to
//!   and from the API; `schema.rs`, `convert.rs` (plans into requests) and `errors.rs` derive from it.
//! - `plan.rs` and `validate.rs`: the registry's own plan-time rules.
//! - `registries.rs`: shared lists, read, update, delete, import; `create.rs`: the create that
//!   makes exactly one registry; `settle.rs`: waiting for lists to show what was done.
//! - `list.rs`: the list resource of the same name, for `terraform query`.
//! - `api.rs`: what all that needs of the API, which `fake.rs` fakes for the unit tests.

pub mod api;
#[cfg(test)]
mod chaos;
mod convert;
mod create;
mod errors;
#[cfg(test)]
pub(crate) mod fake;
mod fields;
mod identity;
mod list;
mod plan;
mod registries;
mod schema;
mod settle;
mod validate;

pub use fields::{Fields, Registry};
pub use list::PrivateRegistryList;
pub use registries::Registries;

use crate::provider::Account;
use tfplugin::framework::{async_trait, Diagnostics, Outcome, Plan, Private, Resource};
use tfplugin::value::Value;

pub const TYPE_NAME: &str = "alicloud_sas_private_registry";

pub struct PrivateRegistry;

tfplugin::terraform_type!(PrivateRegistry: TYPE_NAME, schema: schema::schema, validate: validate::validate);

#[async_trait]
impl Resource<Account> for PrivateRegistry {
    fn modify_plan(&self, account: Option<&Account>, plan: &mut Plan<'_>) {
        plan::modify_plan(account, plan);
    }

    async fn create(&self, account: &Account, planned: &Value, config: &Value) -> Outcome {
        account.registries.create(planned, config).await
    }

    async fn read(
        &self,
        account: &Account,
        current: &Value,
        private: &mut Private,
    ) -> Result<Option<Value>, Diagnostics> {
        account.registries.refresh(current, private).await
    }

    async fn update(
        &self,
        account: &Account,
        prior: &Value,
        planned: &Value,
        config: &Value,
    ) -> Outcome {
        account.registries.update(prior, planned, config).await
    }

    async fn delete(&self, account: &Account, prior: &Value) -> Result<(), Diagnostics> {
        account.registries.delete(prior).await
    }

    async fn import(&self, account: &Account, id: &str) -> Result<Value, Diagnostics> {
        account.registries.import(id).await
    }
}
