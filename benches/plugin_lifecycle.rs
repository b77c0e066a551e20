//! Provider process costs, ours against HashiCorp's Go null provider 2.1.2, alternating the
//! two in one run: exec → handshake (TLS on), peak RSS after handshake and after a schema call,
//! Shutdown → exit, and binary size. Prints medians and ratios. Run with `make bench`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::cert::ClientIdentity;
use common::plugin_client::{connect, start_provider_at};
use tfplugin::proto::{plugin, tfplugin5, tfplugin6};

const ROUNDS: usize = 15;

struct Sample {
    handshake: Duration,
    rss_handshake_kb: u64,
    rss_schema_kb: u64,
    shutdown: Option<Duration>,
}

fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn null_provider() -> PathBuf {
    let tools = std::env::var_os("TF_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools"));
    let p = tools.join("plugins/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64/terraform-provider-null_v2.1.2_x4");
    assert!(
        p.is_file(),
        "null provider missing at {}: run `make tools`",
        p.display()
    );
    p
}

fn measure(binary: &Path, ours: bool, id: &ClientIdentity, rt: &tokio::runtime::Runtime) -> Sample {
    let pem = id.cert_pem();
    let env = [
        ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
        ("PLUGIN_CLIENT_CERT", pem.as_str()),
    ];
    let started = Instant::now();
    let mut p = start_provider_at(binary, &env);
    let handshake = started.elapsed();
    let pid = p.child.id();
    let rss_handshake_kb = peak_rss_kb(pid);
    let (rss_schema_kb, shutdown) = rt.block_on(async {
        let channel = connect(&p, Some(id)).await.expect("connects");
        if ours {
            let mut c = tfplugin6::provider_client::ProviderClient::new(channel.clone());
            c.get_provider_schema(tfplugin6::get_provider_schema::Request::default())
                .await
                .expect("schema");
        } else {
            let mut c = tfplugin5::provider_client::ProviderClient::new(channel.clone());
            c.get_schema(tfplugin5::get_provider_schema::Request::default())
                .await
                .expect("schema");
        }
        let rss = peak_rss_kb(pid);
        let mut controller = plugin::grpc_controller_client::GrpcControllerClient::new(channel);
        let asked = Instant::now();
        // go-plugin servers may stop before answering; like Terraform, ignore the outcome.
        let _ = controller.shutdown(plugin::Empty {}).await;
        // Like go-plugin's client: close the connection once Shutdown returns, then wait (with
        // the runtime still running, so the close reaches the server).
        drop(controller);
        let mut exited = None;
        while asked.elapsed() < Duration::from_secs(3) {
            if let Ok(Some(_)) = p.child.try_wait() {
                exited = Some(asked.elapsed());
                break;
            }
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        (rss, exited)
    });
    Sample {
        handshake,
        rss_handshake_kb,
        rss_schema_kb,
        shutdown,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

fn main() {
    let ours_bin = PathBuf::from(common::plugin_client::provider_binary());
    let null_bin = null_provider();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let id = ClientIdentity::terraform_like(42);
    let (mut ours, mut null) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        ours.push(measure(&ours_bin, true, &id, &rt));
        null.push(measure(&null_bin, false, &id, &rt));
    }
    let row = |name: &str, unit: &str, f: &dyn Fn(&Sample) -> Option<f64>| {
        let o = median(ours.iter().filter_map(f).collect());
        let n = median(null.iter().filter_map(f).collect());
        println!(
            "{name:<38} {o:>10.2} {unit:<3} {n:>10.2} {unit:<3} {:>7.2}x",
            o / n
        );
    };
    println!(
        "plugin lifecycle, median of {ROUNDS} alternating runs (ours vs HashiCorp null 2.1.2)"
    );
    println!(
        "{:<38} {:>14} {:>14} {:>8}",
        "metric", "ours", "null", "ratio"
    );
    row("exec -> handshake line (TLS on)", "ms", &|s| {
        Some(s.handshake.as_secs_f64() * 1e3)
    });
    row("peak RSS after handshake", "MB", &|s| {
        Some(s.rss_handshake_kb as f64 / 1024.0)
    });
    row("peak RSS after GetProviderSchema", "MB", &|s| {
        Some(s.rss_schema_kb as f64 / 1024.0)
    });
    row("Shutdown -> process exit", "ms", &|s| {
        s.shutdown.map(|d| d.as_secs_f64() * 1e3)
    });
    let size = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.len() as f64 / 1e6)
            .unwrap_or(f64::NAN)
    };
    let (so, sn) = (size(&ours_bin), size(&null_bin));
    println!(
        "{:<38} {so:>10.2} MB  {sn:>10.2} MB  {:>7.2}x",
        "binary size",
        so / sn
    );
    let missing = null.iter().filter(|s| s.shutdown.is_none()).count();
    if missing > 0 {
        println!("(null provider: {missing}/{ROUNDS} runs did not exit after Shutdown within 3 s)");
    }
}
