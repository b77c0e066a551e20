//! Injected failures for tests: throttling, unavailability, connection resets before acting,
//! lost responses after committing, fixed latency (for every request and per action), and RAM
//! denials — decided per API request from a seeded RNG so a failing test replays identically.
//! Two kinds are counted instead of drawn, so they hit the same requests however the requests
//! interleave: every Nth request of an action losing its answer (`lose_response_every`), and
//! lists lagging a set number of answers behind adds, modifies and deletes ([`super::lag`]).
//!
//! Latency is no way to make a test wait for something: a loaded machine stretches every other
//! step too. To stop a request at a known point, hold it instead (`POST /_emulator/hold`, see
//! [`super::holds`]).
//!
//! One uniform draw per API request picks at most one fault, by partitioning `[0, 1)` in the
//! order reset, throttle, unavailable, lose-response; so the rates must add up to at most 1.
//! The RNG is a hand-written SplitMix64 rather than `rand`'s `StdRng`, whose algorithm may
//! change between `rand` releases: a seed here means the same sequence forever.

use super::shared::Shared;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use super::lag::{LagCounts, ListLag};

/// The most list answers a change may lag behind (a test needs a handful).
pub const MAX_LAG_LISTS: u64 = 1000;

/// The largest latency accepted, global or per action (ten minutes): anything longer is a
/// mistake, and would keep a connection open past any client's timeout.
pub const MAX_LATENCY_MS: u64 = 600_000;

/// The most actions `action_latency_ms` may name (the API has a handful).
pub const MAX_LATENCY_ACTIONS: usize = 64;

/// Fault settings, as given on the command line or `POST /_emulator/faults`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Probability of `Throttling.User` (400).
    pub throttle_rate: f64,
    /// Probability of `ServiceUnavailable` (503).
    pub unavailable_rate: f64,
    /// Probability of dropping the connection before acting (no response bytes).
    pub reset_rate: f64,
    /// Probability of acting (committing any change) and then dropping the connection.
    pub lose_response_rate: f64,
    /// Delay added to every API request, in milliseconds (at most [`MAX_LATENCY_MS`]).
    pub latency_ms: u64,
    /// Further delay for requests of these actions, added to `latency_ms`, in milliseconds
    /// (each at most [`MAX_LATENCY_MS`]), e.g. `{"AddPrivateRegistry": 1500}`.
    pub action_latency_ms: BTreeMap<String, u64>,
    /// RNG seed; `None` picks a random one (reported by `GET /_emulator/faults`).
    pub seed: Option<u64>,
    /// Actions answered with `NoPermission` (403), e.g. `DeletePrivateRegistry`.
    pub deny_actions: Vec<String>,
    /// Every Nth request of these actions acts and then loses its answer (counted per action
    /// from when this is set), e.g. `{"AddPrivateRegistry": 3}`; on top of the drawn faults.
    pub lose_response_every: BTreeMap<String, u64>,
    /// A new registry is missing from this many list answers after its add.
    pub appear_after_lists: u64,
    /// A modified registry shows its old values in this many list answers after the modify.
    pub stale_lists_after_modify: u64,
    /// A deleted registry still shows in this many list answers after the delete.
    pub stale_lists_after_delete: u64,
}

impl FaultConfig {
    /// Checks that every rate is a probability and that they fit in one draw.
    pub fn validate(&self) -> Result<(), String> {
        let rates = [
            ("throttle_rate", self.throttle_rate),
            ("unavailable_rate", self.unavailable_rate),
            ("reset_rate", self.reset_rate),
            ("lose_response_rate", self.lose_response_rate),
        ];
        for (name, r) in rates {
            if !r.is_finite() || !(0.0..=1.0).contains(&r) {
                return Err(format!("{name} must be between 0 and 1, got {r}"));
            }
        }
        let sum: f64 = rates.iter().map(|(_, r)| r).sum();
        if sum > 1.0 + 1e-9 {
            return Err(format!("fault rates add up to {sum}, more than 1"));
        }
        if self.latency_ms > MAX_LATENCY_MS {
            return Err(format!(
                "latency_ms must be at most {MAX_LATENCY_MS}, got {}",
                self.latency_ms
            ));
        }
        if self.action_latency_ms.len() > MAX_LATENCY_ACTIONS {
            return Err(format!(
                "action_latency_ms names {} actions, more than {MAX_LATENCY_ACTIONS}",
                self.action_latency_ms.len()
            ));
        }
        for (name, lists) in [
            ("appear_after_lists", self.appear_after_lists),
            ("stale_lists_after_modify", self.stale_lists_after_modify),
            ("stale_lists_after_delete", self.stale_lists_after_delete),
        ] {
            if lists > MAX_LAG_LISTS {
                return Err(format!(
                    "{name} must be at most {MAX_LAG_LISTS}, got {lists}"
                ));
            }
        }
        for (action, every) in &self.lose_response_every {
            if action.is_empty() || *every == 0 {
                return Err(format!(
                    "lose_response_every[{action:?}] must name an action and be at least 1, got {every}"
                ));
            }
        }
        for (action, ms) in &self.action_latency_ms {
            if action.is_empty() {
                return Err("action_latency_ms has an empty action name".into());
            }
            if *ms > MAX_LATENCY_MS {
                return Err(format!(
                    "action_latency_ms[{action:?}] must be at most {MAX_LATENCY_MS}, got {ms}"
                ));
            }
        }
        Ok(())
    }

    /// The delay for one request of `action` (`None` when the request named none).
    pub fn latency_for(&self, action: Option<&str>) -> Duration {
        let extra = action
            .and_then(|a| self.action_latency_ms.get(a))
            .copied()
            .unwrap_or(0);
        Duration::from_millis(self.latency_ms.saturating_add(extra))
    }
}

/// What to do to one API request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultDecision {
    /// Serve normally.
    None,
    /// Drop the connection before doing anything.
    Reset,
    /// Answer `Throttling.User`.
    Throttle,
    /// Answer `ServiceUnavailable`.
    Unavailable,
    /// Act, then drop the connection instead of answering.
    LoseResponse,
}

/// SplitMix64: tiny, fast, and stable by construction. Public so that other tests' seeded
/// schedules replay the same way forever too.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next number of the sequence.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)` from the top 53 bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct FaultState {
    config: FaultConfig,
    rng: SplitMix64,
    /// Requests of each action since the settings were made, for `lose_response_every`.
    seen: HashMap<String, u64>,
}

/// The live fault settings, shared by all connections and changeable at run time.
pub struct Faults {
    state: Shared<FaultState>,
    /// How far lists lag behind changes.
    pub lag: ListLag,
}

impl Faults {
    /// Validates and installs `config` (a missing seed becomes a random one).
    pub fn new(config: FaultConfig) -> Result<Self, String> {
        let state = Self::make_state(config)?;
        let lag = ListLag::default();
        lag.configure(Self::lag_counts(&state.config));
        Ok(Self {
            state: Shared::new(state),
            lag,
        })
    }

    fn lag_counts(c: &FaultConfig) -> LagCounts {
        LagCounts {
            appear_after: c.appear_after_lists,
            stale_after_modify: c.stale_lists_after_modify,
            stale_after_delete: c.stale_lists_after_delete,
        }
    }

    fn make_state(mut config: FaultConfig) -> Result<FaultState, String> {
        config.validate()?;
        let seed = *config.seed.get_or_insert_with(rand::random);
        Ok(FaultState {
            config,
            rng: SplitMix64(seed),
            seen: HashMap::new(),
        })
    }

    /// Replaces the settings (and reseeds); on error nothing changes.
    pub fn set(&self, config: FaultConfig) -> Result<FaultConfig, String> {
        let state = Self::make_state(config)?;
        let shown = state.config.clone();
        self.lag.configure(Self::lag_counts(&shown));
        *self.state.lock() = state;
        Ok(shown)
    }

    /// The current settings, with the effective seed.
    pub fn current(&self) -> FaultConfig {
        self.state.lock().config.clone()
    }

    /// Whether `action` is configured to be denied.
    pub fn denies(&self, action: &str) -> bool {
        self.state
            .lock()
            .config
            .deny_actions
            .iter()
            .any(|a| a == action)
    }

    /// Draws the fault, and works out the latency, for one API request of `action` (`None`
    /// when the request named none). Every request takes exactly one draw.
    pub fn decide(&self, action: Option<&str>) -> (Duration, FaultDecision) {
        let mut st = self.state.lock();
        let u = st.rng.next_f64();
        if let Some(a) = action {
            if let Some(every) = st.config.lose_response_every.get(a).copied() {
                let n = st.seen.entry(a.to_string()).or_default();
                *n += 1;
                if n.is_multiple_of(every) {
                    return (st.config.latency_for(action), FaultDecision::LoseResponse);
                }
            }
        }
        let c = &st.config;
        let latency = c.latency_for(action);
        let bands = [
            (c.reset_rate, FaultDecision::Reset),
            (c.throttle_rate, FaultDecision::Throttle),
            (c.unavailable_rate, FaultDecision::Unavailable),
            (c.lose_response_rate, FaultDecision::LoseResponse),
        ];
        let mut edge = 0.0;
        let mut decision = FaultDecision::None;
        for (rate, d) in bands {
            edge += rate;
            if u < edge {
                decision = d;
                break;
            }
        }
        (latency, decision)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        assert!(FaultConfig::default().validate().is_ok());
        let bad = FaultConfig {
            throttle_rate: 1.5,
            ..Default::default()
        };
        assert!(bad.validate().is_err());
        let over = FaultConfig {
            throttle_rate: 0.6,
            reset_rate: 0.6,
            ..Default::default()
        };
        assert!(over.validate().is_err());
        let nan = FaultConfig {
            reset_rate: f64::NAN,
            ..Default::default()
        };
        assert!(nan.validate().is_err());
    }

    #[test]
    fn same_seed_same_sequence_and_rates_roughly_hold() {
        let cfg = FaultConfig {
            throttle_rate: 0.25,
            reset_rate: 0.25,
            seed: Some(7),
            ..Default::default()
        };
        let a = Faults::new(cfg.clone()).unwrap();
        let b = Faults::new(cfg).unwrap();
        let sa: Vec<_> = (0..1000).map(|_| a.decide(None).1).collect();
        let sb: Vec<_> = (0..1000).map(|_| b.decide(None).1).collect();
        assert_eq!(sa, sb);
        let throttled = sa.iter().filter(|d| **d == FaultDecision::Throttle).count();
        let reset = sa.iter().filter(|d| **d == FaultDecision::Reset).count();
        assert!((180..320).contains(&throttled), "{throttled}");
        assert!((180..320).contains(&reset), "{reset}");
        assert!(!sa.contains(&FaultDecision::Unavailable));
    }

    #[test]
    fn rate_one_always_fires_and_zero_never() {
        let f = Faults::new(FaultConfig {
            lose_response_rate: 1.0,
            ..Default::default()
        })
        .unwrap();
        assert!((0..100).all(|_| f.decide(None).1 == FaultDecision::LoseResponse));
        f.set(FaultConfig::default()).unwrap();
        assert!((0..100).all(|_| f.decide(None).1 == FaultDecision::None));
        assert!(f.current().seed.is_some());
    }

    #[test]
    fn action_latency_adds_to_the_global_latency_for_that_action_only() {
        let f = Faults::new(FaultConfig {
            latency_ms: 100,
            action_latency_ms: [("AddPrivateRegistry".to_string(), 1500)].into(),
            ..Default::default()
        })
        .unwrap();
        let ms = |a: Option<&str>| f.decide(a).0.as_millis();
        assert_eq!(ms(Some("AddPrivateRegistry")), 1600);
        assert_eq!(ms(Some("ListPrivateRegistryList")), 100);
        assert_eq!(ms(None), 100);
        // Shown by GET /_emulator/faults and accepted back by POST, as JSON.
        let shown = serde_json::to_value(f.current()).unwrap();
        assert_eq!(shown["action_latency_ms"]["AddPrivateRegistry"], 1500);
        let back: FaultConfig = serde_json::from_value(shown).unwrap();
        assert_eq!(back, f.current());
        let parsed: FaultConfig =
            serde_json::from_str(r#"{"action_latency_ms": {"DeletePrivateRegistry": 20}}"#)
                .unwrap();
        assert_eq!(
            parsed.latency_for(Some("DeletePrivateRegistry")),
            Duration::from_millis(20)
        );
        assert_eq!(parsed.latency_ms, 0);
    }

    #[test]
    fn latencies_are_bounded() {
        let too_long = FaultConfig {
            latency_ms: MAX_LATENCY_MS + 1,
            ..Default::default()
        };
        assert!(too_long.validate().unwrap_err().contains("latency_ms"));
        let one = |action: &str, ms: u64| FaultConfig {
            action_latency_ms: [(action.to_string(), ms)].into(),
            ..Default::default()
        };
        assert!(one("AddPrivateRegistry", MAX_LATENCY_MS).validate().is_ok());
        let e = one("AddPrivateRegistry", MAX_LATENCY_MS + 1)
            .validate()
            .unwrap_err();
        assert!(e.contains("AddPrivateRegistry"), "{e}");
        assert!(one("", 1).validate().is_err());
        let many = FaultConfig {
            action_latency_ms: (0..=MAX_LATENCY_ACTIONS)
                .map(|i| (format!("Action{i}"), 1))
                .collect(),
            ..Default::default()
        };
        assert!(many.validate().is_err());
        // An invalid setting is refused whole.
        let f = Faults::new(FaultConfig::default()).unwrap();
        assert!(f.set(one("AddPrivateRegistry", u64::MAX)).is_err());
        assert!(f.current().action_latency_ms.is_empty());
    }

    #[test]
    fn every_nth_request_of_an_action_loses_its_answer() {
        let f = Faults::new(FaultConfig {
            lose_response_every: [("AddPrivateRegistry".to_string(), 3)].into(),
            ..Default::default()
        })
        .unwrap();
        let adds: Vec<_> = (0..6)
            .map(|_| {
                f.decide(Some("ListPrivateRegistryList"));
                f.decide(Some("AddPrivateRegistry")).1
            })
            .collect();
        use FaultDecision::{LoseResponse as L, None as N};
        assert_eq!(adds, [N, N, L, N, N, L]);
        let zero = FaultConfig {
            lose_response_every: [("AddPrivateRegistry".to_string(), 0)].into(),
            ..Default::default()
        };
        assert!(zero.validate().unwrap_err().contains("lose_response_every"));
        let long = FaultConfig {
            appear_after_lists: MAX_LAG_LISTS + 1,
            ..Default::default()
        };
        assert!(long.validate().unwrap_err().contains("appear_after_lists"));
    }

    #[test]
    fn latency_does_not_change_the_draws() {
        let plain = FaultConfig {
            reset_rate: 0.5,
            seed: Some(11),
            ..Default::default()
        };
        let slow = FaultConfig {
            action_latency_ms: [("AddPrivateRegistry".to_string(), 5)].into(),
            ..plain.clone()
        };
        let (a, b) = (Faults::new(plain).unwrap(), Faults::new(slow).unwrap());
        let da: Vec<_> = (0..200)
            .map(|_| a.decide(Some("AddPrivateRegistry")).1)
            .collect();
        let db: Vec<_> = (0..200)
            .map(|_| b.decide(Some("AddPrivateRegistry")).1)
            .collect();
        assert_eq!(da, db);
    }
}
