//! Secret hygiene with real Terraform at `TF_LOG=trace`: a distinctive password, secret key,
//! security token and quay auth token appear nowhere in Terraform's output, the provider's logs
//! or the emulator's request log, and the plan shows them as sensitive.

mod common;

use common::acceptance::Scenario;
use common::backend::EMULATOR_KEY_SECRET;
use common::terraform::cli;

const PASSWORD: &str = "Pw-DISTINCT-8c1f0b";
const AUTH_TOKEN: &str = "Tok-DISTINCT-3e9a41";
const SECURITY_TOKEN: &str = "Sts-DISTINCT-77aa02";

fn config(providers: &str) -> String {
    let registry = common::acceptance::quay_as(
        "quay",
        &[
            ("registry_host_ip", "\"192.0.2.30\""),
            ("password", &format!("\"{PASSWORD}\"")),
            (
                "extra_param",
                &format!("jsonencode([{{ namespace = \"team\", authToken = \"{AUTH_TOKEN}\" }}])"),
            ),
        ],
        &[],
    );
    format!("{providers}{registry}")
}

#[test]
fn secrets_never_reach_output_logs_or_the_api_log() {
    let mut s = Scenario::on_emulator(&["--security-token", SECURITY_TOKEN]);
    s.ws.set_env("ALIBABA_CLOUD_SECURITY_TOKEN", SECURITY_TOKEN);
    s.ws.set_env("TF_LOG", "trace");
    s.ws.write_config(&config(s.providers()));

    let mut transcript = String::new();
    for args in [
        &cli("plan", &[])[..],
        &cli("apply", &[]),
        &cli("plan", &[]),
        &cli("destroy", &[]),
    ] {
        let out = s.ws.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?} failed:\n{stderr}");
        transcript.push_str(&stdout);
        transcript.push_str(&stderr);
    }
    assert!(
        transcript.contains("password           = (sensitive value)"),
        "the plan shows the password as sensitive"
    );
    assert!(
        transcript.contains("@module=alicloud.alicloud.rpc"),
        "the API client's own trace logs are in the transcript, so the check below means something"
    );
    let api_log = serde_json::to_string(&s.emulator().requests()).expect("request log");
    assert!(
        api_log.contains("AddPrivateRegistry"),
        "the API log saw the create"
    );
    for secret in [PASSWORD, AUTH_TOKEN, SECURITY_TOKEN, EMULATOR_KEY_SECRET] {
        assert!(
            !transcript.contains(secret),
            "{secret} leaked into Terraform's output or logs"
        );
        assert!(
            !api_log.contains(secret),
            "{secret} leaked into the emulator's request log"
        );
    }
    s.ws.set_env("TF_LOG", "");
}
