//! The emulator's realism switches over HTTP: each one alone (from the configuration, as
//! `--realism` sets it), all of them, off by default, and changed at run time through
//! `/_emulator/realism`.

#[path = "common/emulator_http.rs"]
mod emulator_http;

use emulator_http::{creds, post, unsigned_get};
use sas_emulator::probe::{self, Call};
use sas_emulator::realism::DEFAULT_TRANS_PER_HOUR;
use sas_emulator::{EmulatorConfig, RealismConfig, RunningEmulator};
use serde_json::Value;

fn start(realism: RealismConfig) -> RunningEmulator {
    emulator_http::start(EmulatorConfig {
        realism,
        ..Default::default()
    })
}

/// A harbor registry with no Port, VpcId or TransPerHour.
fn bare_harbor() -> Call {
    Call::add_harbor("Harbor.Example.COM", "s3cret-Passw0rd", "cn-hangzhou")
}

async fn add(emu: &RunningEmulator, call: &Call) -> Value {
    let r = probe::call(emu.addr(), call, &creds()).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["Data"].clone()
}

async fn list(emu: &RunningEmulator) -> Vec<Value> {
    probe::listed(emu.addr(), &creds()).await
}

async fn page(emu: &RunningEmulator) -> Vec<Value> {
    let r = probe::call(emu.addr(), &Call::sas("PageImageRegistry"), &creds())
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["List"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn off_by_default_answers_echo_what_was_sent() {
    let emu = start(RealismConfig::default());
    let data = add(&emu, &bare_harbor()).await;
    assert_eq!(data["UserName"], "robot");
    assert_eq!(data["DomainName"], "Harbor.Example.COM");
    assert_eq!(data["TransPerHour"], 0, "unset TransPerHour is 0");
    let listed = list(&emu).await;
    assert_eq!(listed.len(), 1, "shows at once");
    assert_eq!(listed[0]["TransPerHour"], 0);
    assert!(listed[0].get("Port").is_none() && listed[0].get("VpcId").is_none());
}

#[tokio::test]
async fn mask_user_name_masks_it_in_every_answer() {
    let emu = start(RealismConfig {
        mask_user_name: true,
        ..Default::default()
    });
    assert_eq!(add(&emu, &bare_harbor()).await["UserName"], "******");
    assert_eq!(list(&emu).await[0]["UserName"], "******");
    assert_eq!(page(&emu).await[0]["UserName"], "******");
    assert_eq!(emu.registries()[0].user_name, "robot", "stored as sent");
}

#[tokio::test]
async fn lowercase_domain_stores_it_lower_cased_on_add_and_modify() {
    let emu = start(RealismConfig {
        lowercase_domain: true,
        ..Default::default()
    });
    assert_eq!(
        add(&emu, &bare_harbor()).await["DomainName"],
        "harbor.example.com"
    );
    let modify = Call::sas("ModifyImageRegistry")
        .param("Id", 1)
        .param("DomainName", "Other.Example.COM");
    let r = probe::call(emu.addr(), &modify, &creds()).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(list(&emu).await[0]["DomainName"], "other.example.com");
}

#[tokio::test]
async fn omit_unset_leaves_out_trans_per_hour_until_it_is_set() {
    let emu = start(RealismConfig {
        omit_unset: true,
        ..Default::default()
    });
    let data = add(&emu, &bare_harbor()).await;
    assert!(data.get("TransPerHour").is_none(), "{data}");
    let listed = &list(&emu).await[0];
    for field in ["TransPerHour", "Port", "VpcId"] {
        assert!(listed.get(field).is_none(), "{field} in {listed}");
    }
    assert!(page(&emu).await[0].get("TransPerHour").is_none());
    // Once given, it is reported.
    let modify = Call::sas("ModifyImageRegistry")
        .param("Id", 1)
        .param("TransPerHour", 5);
    assert_eq!(
        probe::call(emu.addr(), &modify, &creds())
            .await
            .unwrap()
            .status,
        200
    );
    assert_eq!(list(&emu).await[0]["TransPerHour"], 5);
    // A registry added with one reports it.
    let with = add(&emu, &bare_harbor().param("TransPerHour", 0)).await;
    assert_eq!(with["TransPerHour"], 0);
}

#[tokio::test]
async fn default_trans_per_hour_fills_it_in_and_reports_it() {
    let emu = start(RealismConfig {
        default_trans_per_hour: true,
        omit_unset: true,
        ..Default::default()
    });
    assert_eq!(
        add(&emu, &bare_harbor()).await["TransPerHour"],
        DEFAULT_TRANS_PER_HOUR
    );
    assert_eq!(list(&emu).await[0]["TransPerHour"], DEFAULT_TRANS_PER_HOUR);
    let given = add(&emu, &bare_harbor().param("TransPerHour", 3)).await;
    assert_eq!(given["TransPerHour"], 3, "a given value wins");
}

#[tokio::test]
async fn delayed_appearance_hides_a_new_registry_from_lists_for_a_while() {
    let emu = start(RealismConfig {
        appear_after_ms: 400,
        ..Default::default()
    });
    let data = add(&emu, &bare_harbor()).await;
    assert_eq!(data["Id"], 1, "the add answers at once");
    assert!(list(&emu).await.is_empty());
    assert!(page(&emu).await.is_empty());
    assert_eq!(emu.registries().len(), 1, "it exists");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(list(&emu).await.len(), 1);
    assert_eq!(page(&emu).await.len(), 1);
}

#[tokio::test]
async fn switches_change_at_run_time_through_the_control_endpoint() {
    let emu = start(RealismConfig::default());
    let addr = emu.addr();
    let r = unsigned_get(addr, "/_emulator/realism").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        serde_json::from_value::<RealismConfig>(r.json).unwrap(),
        RealismConfig::default()
    );
    add(&emu, &bare_harbor()).await;
    let r = post(
        addr,
        "/_emulator/realism",
        r#"{"mask_user_name": true, "omit_unset": true}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["mask_user_name"], true);
    assert_eq!(r.json["lowercase_domain"], false, "left out is off");
    let listed = &list(&emu).await[0];
    assert_eq!(
        listed["UserName"], "******",
        "applies to existing registries"
    );
    assert!(listed.get("TransPerHour").is_none());
    for bad in [
        r#"{"mask": true}"#,
        r#"{"appear_after_ms": 600000}"#,
        "nope",
    ] {
        let r = post(addr, "/_emulator/realism", bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
    }
    emu.set_realism(RealismConfig::all()).unwrap();
    let r = unsigned_get(addr, "/_emulator/realism").await;
    assert_eq!(
        serde_json::from_value::<RealismConfig>(r.json).unwrap(),
        RealismConfig::all()
    );
}
