//! `terraform-provider-alicloud`: started by Terraform through go-plugin, or by hand with
//! `--debug` for a debugger session, or `--version`.

use std::process::ExitCode;
use std::sync::Arc;

use alicloud_provider::provider;
use tfplugin::plugin::{self, handshake, PluginEnv, ServeMode};

const USAGE: &str = "usage: terraform-provider-alicloud [--debug | --version | --help]

Started by Terraform, this binary serves the alicloud provider over the plugin protocol.
  --debug    serve without TLS for a debugger and print a TF_REATTACH_PROVIDERS line
  --version  print the version";

fn main() -> ExitCode {
    let mut mode = ServeMode::Managed;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--version" | "-version" | "version" => {
                println!("terraform-provider-alicloud {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            "--debug" | "-debug" => mode = ServeMode::Debug,
            "--help" | "-help" | "-h" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("unknown argument {other:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    if mode == ServeMode::Managed
        && !handshake::cookie_is_valid(std::env::var(handshake::MAGIC_COOKIE_KEY).ok().as_deref())
    {
        eprintln!(
            "{}\n(terraform-provider-alicloud is a Terraform provider: use it from a Terraform configuration, or run it with --debug.)",
            handshake::NOT_A_PROGRAM
        );
        return ExitCode::FAILURE;
    }
    // `@module=alicloud.<crate>.<module>` in Terraform's log.
    tfplugin::logging::init("alicloud");

    // One client, a handful of concurrent calls: a single-threaded runtime starts fastest and
    // uses least memory, and nothing we do blocks the thread.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        if mode == ServeMode::Managed {
            // Terraform cancels through StopProvider and still needs us to finish and report
            // state, so Ctrl-C reaching our process group must not kill us.
            if let Ok(mut interrupts) = plugin::interrupt::Interrupts::listen() {
                tokio::spawn(async move {
                    while interrupts.next().await.is_some() {
                        tracing::debug!("ignoring SIGINT; Terraform stops us through StopProvider");
                    }
                });
            }
        }
        plugin::serve(
            Arc::new(provider::new()),
            provider::ADDRESS,
            PluginEnv::from_process(),
            mode,
        )
        .await
    });
    // Dropping the runtime could wait on a blocked task; we are done, so leave at once.
    match result {
        Ok(()) => {
            std::mem::forget(runtime);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("terraform-provider-alicloud: {e}");
            ExitCode::FAILURE
        }
    }
}
