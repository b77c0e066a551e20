//! `CallContext`: the limits one Terraform operation puts on every API call it makes.

use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The deadline (the resource's create/update/delete timeout) and the StopProvider token.
/// Retries, backoff sleeps, credential refreshes and each HTTP attempt all stop at either.
#[derive(Debug, Clone)]
pub struct CallContext {
    pub deadline: Instant,
    pub cancel: CancellationToken,
}

impl CallContext {
    pub fn new(deadline: Instant, cancel: CancellationToken) -> Self {
        CallContext { deadline, cancel }
    }

    /// A context that ends `timeout` from now.
    pub fn with_timeout(timeout: Duration, cancel: CancellationToken) -> Self {
        CallContext {
            deadline: Instant::now() + timeout,
            cancel,
        }
    }

    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}
