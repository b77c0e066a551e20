//! `sas-emulator`: the local Sas private-registry API for demos and tests. All logic lives in
//! `alicloud_provider::emulator`; see `sas-emulator --help`.

fn main() -> std::process::ExitCode {
    alicloud_provider::emulator::cli::main()
}
