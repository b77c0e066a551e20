//! `apply` of N registries against sas-emulator next to N `null_resource`s from HashiCorp's Go
//! null provider 2.1.2, alternating the two with the same client, and the API requests a
//! refresh of the N registries costs. Prints medians, ratios and time per resource, one row per
//! client and N. Run with `make bench`; `BENCH_APPLY_N=10,100` and `BENCH_APPLY_ROUNDS=3` narrow
//! or widen it, and `BENCH_CLIENTS=terraform-1.0.3,terraform-1.16.4,tofu-1.12.6` (the default)
//! picks the clients.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::acceptance::{harbor_registries, Scenario};
use common::terraform::{cli, Client, Workspace};

/// The clients measured when `BENCH_CLIENTS` is not set.
const DEFAULT_CLIENTS: [Client; 3] = [
    Client::Terraform1_0,
    Client::Terraform1_16,
    Client::OpenTofu1_12,
];

/// What the `null_resource`s' triggers hold.
#[derive(Clone, Copy)]
enum Reference {
    /// One value: the null provider's own cost.
    Bare,
    /// The values a registry's state holds, so the client handles as much data per resource
    /// as it does for ours; that separates the client's cost from the provider's.
    Data,
    /// Those values and an empty one for every other attribute and block of the registry's
    /// schema: as many values per resource as our state has, null ones included.
    Slots,
}

/// The values a benchmark registry's state holds, by attribute, as HCL expressions.
const DATA: [(&str, &str); 12] = [
    ("registry_type", r#""harbor""#),
    ("registry_version", r#""V2""#),
    ("protocol_type", "2"),
    ("net_type", "1"),
    (
        "registry_host_ip",
        r#""10.0.${floor(count.index / 250)}.${count.index % 250 + 1}""#,
    ),
    ("domain_name", r#""bench${count.index}.example.com""#),
    ("user_name", r#""admin""#),
    ("password", r#""bench-password""#),
    ("registry_region_id", r#""cn-hangzhou""#),
    ("token", r#""2f6b8e5c-9a1d-4f0e-8b7a-3c2d1e0f9a8b""#),
    ("region_id", r#""cn-hangzhou""#),
    ("trans_per_hour", "100"),
];

/// The registry resource's attributes and blocks, by name, as its schema declares them.
fn registry_slots() -> Vec<String> {
    use tfplugin::framework::ProviderRpcs;
    let provider = alicloud_provider::provider::new();
    let block = &provider.schema().resources
        [alicloud_provider::resources::private_registry::TYPE_NAME]
        .block;
    block
        .attributes
        .iter()
        .map(|a| a.name.clone())
        .chain(block.blocks.iter().map(|b| b.type_name.clone()))
        .collect()
}

fn null_resources(n: usize, reference: Reference) -> String {
    let mut triggers: Vec<(String, &str)> = match reference {
        Reference::Bare => vec![("domain".into(), r#""bench${count.index}.example.com""#)],
        Reference::Data | Reference::Slots => {
            DATA.iter().map(|(k, v)| (k.to_string(), *v)).collect()
        }
    };
    if let Reference::Slots = reference {
        for slot in registry_slots() {
            if !triggers.iter().any(|(k, _)| *k == slot) {
                triggers.push((slot, r#""""#));
            }
        }
    }
    let triggers: String = triggers
        .iter()
        .map(|(k, v)| format!("\n    {k} = {v}"))
        .collect();
    format!(
        r#"terraform {{
  required_providers {{
    null = {{ source = "hashicorp/null" }}
  }}
}}

resource "null_resource" "r" {{
  count = {n}
  triggers = {{{triggers}
  }}
}}
"#
    )
}

fn timed(ws: &Workspace, args: &[&str]) -> Duration {
    let started = Instant::now();
    ws.ok(args);
    started.elapsed()
}

struct Ours {
    apply: Duration,
    /// `plan` of the applied configuration: a refresh of the N registries, nothing to do.
    plan: Duration,
    refresh_requests: usize,
    refresh_lists: usize,
    /// API requests of the apply, then of the destroy, by action.
    apply_calls: Calls,
    destroy_calls: Calls,
}

/// API requests by action, in the emulator's log since it was last cleared.
type Calls = std::collections::BTreeMap<String, usize>;

fn calls(emulator: &common::backend::Emulator) -> Calls {
    let mut by_action = Calls::new();
    for r in emulator.requests() {
        let action = r["action"].as_str().unwrap_or("?").to_string();
        *by_action.entry(action).or_default() += 1;
    }
    by_action
}

/// `ListPrivateRegistryList` and `PageImageRegistry` requests: the reads of many registries.
fn list_calls(c: &Calls) -> usize {
    ["ListPrivateRegistryList", "PageImageRegistry"]
        .iter()
        .filter_map(|a| c.get(*a))
        .sum()
}

fn shown(c: &Calls) -> String {
    c.iter()
        .map(|(a, n)| format!("{a} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A refresh that changes nothing but reads every resource: `plan -refresh-only` where the
/// client has it (Terraform 0.15.4 on, every OpenTofu); on 0.13 a plain `plan`, which refreshes
/// first and, the configuration being applied, plans nothing.
fn refresh_args(client: Client) -> Vec<&'static str> {
    match client {
        Client::Terraform0_13 => cli("plan", &[]),
        _ => cli("plan", &["-refresh-only"]),
    }
}

fn ours(client: Client, n: usize, latency_ms: u64) -> Ours {
    let latency = latency_ms.to_string();
    let s = Scenario::on_emulator_with(client, &["--fault-latency-ms", &latency]);
    s.ws.write_config(&format!(
        "{}{}",
        s.providers(),
        harbor_registries(n, "bench")
    ));
    let emulator = s.emulator();
    emulator.clear_requests();
    let apply = timed(&s.ws, &cli("apply", &[]));
    let apply_calls = calls(emulator);
    assert_eq!(
        emulator.registries().len(),
        n,
        "{client}: apply made {n} registries"
    );
    let plan = timed(&s.ws, &cli("plan", &[]));
    emulator.clear_requests();
    s.ws.ok(&refresh_args(client));
    let refresh_requests = emulator.requests().len();
    let refresh_lists = emulator.count_actions("ListPrivateRegistryList");
    emulator.clear_requests();
    s.ws.destroy();
    let destroy_calls = calls(emulator);
    Ours {
        apply,
        plan,
        refresh_requests,
        refresh_lists,
        apply_calls,
        destroy_calls,
    }
}

/// The null provider's apply, then its plan of what it applied.
fn null(client: Client, n: usize, reference: Reference) -> (Duration, Duration) {
    let ws = Workspace::mirror(client, &null_resources(n, reference));
    ws.init();
    (
        timed(&ws, &cli("apply", &[])),
        timed(&ws, &cli("plan", &[])),
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// How `BENCH_CLIENTS` names a client: its install directory, `terraform-1.0.3`, `tofu-1.12.6`.
fn client_key(client: Client) -> String {
    let name = client.name();
    let version = name.rsplit(' ').next().unwrap_or_default();
    format!("{}-{version}", client.command_name())
}

/// `BENCH_CLIENTS`: a comma-separated list of client keys (`terraform-1.0.3,tofu-1.12.6`);
/// also accepted are the display names (`OpenTofu 1.12.6`) and `opentofu-` for `tofu-`, in any
/// case, with blanks around entries. Repeats are measured once. Unset means the default three.
fn parse_clients(var: &str, value: Option<&str>) -> Result<Vec<Client>, String> {
    let Some(value) = value else {
        return Ok(DEFAULT_CLIENTS.to_vec());
    };
    let known = || {
        Client::ALL
            .iter()
            .map(|&c| client_key(c))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut clients = Vec::new();
    for entry in value.split(',').map(str::trim) {
        if entry.is_empty() {
            continue;
        }
        let wanted = entry.to_ascii_lowercase();
        let wanted = match wanted.strip_prefix("opentofu-") {
            Some(version) => format!("tofu-{version}"),
            None => wanted,
        };
        let client = Client::ALL
            .into_iter()
            .find(|&c| client_key(c) == wanted || c.name().to_ascii_lowercase() == wanted)
            .ok_or_else(|| format!("{var}: unknown client {entry:?}; known: {}", known()))?;
        if !clients.contains(&client) {
            clients.push(client);
        }
    }
    if clients.is_empty() {
        return Err(format!(
            "{var}={value:?} names no client; give a comma-separated list of: {}",
            known()
        ));
    }
    Ok(clients)
}

/// `BENCH_LATENCY_MS` (default 50; 0 skips it): the apply again with the emulator adding that
/// much to every request, against the floor a perfectly batched provider would pay on such a
/// network: ceil(N / parallelism) round trips for the creates alone.
fn latency_run(clients: &[Client], sizes: &[usize], width: usize) {
    let latency_ms: u64 = env_or("BENCH_LATENCY_MS", 50);
    if latency_ms == 0 {
        return;
    }
    println!("apply with {latency_ms} ms added to every API request, against the floor ceil(N/10) x {latency_ms} ms");
    for &client in clients {
        for &n in sizes {
            let run = ours(client, n, latency_ms);
            let floor = n.div_ceil(10) as f64 * latency_ms as f64 / 1e3;
            let took = run.apply.as_secs_f64();
            println!(
                "{:<width$} {n:>5} {took:>8.2} s, floor {floor:.2} s, {:.2}x the floor; {} list(s)",
                client.name(),
                took / floor,
                list_calls(&run.apply_calls),
            );
        }
    }
}

fn main() {
    let clients = match parse_clients(
        "BENCH_CLIENTS",
        std::env::var("BENCH_CLIENTS").ok().as_deref(),
    ) {
        Ok(clients) => clients,
        Err(e) => {
            eprintln!("terraform_apply bench: {e}");
            std::process::exit(2);
        }
    };
    // A missing client fails here, before any measurement, rather than minutes in.
    for &client in &clients {
        client.binary();
    }
    let sizes: Vec<usize> = std::env::var("BENCH_APPLY_N")
        .unwrap_or_else(|_| "10,100,300".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let rounds: usize = env_or("BENCH_APPLY_ROUNDS", 3);
    let width = clients
        .iter()
        .map(|c| c.name().len())
        .max()
        .unwrap_or(0)
        .max("client".len());
    println!(
        "apply, median of {rounds} alternating runs, -parallelism=10: ours against HashiCorp null 2.1.2, same client for both"
    );
    println!(
        "(null+data: null_resource whose triggers hold the {} values a registry's state holds)",
        DATA.len()
    );
    println!(
        "{:<width$} {:>5} {:>8} {:>8} {:>7} {:>10} {:>7} {:>9} {:>9} {:>9} {:>13} {:>7}",
        "client",
        "N",
        "ours s",
        "null s",
        "ratio",
        "null+data",
        "ratio",
        "ours ms/r",
        "null ms/r",
        "n+d ms/r",
        "refresh reqs",
        "budget"
    );
    for &client in &clients {
        let label = client.name();
        for &n in &sizes {
            let (mut o, mut z, mut zd, mut refresh) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let mut api = Vec::new();
            let (mut op, mut zdp, mut zs) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..rounds {
                let run = ours(client, n, 0);
                o.push(run.apply.as_secs_f64());
                op.push(run.plan.as_secs_f64());
                refresh.push((run.refresh_requests, run.refresh_lists));
                api.push((run.apply_calls, run.destroy_calls));
                z.push(null(client, n, Reference::Bare).0.as_secs_f64());
                let (apply, plan) = null(client, n, Reference::Data);
                zd.push(apply.as_secs_f64());
                zdp.push(plan.as_secs_f64());
                zs.push(null(client, n, Reference::Slots).0.as_secs_f64());
            }
            let (opm, zdpm) = (median(op), median(zdp));
            let (om, zm, dm) = (median(o), median(z), median(zd));
            let (requests, lists) = refresh.iter().copied().max().unwrap_or_default();
            let per = |s: f64| s * 1e3 / n as f64;
            println!(
                "{label:<width$} {n:>5} {om:>8.2} {zm:>8.2} {:>6.2}x {dm:>10.2} {:>6.2}x {:>9.1} {:>9.1} {:>9.1} {:>4} ({lists} list) {:>7}",
                om / zm,
                om / dm,
                per(om),
                per(zm),
                per(dm),
                requests,
                format!("<= {}", n / 10 + 1),
            );
            println!(
                "{:<width$} {n:>5}   plan: ours {opm:.2} s, null+data {zdpm:.2} s, ratio {:.2}x",
                "",
                opm / zdpm
            );
            let zsm = median(zs);
            println!(
                "{:<width$} {n:>5}   apply against null+slots ({} values each, as many as our state): {zsm:.2} s, ratio {:.2}x",
                "",
                registry_slots().len(),
                om / zsm
            );
            // The round with the most list calls: the one to look at.
            if let Some((apply, destroy)) = api
                .iter()
                .max_by_key(|(a, d)| list_calls(a) + list_calls(d))
            {
                println!(
                    "{:<width$} {n:>5}   API calls of the apply: {} list(s), budget {} [{}]; of the destroy: {} list(s), budget {} [{}]",
                    "",
                    list_calls(apply),
                    n / 10 + 5,
                    shown(apply),
                    list_calls(destroy),
                    n / 10 + 5,
                    shown(destroy),
                );
            }
        }
    }
    latency_run(&clients, &sizes, width);
}
