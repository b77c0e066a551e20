//! The retry policy every call shares: exponential backoff with full jitter.
//!
//! Full jitter (a uniform delay between zero and the exponential ceiling) spreads out clients
//! that were throttled together. The loop that uses it lives in `rpc.rs`; the delays are fields so
//! tests can make them milliseconds.

use std::time::Duration;

use rand::Rng;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The ceiling of the first backoff.
    pub base_delay: Duration,
    /// The largest ceiling any backoff reaches.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The ceiling before retry number `retry` (0 for the first retry): base·2^retry, capped.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// A uniformly random delay in `[0, ceiling(retry)]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rand::rng().random_range(0..=nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_then_caps() {
        let p = RetryPolicy::default();
        let secs: Vec<u64> = (0..6).map(|i| p.ceiling(i).as_secs()).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 10, 10]);
        assert_eq!(p.ceiling(1000), Duration::from_secs(10));
    }

    #[test]
    fn backoff_stays_within_ceiling_and_varies() {
        let p = RetryPolicy::default();
        let draws: Vec<Duration> = (0..200).map(|_| p.backoff(3)).collect();
        assert!(draws.iter().all(|d| *d <= Duration::from_secs(8)));
        let min = draws.iter().min().copied().unwrap_or_default();
        let max = draws.iter().max().copied().unwrap_or_default();
        assert!(
            max - min > Duration::from_secs(2),
            "no jitter: {min:?}..{max:?}"
        );
        let zero = RetryPolicy {
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
        };
        assert_eq!(zero.backoff(5), Duration::ZERO);
    }
}
