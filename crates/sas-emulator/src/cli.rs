//! The `sas-emulator` command line: a small hand-rolled parser (the flag set is flat and fixed,
//! so clap would add more build time than it saves) and the `main` the thin binary calls.
//!
//! Once listening the binary prints exactly one line on stdout, flushed:
//! `sas-emulator listening on 127.0.0.1:PORT`, the address a whitespace-separated word of its
//! own (scripts grep for it, test harnesses split on whitespace); nothing else goes to stdout,
//! and no secret is ever printed anywhere.

use super::faults::FaultConfig;
use super::realism::RealismConfig;
use super::{
    Emulator, EmulatorConfig, Secret, DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_ALI_UID, DEFAULT_ECS_ROLE_NAME, DEFAULT_LISTEN,
};
use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;

/// Environment variables read when the matching flag is absent (keeps secrets out of `ps`).
pub const ENV_ACCESS_KEY_ID: &str = "SAS_EMULATOR_ACCESS_KEY_ID";
/// See [`ENV_ACCESS_KEY_ID`].
pub const ENV_ACCESS_KEY_SECRET: &str = "SAS_EMULATOR_ACCESS_KEY_SECRET";
/// See [`ENV_ACCESS_KEY_ID`].
pub const ENV_SECURITY_TOKEN: &str = "SAS_EMULATOR_SECURITY_TOKEN";

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    /// Run with this config.
    Run(Box<EmulatorConfig>),
    /// Print usage.
    Help,
    /// Print the version.
    Version,
}

/// A command-line mistake.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CliError {
    /// Unknown flag.
    #[error("unknown argument {0:?}")]
    Unknown(String),
    /// A flag that needs a value got none.
    #[error("{0} needs a value")]
    MissingValue(String),
    /// A value that does not parse.
    #[error("invalid value {value:?} for {flag}: {why}")]
    Invalid {
        /// The flag.
        flag: String,
        /// The value.
        value: String,
        /// Why it is wrong.
        why: String,
    },
}

/// The `--help` text, with the defaults.
pub fn usage() -> String {
    let endpoints = crate::introspect::endpoints_help();
    format!(
        "\
sas-emulator: a local Alibaba Cloud Security Center (Sas) private-registry API, with STS
AssumeRole and ECS metadata credentials, for offline tests and demos.

USAGE:
    sas-emulator [OPTIONS]

OPTIONS:
    --listen ADDR                 address to listen on [default: {DEFAULT_LISTEN}]
                                  (non-loopback addresses need --allow-remote)
    --allow-remote                allow a non-loopback --listen address
    --access-key-id ID            accepted access key id [default: {DEFAULT_ACCESS_KEY_ID}]
                                  (env {ENV_ACCESS_KEY_ID})
    --access-key-secret SECRET    its secret [default: {DEFAULT_ACCESS_KEY_SECRET}]
                                  (env {ENV_ACCESS_KEY_SECRET})
    --security-token TOKEN        require this token with that key [default: none]
                                  (env {ENV_SECURITY_TOKEN})
    --state-file PATH             persist registries here (atomic writes) [default: memory only]
    --ali-uid N                   account id of created registries [default: {DEFAULT_ALI_UID}]
    --ecs-role-name NAME          role served by the ECS metadata path [default: {DEFAULT_ECS_ROLE_NAME}]
    --imds MODE                   metadata session tokens: optional, required (hardened
                                  mode: reads without a token refused), v1-only (no token
                                  endpoint) [default: optional]
    --temporary-credential-lifetime SECONDS
                                  the longest any temporary key issued (STS, metadata,
                                  credentials URI) lives, whatever was asked [default: as asked]
    --deny-action ACTION          answer ACTION with NoPermission (403); repeatable
    --fault-throttle-rate P       probability of Throttling.User (400) [default: 0]
    --fault-unavailable-rate P    probability of ServiceUnavailable (503) [default: 0]
    --fault-reset-rate P          probability of dropping the connection before acting [default: 0]
    --fault-lose-response-rate P  probability of acting, then dropping the connection [default: 0]
    --fault-latency-ms N          delay added to every API request [default: 0]
    --fault-action-latency-ms ACTION=N
                                  further delay for requests of ACTION; repeatable
    --fault-seed N                seed of the fault RNG [default: random]
    --realism LIST                answer as the real service may: `all`, `none`, or a comma-
                                  separated list of mask-user-name (UserName as ******),
                                  lowercase-domain (DomainName stored lower-cased), omit-unset
                                  (unset Port, VpcId, TransPerHour left out), default-trans-
                                  per-hour (unset TransPerHour becomes 10), delayed-appearance
                                  (a new registry is missing from lists for a while);
                                  repeatable [default: none, answers echo what was sent]
    --realism-appear-after-ms N   how long delayed-appearance hides a new registry
                                  [default: 1500 with the switch, else 0; at most 60000]
    -h, --help                    print this help
    -V, --version                 print the version

Once listening, prints one line on stdout: `sas-emulator listening on 127.0.0.1:PORT`.
SIGINT/SIGTERM stop it cleanly. Faults apply to Sas/STS API requests only.

INTROSPECTION (loopback only, JSON):
{endpoints}"
    )
}

fn parse_value<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, CliError>
where
    T::Err: std::fmt::Display,
{
    value.parse::<T>().map_err(|e| CliError::Invalid {
        flag: flag.into(),
        value: value.into(),
        why: e.to_string(),
    })
}

/// `ACTION=MS`, as `--fault-action-latency-ms` takes it.
fn parse_action_latency(flag: &str, value: &str) -> Result<(String, u64), CliError> {
    let invalid = |why: &str| CliError::Invalid {
        flag: flag.into(),
        value: value.into(),
        why: why.into(),
    };
    let (action, ms) = value
        .split_once('=')
        .ok_or_else(|| invalid("expected ACTION=MILLISECONDS"))?;
    if action.is_empty() {
        return Err(invalid("the action is empty"));
    }
    Ok((action.to_string(), parse_value(flag, ms)?))
}

fn parse_listen(value: &str) -> Result<SocketAddr, CliError> {
    let invalid = |why: String| CliError::Invalid {
        flag: "--listen".into(),
        value: value.into(),
        why,
    };
    if let Ok(a) = value.parse::<SocketAddr>() {
        return Ok(a);
    }
    // Names such as localhost:8080: take the first address they resolve to.
    value
        .to_socket_addrs()
        .map_err(|e| invalid(e.to_string()))?
        .next()
        .ok_or_else(|| invalid("resolves to no address".into()))
}

/// Parses arguments (without the program name). `env` looks up environment variables, so
/// tests can pass their own.
pub fn parse<I, F>(args: I, env: F) -> Result<Command, CliError>
where
    I: IntoIterator<Item = String>,
    F: Fn(&str) -> Option<String>,
{
    let mut cfg = EmulatorConfig::default();
    let mut faults = FaultConfig::default();
    let mut realism = RealismConfig::default();
    let mut appear_after_ms = None;
    let (mut id, mut secret, mut token) = (None, None, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--allow-remote" => {
                cfg.allow_remote = true;
                continue;
            }
            _ => {}
        }
        let takes_value = matches!(
            flag.as_str(),
            "--listen"
                | "--access-key-id"
                | "--access-key-secret"
                | "--security-token"
                | "--state-file"
                | "--ali-uid"
                | "--ecs-role-name"
                | "--imds"
                | "--temporary-credential-lifetime"
                | "--deny-action"
                | "--fault-throttle-rate"
                | "--fault-unavailable-rate"
                | "--fault-reset-rate"
                | "--fault-lose-response-rate"
                | "--fault-latency-ms"
                | "--fault-action-latency-ms"
                | "--fault-seed"
                | "--realism"
                | "--realism-appear-after-ms"
        );
        if !takes_value {
            return Err(CliError::Unknown(arg));
        }
        let value = match inline {
            Some(v) => v,
            None => args
                .next()
                .ok_or_else(|| CliError::MissingValue(flag.clone()))?,
        };
        let v = value.as_str();
        match flag.as_str() {
            "--listen" => cfg.listen = parse_listen(v)?,
            "--access-key-id" => id = Some(value),
            "--access-key-secret" => secret = Some(value),
            "--security-token" => token = Some(value),
            "--state-file" => cfg.state_file = Some(PathBuf::from(value)),
            "--ali-uid" => cfg.ali_uid = parse_value(&flag, v)?,
            "--ecs-role-name" => cfg.ecs_role_name = value,
            "--imds" => cfg.imds = parse_value(&flag, v)?,
            "--temporary-credential-lifetime" => {
                let seconds: i64 = parse_value(&flag, v)?;
                if seconds < 1 {
                    return Err(CliError::Invalid {
                        flag: flag.clone(),
                        value: value.clone(),
                        why: "must be at least 1 second".into(),
                    });
                }
                cfg.temporary_credential_lifetime = Some(seconds);
            }
            "--deny-action" => faults.deny_actions.push(value),
            "--fault-throttle-rate" => faults.throttle_rate = parse_value(&flag, v)?,
            "--fault-unavailable-rate" => faults.unavailable_rate = parse_value(&flag, v)?,
            "--fault-reset-rate" => faults.reset_rate = parse_value(&flag, v)?,
            "--fault-lose-response-rate" => faults.lose_response_rate = parse_value(&flag, v)?,
            "--fault-latency-ms" => faults.latency_ms = parse_value(&flag, v)?,
            "--fault-action-latency-ms" => {
                let (action, ms) = parse_action_latency(&flag, v)?;
                faults.action_latency_ms.insert(action, ms);
            }
            "--fault-seed" => faults.seed = Some(parse_value(&flag, v)?),
            "--realism" => realism.enable(v).map_err(|why| CliError::Invalid {
                flag: flag.clone(),
                value: value.clone(),
                why,
            })?,
            "--realism-appear-after-ms" => appear_after_ms = Some(parse_value(&flag, v)?),
            _ => return Err(CliError::Unknown(arg)),
        }
    }
    if let Some(i) = id.or_else(|| env(ENV_ACCESS_KEY_ID)) {
        cfg.access_key_id = i;
    }
    if let Some(s) = secret.or_else(|| env(ENV_ACCESS_KEY_SECRET)) {
        cfg.access_key_secret = Secret::new(s);
    }
    cfg.security_token = token
        .or_else(|| env(ENV_SECURITY_TOKEN))
        .filter(|t| !t.is_empty())
        .map(Secret::new);
    if cfg.access_key_id.is_empty() {
        return Err(CliError::Invalid {
            flag: "--access-key-id".into(),
            value: String::new(),
            why: "must not be empty".into(),
        });
    }
    faults.validate().map_err(|why| CliError::Invalid {
        flag: "--fault-*".into(),
        value: String::new(),
        why,
    })?;
    cfg.faults = faults;
    if let Some(ms) = appear_after_ms {
        realism.appear_after_ms = ms;
    }
    realism.validate().map_err(|why| CliError::Invalid {
        flag: "--realism-appear-after-ms".into(),
        value: realism.appear_after_ms.to_string(),
        why,
    })?;
    cfg.realism = realism;
    Ok(Command::Run(Box::new(cfg)))
}

/// Waits for SIGINT or SIGTERM.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The binary's main: parse, start, announce, wait for a signal, shut down.
pub fn main() -> ExitCode {
    let cmd = parse(std::env::args().skip(1), |k| std::env::var(k).ok());
    let cfg = match cmd {
        Ok(Command::Help) => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("sas-emulator {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Ok(Command::Run(cfg)) => cfg,
        Err(e) => {
            eprintln!("sas-emulator: {e}\nTry --help.");
            return ExitCode::from(2);
        }
    };
    // The signal runtime is separate from the server's (which lives on its own thread).
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sas-emulator: cannot create a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let emulator = match Emulator::start(*cfg) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("sas-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    let announced =
        writeln!(out, "sas-emulator listening on {}", emulator.addr()).and_then(|_| out.flush());
    drop(out);
    if let Err(e) = announced {
        eprintln!("sas-emulator: cannot write to stdout: {e}");
    }
    rt.block_on(wait_for_signal());
    match emulator.shutdown() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sas-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Command, CliError> {
        parse(args.iter().map(|s| s.to_string()), |_| None)
    }

    fn cfg(args: &[&str]) -> EmulatorConfig {
        match run(args) {
            Ok(Command::Run(c)) => *c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let c = cfg(&[]);
        assert_eq!(c.listen.to_string(), "127.0.0.1:0");
        assert_eq!(c.access_key_id, DEFAULT_ACCESS_KEY_ID);
        assert_eq!(c.access_key_secret.expose(), DEFAULT_ACCESS_KEY_SECRET);
        assert!(c.security_token.is_none());
        assert!(!c.allow_remote);
    }

    #[test]
    fn flags_both_forms() {
        let c = cfg(&[
            "--listen=127.0.0.1:9000",
            "--access-key-id",
            "AK",
            "--access-key-secret=S",
            "--security-token",
            "T",
            "--state-file",
            "/tmp/x.json",
            "--fault-throttle-rate",
            "0.5",
            "--fault-seed=3",
            "--fault-latency-ms",
            "10",
            "--deny-action",
            "DeletePrivateRegistry",
            "--fault-action-latency-ms",
            "AddPrivateRegistry=1500",
            "--fault-action-latency-ms=DeletePrivateRegistry=20",
            "--allow-remote",
        ]);
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.access_key_id, "AK");
        assert_eq!(c.access_key_secret.expose(), "S");
        assert_eq!(c.security_token.as_ref().map(Secret::expose), Some("T"));
        assert_eq!(c.faults.throttle_rate, 0.5);
        assert_eq!(c.faults.seed, Some(3));
        assert_eq!(c.faults.latency_ms, 10);
        assert_eq!(c.faults.deny_actions, vec!["DeletePrivateRegistry"]);
        assert_eq!(
            c.faults.action_latency_ms,
            [
                ("AddPrivateRegistry".to_string(), 1500),
                ("DeletePrivateRegistry".to_string(), 20)
            ]
            .into()
        );
        assert!(c.allow_remote);
    }

    #[test]
    fn action_latency_flag_errors() {
        for bad in [
            "AddPrivateRegistry",
            "=10",
            "AddPrivateRegistry=",
            "AddPrivateRegistry=-1",
            "AddPrivateRegistry=soon",
        ] {
            assert!(
                matches!(
                    run(&["--fault-action-latency-ms", bad]),
                    Err(CliError::Invalid { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            run(&["--fault-action-latency-ms"]),
            Err(CliError::MissingValue(_))
        ));
        // Over the bound: refused with the other fault settings.
        assert!(matches!(
            run(&["--fault-action-latency-ms", "AddPrivateRegistry=600001"]),
            Err(CliError::Invalid { .. })
        ));
        // The last value for an action wins.
        let c = cfg(&[
            "--fault-action-latency-ms",
            "AddPrivateRegistry=1",
            "--fault-action-latency-ms",
            "AddPrivateRegistry=2",
        ]);
        assert_eq!(c.faults.action_latency_ms["AddPrivateRegistry"], 2);
        assert!(usage().contains("--fault-action-latency-ms"));
        assert!(usage().contains("/_emulator/hold"));
    }

    #[test]
    fn realism_flags() {
        assert_eq!(cfg(&[]).realism, RealismConfig::default(), "off by default");
        assert_eq!(cfg(&["--realism", "all"]).realism, RealismConfig::all());
        let c = cfg(&[
            "--realism=mask-user-name,omit-unset",
            "--realism",
            "delayed-appearance",
            "--realism-appear-after-ms",
            "200",
        ]);
        assert!(c.realism.mask_user_name && c.realism.omit_unset);
        assert!(!c.realism.lowercase_domain && !c.realism.default_trans_per_hour);
        assert_eq!(c.realism.appear_after_ms, 200);
        assert!(matches!(
            run(&["--realism", "bogus"]),
            Err(CliError::Invalid { .. })
        ));
        assert!(matches!(
            run(&["--realism-appear-after-ms", "60001"]),
            Err(CliError::Invalid { .. })
        ));
        assert!(usage().contains("--realism LIST"));
        assert!(usage().contains("/_emulator/realism"));
    }

    #[test]
    fn env_fallback_and_errors() {
        let c = match parse(Vec::<String>::new(), |k| {
            (k == ENV_ACCESS_KEY_SECRET).then(|| "from-env".to_string())
        }) {
            Ok(Command::Run(c)) => c,
            other => panic!("{other:?}"),
        };
        assert_eq!(c.access_key_secret.expose(), "from-env");
        assert!(matches!(run(&["--bogus"]), Err(CliError::Unknown(_))));
        assert!(matches!(run(&["--listen"]), Err(CliError::MissingValue(_))));
        assert!(matches!(
            run(&["--fault-reset-rate", "x"]),
            Err(CliError::Invalid { .. })
        ));
        assert!(matches!(
            run(&["--fault-reset-rate", "0.7", "--fault-throttle-rate", "0.7"]),
            Err(CliError::Invalid { .. })
        ));
        assert!(matches!(run(&["--help"]), Ok(Command::Help)));
        assert!(usage().contains(DEFAULT_ACCESS_KEY_SECRET));
    }
}
