//! Throughput of the emulator on loopback: signed (V3) AddPrivateRegistry + ListPrivateRegistryList
//! pairs per second over keep-alive connections. Each cycle also deletes the registry it added,
//! so the list stays the same size and the figure does not drift with run length.
//!
//! Run: `cargo bench --bench emulator_throughput` (env `BENCH_SECONDS`, default 5, and
//! `BENCH_CONNECTIONS`, default 8). Prints figures; asserts nothing.

use sas_emulator::probe::{Call, Connection, Credentials};
use sas_emulator::{Emulator, EmulatorConfig};
use std::time::{Duration, Instant};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn add() -> Call {
    Call::add_harbor("bench.example.com", "bench-password", "cn-hangzhou")
}

#[derive(Default)]
struct Counts {
    add: u64,
    list: u64,
    delete: u64,
    errors: u64,
    add_time: Duration,
    list_time: Duration,
}

async fn worker(addr: std::net::SocketAddr, until: Instant) -> Counts {
    let creds = Credentials::emulator_default();
    let mut c = Counts::default();
    let Ok(mut conn) = Connection::open(addr).await else {
        c.errors += 1;
        return c;
    };
    let list = Call::sas("ListPrivateRegistryList");
    while Instant::now() < until {
        let t = Instant::now();
        let id = match conn.call(&add(), &creds).await {
            Ok(r) if r.status == 200 => r.json["Data"]["Id"].as_i64().unwrap_or(0),
            _ => {
                c.errors += 1;
                continue;
            }
        };
        c.add += 1;
        c.add_time += t.elapsed();
        let t = Instant::now();
        match conn.call(&list, &creds).await {
            Ok(r) if r.status == 200 => c.list += 1,
            _ => c.errors += 1,
        }
        c.list_time += t.elapsed();
        let del = Call::sas("DeletePrivateRegistry").param("RegistryId", id);
        match conn.call(&del, &creds).await {
            Ok(r) if r.status == 200 => c.delete += 1,
            _ => c.errors += 1,
        }
    }
    c
}

fn main() {
    let seconds = env_or("BENCH_SECONDS", 5);
    let connections = env_or("BENCH_CONNECTIONS", 8);
    let emu = match Emulator::start(EmulatorConfig::default()) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot start emulator: {e}");
            std::process::exit(1);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot build runtime: {e}");
            std::process::exit(1);
        }
    };
    let addr = emu.addr();
    let start = Instant::now();
    let until = start + Duration::from_secs(seconds);
    let totals = rt.block_on(async move {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..connections {
            set.spawn(worker(addr, until));
        }
        let mut total = Counts::default();
        while let Some(Ok(c)) = set.join_next().await {
            total.add += c.add;
            total.list += c.list;
            total.delete += c.delete;
            total.errors += c.errors;
            total.add_time += c.add_time;
            total.list_time += c.list_time;
        }
        total
    });
    let secs = start.elapsed().as_secs_f64();
    let requests = totals.add + totals.list + totals.delete;
    let per_ms = |d: Duration, n: u64| d.as_secs_f64() * 1000.0 / n.max(1) as f64;
    println!("emulator_throughput: {connections} keep-alive connections, {secs:.1} s, V3-signed, loopback");
    println!(
        "  Add+List pairs/s:        {:.0}  (Add {:.2} ms, List {:.2} ms mean latency)",
        totals.list as f64 / secs,
        per_ms(totals.add_time, totals.add),
        per_ms(totals.list_time, totals.list)
    );
    println!(
        "  signed requests/s:       {:.0}  ({} Add, {} List, {} Delete, {} errors)",
        requests as f64 / secs,
        totals.add,
        totals.list,
        totals.delete,
        totals.errors
    );
    let _ = emu.shutdown();
}
