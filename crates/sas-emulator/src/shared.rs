//! State every connection shares. A handler that panics while holding it must not wedge the
//! emulator for the rest of a test run, so the next caller takes the state as it was left.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// A mutex whose poisoning is ignored.
#[derive(Debug, Default)]
pub struct Shared<T>(Mutex<T>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Self(Mutex::new(value))
    }

    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether someone holds it now, for tests of what runs under the lock.
    #[cfg(test)]
    pub fn is_locked(&self) -> bool {
        self.0.try_lock().is_err()
    }
}
