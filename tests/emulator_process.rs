//! The `sas-emulator` binary as `make demo` and Terraform tests run it: the announce line,
//! `--help`, refusing non-loopback addresses and corrupt state, clean exit on SIGTERM/SIGINT,
//! persistence across a restart, no secret on stdout or stderr, per-action latency from the
//! command line, and a held request let go by SIGTERM.

use sas_emulator::probe::{self, Call, Credentials};
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

#[path = "common/emulator_binary.rs"]
mod emulator_binary;
#[path = "common/emulator_http.rs"]
mod emulator_http;

use emulator_http::{post, unsigned_get};
const SECRET: &str = "process-test-secret-0xC0FFEE";
const PASSWORD: &str = "process-test-password-0xBEEF";

struct Running {
    child: Child,
    addr: SocketAddr,
}

fn spawn(extra: &[&str]) -> Running {
    let mut child = Command::new(emulator_binary::emulator_binary())
        .args([
            "--listen",
            "127.0.0.1:0",
            "--access-key-id",
            "proc-ak",
            "--access-key-secret",
            SECRET,
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sas-emulator");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("announce line");
    // The address is a word of its own, as harnesses that split on whitespace expect.
    let addr = line
        .split_whitespace()
        .find(|w| w.starts_with("127.0.0.1:"))
        .and_then(|w| w.parse::<SocketAddr>().ok())
        .unwrap_or_else(|| panic!("no 127.0.0.1:PORT word in {line:?}"));
    assert!(
        line.ends_with('\n'),
        "the line is complete (flushed with its newline)"
    );
    assert!(!line.contains(SECRET));
    Running { child, addr }
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// Waits for exit (bounded) and returns (success, stderr).
fn wait(mut r: Running) -> (bool, String) {
    for _ in 0..100 {
        if let Some(status) = r.child.try_wait().expect("try_wait") {
            let mut err = String::new();
            if let Some(mut e) = r.child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            return (status.success(), err);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = r.child.kill();
    panic!("sas-emulator did not exit within 5 s");
}

fn creds() -> Credentials {
    Credentials::new("proc-ak", SECRET)
}

fn add() -> Call {
    Call::sas("AddPrivateRegistry")
        .param("RegistryType", "harbor")
        .param("RegistryVersion", "V1")
        .param("ProtocolType", 1)
        .param("NetType", 2)
        .param("VpcId", "vpc-123")
        .param("RegistryHostIp", "192.0.2.10")
        .param("DomainName", "reg.example.com")
        .param("UserName", "admin")
        .param("Password", PASSWORD)
        .param("RegistryRegionId", "cn-beijing")
}

fn run_output(args: &[&str]) -> std::process::Output {
    Command::new(emulator_binary::emulator_binary())
        .args(args)
        .output()
        .expect("run sas-emulator")
}

#[test]
fn help_prints_defaults() {
    let out = run_output(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for s in [
        "--listen",
        "127.0.0.1:0",
        "emulator-access-key-id",
        "emulator-access-key-secret",
        "--fault-seed",
        "--fault-action-latency-ms",
        "/_emulator/hold",
        "/_emulator/release",
        "--state-file",
        // What the credentials guide uses.
        "POST /_emulator/oidc/token",
        "GET /_emulator/oidc",
        "POST /_emulator/clock",
    ] {
        assert!(text.contains(s), "help lacks {s}");
    }
    let out = run_output(&["--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn refuses_non_loopback_without_allow_remote() {
    let out = run_output(&["--listen", "0.0.0.0:0"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote"));
}

#[test]
fn corrupt_state_file_is_a_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, "garbage").unwrap();
    let out = run_output(&["--state-file", state.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("corrupt") && err.contains("state.json"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&state).unwrap(), "garbage");
}

async fn add_and_list(addr: SocketAddr, n: usize) -> Vec<i64> {
    for _ in 0..n {
        let r = probe::call(addr, &add(), &creds()).await.unwrap();
        assert_eq!(r.status, 200, "{}", r.text);
    }
    probe::listed(addr, &creds())
        .await
        .iter()
        .filter_map(|x| x["Id"].as_i64())
        .collect()
}

fn check_no_secrets(stderr: &str) {
    for s in [SECRET, PASSWORD] {
        assert!(!stderr.contains(s), "secret leaked to stderr");
    }
}

#[tokio::test]
async fn state_survives_restart_and_signals_exit_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap();

    let first = spawn(&["--state-file", state_arg]);
    assert_eq!(add_and_list(first.addr, 2).await, vec![1, 2]);
    signal(&first.child, "-TERM");
    let (ok, stderr) = wait(first);
    assert!(ok, "SIGTERM exit was not clean: {stderr}");
    check_no_secrets(&stderr);
    assert_state_has_no_password(&state);

    let second = spawn(&["--state-file", state_arg]);
    assert_eq!(add_and_list(second.addr, 1).await, vec![1, 2, 3]);
    signal(&second.child, "-INT");
    let (ok, stderr) = wait(second);
    assert!(ok, "SIGINT exit was not clean: {stderr}");
    check_no_secrets(&stderr);
}

fn assert_state_has_no_password(state: &Path) {
    let text = std::fs::read_to_string(state).unwrap();
    assert!(!text.contains(PASSWORD));
    assert!(text.contains("\"next_id\": 3"), "{text}");
}

#[tokio::test]
async fn action_latency_from_the_command_line_and_a_hold_let_go_on_sigterm() {
    let emu = spawn(&["--fault-action-latency-ms", "ListPrivateRegistryList=300"]);
    let r = unsigned_get(emu.addr, "/_emulator/faults").await;
    assert_eq!(r.json["action_latency_ms"]["ListPrivateRegistryList"], 300);
    let t = std::time::Instant::now();
    assert!(add_and_list(emu.addr, 1).await.len() == 1);
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );

    let r = post(
        emu.addr,
        "/_emulator/hold",
        r#"{"action": "AddPrivateRegistry"}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let addr = emu.addr;
    let held_call = tokio::spawn(async move { probe::call(addr, &add(), &creds()).await });
    let started = std::time::Instant::now();
    loop {
        let r = unsigned_get(emu.addr, "/_emulator/held").await;
        if r.json["held"].as_array().is_some_and(|h| h.len() == 1) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never held");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Shutting down releases it: it is answered, and the process exits cleanly and quickly.
    signal(&emu.child, "-TERM");
    let r = held_call.await.unwrap().unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    let (ok, stderr) = wait(emu);
    assert!(ok, "SIGTERM exit was not clean: {stderr}");
}
