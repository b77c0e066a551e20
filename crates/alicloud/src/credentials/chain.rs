//! The credential chain, built lazily: the plan made at configure time becomes a concrete
//! provider on the first API call, so configuring never reads a file or touches the network.

use std::sync::Arc;

use tokio::sync::OnceCell;
use tracing::debug;

use super::profile::{load_profile, ProfileCredentials, ProfileLookup};
use super::{
    AssumeRoleProvider, BoxFuture, CloudSsoProvider, CredentialProvider, Credentials,
    EcsRoleProvider, ExternalProvider, OidcProvider, StaticProvider, UriProvider,
};
use crate::config::{CredentialPlan, CredentialSource};
use crate::context::CallContext;
use crate::error::Error;
use crate::rpc::Rpc;
use crate::sts::AssumeRoleRequest;

#[derive(Debug)]
pub struct LazyChain {
    plan: CredentialPlan,
    rpc: Rpc,
    sts_host: String,
    metadata_host: String,
    /// `ALIBABA_CLOUD_IMDSV1_DISABLED`.
    imds_v1_disabled: bool,
    built: OnceCell<Arc<dyn CredentialProvider>>,
}

impl LazyChain {
    pub(crate) fn new(
        plan: CredentialPlan,
        rpc: Rpc,
        sts_host: String,
        metadata_host: String,
        imds_v1_disabled: bool,
    ) -> Self {
        LazyChain {
            plan,
            rpc,
            sts_host,
            metadata_host,
            imds_v1_disabled,
            built: OnceCell::new(),
        }
    }

    fn assume(
        &self,
        base: Arc<dyn CredentialProvider>,
        request: AssumeRoleRequest,
    ) -> Arc<dyn CredentialProvider> {
        Arc::new(AssumeRoleProvider::new(
            self.rpc.clone(),
            self.sts_host.clone(),
            base,
            request,
        ))
    }

    /// The provider a profile stands for; a chained profile's source first.
    fn profile_provider(&self, found: ProfileCredentials) -> Arc<dyn CredentialProvider> {
        match found {
            ProfileCredentials::Static {
                access_key_id,
                access_key_secret,
                security_token,
            } => Arc::new(StaticProvider::new(
                access_key_id,
                access_key_secret,
                security_token,
            )),
            ProfileCredentials::RamRoleArn {
                access_key_id,
                access_key_secret,
                assume_role,
            } => self.assume(
                Arc::new(StaticProvider::new(access_key_id, access_key_secret, None)),
                AssumeRoleRequest::from(&assume_role),
            ),
            ProfileCredentials::EcsRamRole { role_name } => Arc::new(EcsRoleProvider::new(
                self.rpc.clone(),
                self.metadata_host.clone(),
                role_name,
                self.imds_v1_disabled,
            )),
            ProfileCredentials::Chained {
                source,
                assume_role,
            } => self.assume(
                self.profile_provider(*source),
                AssumeRoleRequest::from(&assume_role),
            ),
            ProfileCredentials::External { profile, command } => {
                Arc::new(ExternalProvider::new(profile, command))
            }
            ProfileCredentials::CloudSso(profile) => {
                Arc::new(CloudSsoProvider::new(self.rpc.clone(), profile))
            }
        }
    }

    /// Turns the plan into a provider; reads the profile file if the plan says so.
    fn build(&self) -> Result<Arc<dyn CredentialProvider>, Error> {
        let base: Arc<dyn CredentialProvider> = match &self.plan.source {
            CredentialSource::Static {
                access_key_id,
                access_key_secret,
                security_token,
                origin,
            } => {
                debug!(origin = %origin, "credentials: static AccessKey");
                Arc::new(StaticProvider::new(
                    access_key_id.clone(),
                    access_key_secret.clone(),
                    security_token.clone(),
                ))
            }
            CredentialSource::Uri { uri } => {
                debug!("credentials: credentials URI");
                Arc::new(UriProvider::new(self.rpc.clone(), uri.clone()))
            }
            CredentialSource::EcsRole { role_name } => {
                debug!(role = %role_name, "credentials: ECS instance role");
                Arc::new(EcsRoleProvider::new(
                    self.rpc.clone(),
                    self.metadata_host.clone(),
                    role_name.clone(),
                    self.imds_v1_disabled,
                ))
            }
            CredentialSource::Oidc(spec) => {
                debug!(role_arn = %spec.role.role_arn, provider = %spec.provider_arn, "credentials: OIDC role assumption");
                Arc::new(OidcProvider::new(
                    self.rpc.clone(),
                    self.sts_host.clone(),
                    spec.clone(),
                ))
            }
            CredentialSource::Profile { path, name } => {
                match load_profile(path, name.as_deref())? {
                    ProfileLookup::NotApplicable(why) => {
                        let mut tried = self.plan.tried.clone();
                        tried.push(why);
                        return Err(Error::NoCredentials { tried });
                    }
                    ProfileLookup::Found(found) => {
                        debug!(path = %path.display(), profile = ?name, "credentials: shared credentials file");
                        self.profile_provider(found)
                    }
                }
            }
            CredentialSource::Nothing => {
                return Err(Error::NoCredentials {
                    tried: self.plan.tried.clone(),
                })
            }
        };
        Ok(match &self.plan.assume_role {
            Some(spec) => {
                debug!(role_arn = %spec.role_arn, "credentials: assume_role on top");
                self.assume(base, AssumeRoleRequest::from(spec))
            }
            None => base,
        })
    }
}

impl CredentialProvider for LazyChain {
    fn credentials<'a>(
        &'a self,
        ctx: &'a CallContext,
    ) -> BoxFuture<'a, Result<Credentials, Error>> {
        Box::pin(async move {
            let provider = self
                .built
                .get_or_try_init(|| async { self.build() })
                .await?;
            provider.credentials(ctx).await
        })
    }

    fn reject(&self, access_key_id: &str) {
        if let Some(provider) = self.built.get() {
            provider.reject(access_key_id);
        }
    }
}
