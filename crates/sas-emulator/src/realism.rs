//! Realism switches: ways the real service may answer differently from what it was sent, each
//! off by default (so the emulator echoes every field as given) and each on with `--realism`
//! or at run time with `POST /_emulator/realism`:
//!
//! - `mask_user_name`: `UserName` is `******` in every answer, as the published
//!   `AddPrivateRegistry` sample shows it.
//! - `lowercase_domain`: `DomainName` (and the `RegistryName` taken from it at creation) is
//!   stored lower-cased, as host names are case-insensitive.
//! - `omit_unset`: optional fields never set (`Port`, `VpcId`, `TransPerHour`) are left out of
//!   answers (`Port` and `VpcId` are left out anyway when unset; this also leaves out an unset
//!   `TransPerHour`, which is otherwise reported as 0).
//! - `default_trans_per_hour`: a registry added without `TransPerHour` gets
//!   [`DEFAULT_TRANS_PER_HOUR`] instead of 0, as the console pre-fills one (CHOICE: the value is
//!   ours; the documentation gives none). It takes precedence over `omit_unset`: the value is
//!   then set.
//! - `appear_after_ms`: a new registry shows in `ListPrivateRegistryList` and
//!   `PageImageRegistry` only this long after `AddPrivateRegistry` answered (eventual
//!   consistency); 0 is at once. `--realism all` sets [`DEFAULT_APPEAR_AFTER_MS`].

use super::shared::Shared;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// `TransPerHour` of a registry added without one, with `default_trans_per_hour` on.
pub const DEFAULT_TRANS_PER_HOUR: i64 = 10;

/// The delay `--realism all` (or `delayed_appearance` in a list) gives new registries.
pub const DEFAULT_APPEAR_AFTER_MS: u64 = 1500;

/// The longest delay accepted (a minute): longer would outlast the tests' create timeouts.
pub const MAX_APPEAR_AFTER_MS: u64 = 60_000;

/// The switch names `--realism` takes (comma-separated, or `all` / `none`).
pub const SWITCHES: &[&str] = &[
    "mask-user-name",
    "lowercase-domain",
    "omit-unset",
    "default-trans-per-hour",
    "delayed-appearance",
];

/// The switches, as given on the command line or `POST /_emulator/realism` (JSON; a field left
/// out is off).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RealismConfig {
    /// `UserName` answered as `******`.
    pub mask_user_name: bool,
    /// `DomainName` stored lower-cased.
    pub lowercase_domain: bool,
    /// Unset `Port`, `VpcId`, `TransPerHour` left out of answers.
    pub omit_unset: bool,
    /// An unset `TransPerHour` becomes [`DEFAULT_TRANS_PER_HOUR`].
    pub default_trans_per_hour: bool,
    /// Milliseconds before a new registry shows in lists (at most [`MAX_APPEAR_AFTER_MS`]).
    pub appear_after_ms: u64,
}

impl RealismConfig {
    /// Every switch on.
    pub fn all() -> Self {
        Self {
            mask_user_name: true,
            lowercase_domain: true,
            omit_unset: true,
            default_trans_per_hour: true,
            appear_after_ms: DEFAULT_APPEAR_AFTER_MS,
        }
    }

    /// Turns on the switches in `list` (`all`, `none`, or comma-separated [`SWITCHES`]).
    pub fn enable(&mut self, list: &str) -> Result<(), String> {
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "all" => *self = Self::all(),
                "none" => *self = Self::default(),
                "mask-user-name" => self.mask_user_name = true,
                "lowercase-domain" => self.lowercase_domain = true,
                "omit-unset" => self.omit_unset = true,
                "default-trans-per-hour" => self.default_trans_per_hour = true,
                "delayed-appearance" => {
                    if self.appear_after_ms == 0 {
                        self.appear_after_ms = DEFAULT_APPEAR_AFTER_MS;
                    }
                }
                other => {
                    return Err(format!(
                        "unknown realism switch {other:?}; expected all, none or {}",
                        SWITCHES.join(", ")
                    ))
                }
            }
        }
        Ok(())
    }

    /// Checks the bounds.
    pub fn validate(&self) -> Result<(), String> {
        if self.appear_after_ms > MAX_APPEAR_AFTER_MS {
            return Err(format!(
                "appear_after_ms must be at most {MAX_APPEAR_AFTER_MS}, got {}",
                self.appear_after_ms
            ));
        }
        Ok(())
    }
}

/// The live switches, and when each new registry may show in lists.
#[derive(Default)]
pub struct Realism {
    config: Shared<RealismConfig>,
    /// Registries added with a delay, and when they show.
    appears_at: Shared<HashMap<i64, Instant>>,
}

impl Realism {
    /// Validates and installs `config`.
    pub fn new(config: RealismConfig) -> Result<Self, String> {
        config.validate()?;
        Ok(Self {
            config: Shared::new(config),
            appears_at: Shared::default(),
        })
    }

    /// The current switches.
    pub fn current(&self) -> RealismConfig {
        self.config.lock().clone()
    }

    /// Replaces the switches; on error nothing changes. Delays already given stay.
    pub fn set(&self, config: RealismConfig) -> Result<RealismConfig, String> {
        config.validate()?;
        *self.config.lock() = config.clone();
        Ok(config)
    }

    /// Records that registry `id` was just added, delayed as the switches say.
    pub fn added(&self, id: i64) {
        let delay = self.current().appear_after_ms;
        if delay > 0 {
            let at = Instant::now() + Duration::from_millis(delay);
            self.appears_at.lock().insert(id, at);
        }
    }

    /// Whether registry `id` shows in lists yet.
    pub fn visible(&self, id: i64) -> bool {
        let mut at = self.appears_at.lock();
        match at.get(&id) {
            Some(when) if Instant::now() < *when => false,
            Some(_) => {
                at.remove(&id);
                true
            }
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_parse_by_name_and_all() {
        let mut c = RealismConfig::default();
        c.enable("mask-user-name, omit-unset").unwrap();
        assert!(c.mask_user_name && c.omit_unset && !c.lowercase_domain);
        assert_eq!(c.appear_after_ms, 0);
        c.enable("delayed-appearance").unwrap();
        assert_eq!(c.appear_after_ms, DEFAULT_APPEAR_AFTER_MS);
        c.enable("all").unwrap();
        assert_eq!(c, RealismConfig::all());
        c.enable("none").unwrap();
        assert_eq!(c, RealismConfig::default());
        assert!(c
            .enable("mask-everything")
            .unwrap_err()
            .contains("mask-user-name"));
    }

    #[test]
    fn json_round_trips_and_bounds_hold() {
        let shown = serde_json::to_value(RealismConfig::all()).unwrap();
        assert_eq!(shown["appear_after_ms"], DEFAULT_APPEAR_AFTER_MS);
        let back: RealismConfig = serde_json::from_value(shown).unwrap();
        assert_eq!(back, RealismConfig::all());
        let partial: RealismConfig = serde_json::from_str(r#"{"mask_user_name": true}"#).unwrap();
        assert!(partial.mask_user_name && !partial.omit_unset);
        assert!(serde_json::from_str::<RealismConfig>(r#"{"mask": true}"#).is_err());
        let r = Realism::default();
        let too_long = RealismConfig {
            appear_after_ms: MAX_APPEAR_AFTER_MS + 1,
            ..Default::default()
        };
        assert!(r.set(too_long).is_err());
        assert_eq!(r.current(), RealismConfig::default(), "refused whole");
    }

    #[test]
    fn a_delayed_registry_shows_only_after_its_delay() {
        let r = Realism::new(RealismConfig {
            appear_after_ms: 50,
            ..Default::default()
        })
        .unwrap();
        r.added(1);
        assert!(!r.visible(1));
        assert!(r.visible(2), "registries not just added show");
        std::thread::sleep(Duration::from_millis(60));
        assert!(r.visible(1));
        r.set(RealismConfig::default()).unwrap();
        r.added(3);
        assert!(r.visible(3), "no delay when the switch is off");
    }
}
