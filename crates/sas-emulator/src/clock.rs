//! The emulator's clock: the wall clock plus an offset a test can move forward.
//!
//! Credentials, tokens and timestamps are all judged against this clock, so a test can make an
//! apply "last" longer than a credential's lifetime without waiting for it: hold a request,
//! advance the clock past the expiry, release it (`POST /_emulator/clock`).
//!
//! Request timestamps are judged by it too: once it is more than 15 minutes ahead in all, every
//! signed request is refused as stale, as a client whose clock is behind would see.
//!
//! CHOICE: the clock only moves forward, and at most a day per step, so a typo cannot put the
//! emulator in a year where every signature is refused for its timestamp alone.

use std::sync::atomic::{AtomicI64, Ordering};
use time::{Duration, OffsetDateTime};

/// The largest single step, in seconds.
pub const MAX_STEP_SECONDS: i64 = 86_400;

/// Wall-clock time plus the offset tests have added.
#[derive(Debug, Default)]
pub struct Clock {
    offset_seconds: AtomicI64,
}

impl Clock {
    /// The emulator's current time.
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + Duration::seconds(self.offset())
    }

    /// How far ahead of the wall clock the emulator is, in seconds.
    pub fn offset(&self) -> i64 {
        self.offset_seconds.load(Ordering::SeqCst)
    }

    /// Moves the clock `seconds` forward; returns the new offset.
    pub fn advance(&self, seconds: i64) -> Result<i64, String> {
        if !(1..=MAX_STEP_SECONDS).contains(&seconds) {
            return Err(format!(
                "advance_seconds must be 1 to {MAX_STEP_SECONDS}, got {seconds}"
            ));
        }
        Ok(self.offset_seconds.fetch_add(seconds, Ordering::SeqCst) + seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_forward_only_and_in_bounded_steps() {
        let c = Clock::default();
        let before = c.now();
        assert_eq!(c.advance(301), Ok(301));
        assert!(c.now() - before >= Duration::seconds(301));
        assert!(c.advance(0).is_err());
        assert!(c.advance(-5).is_err());
        assert!(c.advance(MAX_STEP_SECONDS + 1).is_err());
        assert_eq!(c.offset(), 301);
    }
}
