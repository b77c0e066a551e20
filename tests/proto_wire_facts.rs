//! Checks our hand-written `proto/` definitions against the upstream wire facts.
//!
//! `tests/data/tfplugin-wire-facts.json` is generated from hashicorp/terraform's
//! `docs/plugin-protocol/tfplugin5.proto` (labelled 5.10) and `tfplugin6.proto` (6.11) at tag
//! v1.16.0-rc2. It lists every message (nested names joined by `.`), each field's number, type
//! (as written in the upstream source: scalar name, message/enum name as referenced,
//! `map<string,X>`) and label (`""`, `"repeated"`, or `"optional"` for proto3 `optional`),
//! every enum value, and every RPC of every service with its request and response types as
//! written (`stream ` in front for a streaming side). Our files are parsed with protox exactly
//! as build.rs does, and:
//!
//! * every message, field and enum we declare must exist upstream and agree on number, type and
//!   label; every enum value must agree;
//! * every upstream field of a message we declare, and every value of an enum we declare, must
//!   be present (a missing field would be silently dropped when decoding);
//! * every upstream message or enum reachable from what we declare (through the upstream fields
//!   of a declared message, transitively, or as the request/response of a declared RPC) must be
//!   declared too;
//! * every RPC we declare must exist upstream with the same request and response types and the
//!   same streaming on each side;
//! * every upstream service and RPC must be declared, except those listed in `NOT_DECLARED`
//!   (and an entry there must name something upstream that we indeed leave out);
//! * oneofs (not recorded in the JSON) match the upstream ones listed in `UPSTREAM_ONEOFS`;
//! * go-plugin's `plugin` package matches the facts in `PLUGIN_FIELDS` / `PLUGIN_RPCS`.
//!
//! Every check collects all mismatches and fails with one readable list.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use protox::prost_reflect::prost_types::field_descriptor_proto::{Label, Type};
use protox::prost_reflect::prost_types::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorSet,
};
use serde_json::Value as Json;

const FILES: [&str; 3] = ["tfplugin5.proto", "tfplugin6.proto", "plugin.proto"];

/// Why OpenEphemeralResource / RenewEphemeralResource stay undeclared.
const NEEDS_TIMESTAMP: &str = "its response carries a google.protobuf.Timestamp, which prost maps \
     to the prost-types crate, and that is not a dependency; undeclared, tonic answers \
     UNIMPLEMENTED just like our own stubs";

/// Upstream services and RPCs deliberately left out of our files: (package, service, rpc, why),
/// with an empty rpc standing for the whole service. Everything else upstream must be declared.
const NOT_DECLARED: &[(&str, &str, &str, &str)] = &[
    (
        "tfplugin5",
        "Provisioner",
        "",
        "a provider does not offer the provisioner service",
    ),
    (
        "tfplugin5",
        "Provider",
        "OpenEphemeralResource",
        NEEDS_TIMESTAMP,
    ),
    (
        "tfplugin5",
        "Provider",
        "RenewEphemeralResource",
        NEEDS_TIMESTAMP,
    ),
    (
        "tfplugin6",
        "Provider",
        "OpenEphemeralResource",
        NEEDS_TIMESTAMP,
    ),
    (
        "tfplugin6",
        "Provider",
        "RenewEphemeralResource",
        NEEDS_TIMESTAMP,
    ),
];

/// Every oneof in upstream tfplugin5 5.10 / tfplugin6 6.11 (the JSON does not record oneofs;
/// read from the same hashicorp/terraform v1.16.0-rc2 files). Identical in both packages:
/// (message, oneof, member fields).
const UPSTREAM_ONEOFS: &[(&str, &str, &[&str])] = &[
    (
        "AttributePath.Step",
        "selector",
        &["attribute_name", "element_key_string", "element_key_int"],
    ),
    ("InvokeAction.Event", "type", &["progress", "completed"]),
];

/// go-plugin's internal/plugin/grpc_{broker,controller,stdio}.proto (package `plugin`):
/// (message, field, number, type, label).
const PLUGIN_FIELDS: &[(&str, &str, i32, &str, &str)] = &[
    ("ConnInfo", "service_id", 1, "uint32", ""),
    ("ConnInfo", "network", 2, "string", ""),
    ("ConnInfo", "address", 3, "string", ""),
    ("ConnInfo", "knock", 4, "ConnInfo.Knock", ""),
    ("ConnInfo.Knock", "knock", 1, "bool", ""),
    ("ConnInfo.Knock", "ack", 2, "bool", ""),
    ("ConnInfo.Knock", "error", 3, "string", ""),
    ("StdioData", "channel", 1, "StdioData.Channel", ""),
    ("StdioData", "data", 2, "bytes", ""),
];
const PLUGIN_MESSAGES: &[&str] = &["ConnInfo", "ConnInfo.Knock", "StdioData", "Empty"];
const PLUGIN_ENUMS: &[(&str, &[(&str, i32)])] = &[(
    "StdioData.Channel",
    &[("INVALID", 0), ("STDOUT", 1), ("STDERR", 2)],
)];
/// (service, rpc, input, output, client streaming, server streaming)
const PLUGIN_RPCS: &[(&str, &str, &str, &str, bool, bool)] = &[
    (
        "GRPCController",
        "Shutdown",
        ".plugin.Empty",
        ".plugin.Empty",
        false,
        false,
    ),
    (
        "GRPCStdio",
        "StreamStdio",
        ".google.protobuf.Empty",
        ".plugin.StdioData",
        false,
        true,
    ),
    (
        "GRPCBroker",
        "StartStream",
        ".plugin.ConnInfo",
        ".plugin.ConnInfo",
        true,
        true,
    ),
];

// ------------------------------------------------------------------------------------------
// Loading
// ------------------------------------------------------------------------------------------

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn compile(proto_dir: &Path) -> FileDescriptorSet {
    let files: Vec<PathBuf> = FILES.iter().map(|f| proto_dir.join(f)).collect();
    protox::compile(&files, [proto_dir])
        .unwrap_or_else(|e| panic!("protox could not compile {}: {e:?}", proto_dir.display()))
}

fn facts() -> Json {
    let path = manifest_dir().join("tests/data/tfplugin-wire-facts.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("wire facts JSON parses")
}

/// One field of ours, flattened to the vocabulary of the JSON.
#[derive(Debug)]
struct OurField {
    number: i32,
    /// Canonical type: scalar name, message/enum name relative to the package (or fully
    /// qualified outside it), or `map<K,V>` with the same rules.
    ty: String,
    label: &'static str,
}

/// An RPC as declared: (input type, output type, client streaming, server streaming).
type Rpc = (String, String, bool, bool);

/// Everything we declare in one package, keyed by dotted names relative to the package.
#[derive(Default)]
struct Declared {
    messages: BTreeMap<String, BTreeMap<String, OurField>>,
    enums: BTreeMap<String, BTreeMap<String, i32>>,
    /// message -> oneof name -> member fields (real oneofs only, not proto3-optional ones)
    oneofs: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// service -> rpc -> signature, types fully qualified as in the descriptor
    rpcs: BTreeMap<String, BTreeMap<String, Rpc>>,
}

fn scalar_name(t: Type) -> String {
    t.as_str_name()
        .trim_start_matches("TYPE_")
        .to_ascii_lowercase()
}

/// `.pkg.A.B` -> `A.B`; other packages keep their full name without the leading dot.
fn relative(package: &str, type_name: &str) -> String {
    let t = type_name.trim_start_matches('.');
    t.strip_prefix(package)
        .and_then(|r| r.strip_prefix('.'))
        .unwrap_or(t)
        .to_string()
}

fn declared(fds: &FileDescriptorSet, package: &str) -> Declared {
    let mut out = Declared::default();
    // First pass: all map-entry messages, so map fields can be rendered as map<K,V>.
    let mut map_entries: BTreeMap<String, &DescriptorProto> = BTreeMap::new();
    fn collect_entries<'a>(
        prefix: &str,
        msgs: &'a [DescriptorProto],
        sink: &mut BTreeMap<String, &'a DescriptorProto>,
    ) {
        for m in msgs {
            let name = format!("{prefix}.{}", m.name());
            if m.options.as_ref().is_some_and(|o| o.map_entry()) {
                sink.insert(name.clone(), m);
            }
            collect_entries(&name, &m.nested_type, sink);
        }
    }
    for file in fds.file.iter().filter(|f| f.package() == package) {
        collect_entries(&format!(".{package}"), &file.message_type, &mut map_entries);
    }

    let render = |f: &FieldDescriptorProto| -> (String, &'static str) {
        match f.r#type() {
            Type::Message | Type::Enum => {
                if let Some(entry) = map_entries.get(f.type_name()) {
                    let kv = |n: i32| {
                        let e = entry
                            .field
                            .iter()
                            .find(|x| x.number() == n)
                            .expect("map entry");
                        match e.r#type() {
                            Type::Message | Type::Enum => relative(package, e.type_name()),
                            t => scalar_name(t),
                        }
                    };
                    (format!("map<{},{}>", kv(1), kv(2)), "")
                } else {
                    (relative(package, f.type_name()), label_of(f))
                }
            }
            t => (scalar_name(t), label_of(f)),
        }
    };

    fn walk_enums(prefix: &str, enums: &[EnumDescriptorProto], out: &mut Declared) {
        for e in enums {
            let name = join(prefix, e.name());
            let values = e
                .value
                .iter()
                .map(|v| (v.name().to_string(), v.number()))
                .collect();
            out.enums.insert(name, values);
        }
    }

    fn walk<'a>(
        prefix: &str,
        msgs: &'a [DescriptorProto],
        out: &mut Declared,
        render: &dyn Fn(&FieldDescriptorProto) -> (String, &'static str),
    ) {
        for m in msgs {
            if m.options.as_ref().is_some_and(|o| o.map_entry()) {
                continue;
            }
            let name = join(prefix, m.name());
            let mut fields = BTreeMap::new();
            let mut oneofs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for f in &m.field {
                let (ty, label) = render(f);
                fields.insert(
                    f.name().to_string(),
                    OurField {
                        number: f.number(),
                        ty,
                        label,
                    },
                );
                if let (Some(idx), false) = (f.oneof_index, f.proto3_optional()) {
                    let oneof = m.oneof_decl[idx as usize].name().to_string();
                    oneofs
                        .entry(oneof)
                        .or_default()
                        .insert(f.name().to_string());
                }
            }
            out.messages.insert(name.clone(), fields);
            if !oneofs.is_empty() {
                out.oneofs.insert(name.clone(), oneofs);
            }
            walk_enums(&name, &m.enum_type, out);
            walk(&name, &m.nested_type, out, render);
        }
    }

    for file in fds.file.iter().filter(|f| f.package() == package) {
        walk_enums("", &file.enum_type, &mut out);
        walk("", &file.message_type, &mut out, &render);
        for s in &file.service {
            let rpcs = out.rpcs.entry(s.name().to_string()).or_default();
            for m in &s.method {
                rpcs.insert(
                    m.name().to_string(),
                    (
                        m.input_type().to_string(),
                        m.output_type().to_string(),
                        m.client_streaming(),
                        m.server_streaming(),
                    ),
                );
            }
        }
    }
    out
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn label_of(f: &FieldDescriptorProto) -> &'static str {
    match f.label() {
        Label::Repeated => "repeated",
        Label::Required => "required",
        Label::Optional if f.proto3_optional() => "optional",
        Label::Optional => "",
    }
}

// ------------------------------------------------------------------------------------------
// Upstream side
// ------------------------------------------------------------------------------------------

/// Resolves a type name as written inside upstream message `scope` using protobuf scoping
/// (innermost enclosing scope first), against upstream's own messages and enums.
fn resolve_upstream(upstream_names: &BTreeSet<String>, scope: &str, written: &str) -> String {
    if let Some(inner) = written
        .strip_prefix("map<")
        .and_then(|s| s.strip_suffix('>'))
    {
        let (k, v) = inner.split_once(',').expect("map<K,V>");
        return format!(
            "map<{},{}>",
            resolve_upstream(upstream_names, scope, k.trim()),
            resolve_upstream(upstream_names, scope, v.trim())
        );
    }
    const SCALARS: &[&str] = &[
        "double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32",
        "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes",
    ];
    if SCALARS.contains(&written) {
        return written.to_string();
    }
    let (first, rest) = match written.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (written, None),
    };
    let parts: Vec<&str> = scope.split('.').collect();
    for depth in (0..=parts.len()).rev() {
        let candidate = join(&parts[..depth].join("."), first);
        if upstream_names.contains(&candidate) {
            return match rest {
                Some(r) => format!("{candidate}.{r}"),
                None => candidate,
            };
        }
    }
    // Not an upstream tfplugin type: the only import upstream uses is timestamp.proto.
    match written {
        "Timestamp" | "google.protobuf.Timestamp" => "google.protobuf.Timestamp".to_string(),
        other => format!("<unresolved {other}>"),
    }
}

/// The upstream message and enum names a resolved type mentions (`map<K,V>` mentions K and V).
fn type_names<'a>(resolved: &'a str, names: &BTreeSet<String>) -> Vec<&'a str> {
    let parts: Vec<&str> = match resolved
        .strip_prefix("map<")
        .and_then(|s| s.strip_suffix('>'))
    {
        Some(inner) => inner.split(',').map(str::trim).collect(),
        None => vec![resolved],
    };
    parts.into_iter().filter(|p| names.contains(*p)).collect()
}

/// An upstream RPC side as written in the JSON: (`stream ` given?, message name as written).
fn rpc_side(written: &Json) -> (bool, &str) {
    let w = written.as_str().unwrap_or("?");
    match w.strip_prefix("stream ") {
        Some(rest) => (true, rest.trim()),
        None => (false, w),
    }
}

fn not_declared(package: &str, service: &str, rpc: &str) -> bool {
    NOT_DECLARED
        .iter()
        .any(|(p, s, r, _)| *p == package && *s == service && *r == rpc)
}

fn fail_if_any(what: &str, mismatches: &[String]) {
    if !mismatches.is_empty() {
        panic!(
            "{what}: {} mismatch(es):\n  - {}\n",
            mismatches.len(),
            mismatches.join("\n  - ")
        );
    }
}

// ------------------------------------------------------------------------------------------
// The checker (a function, so the self-test below can run it on deliberately broken files)
// ------------------------------------------------------------------------------------------

fn check_against_facts(fds: &FileDescriptorSet, facts: &Json) -> Vec<String> {
    let mut bad = Vec::new();
    for package in ["tfplugin5", "tfplugin6"] {
        let ours = declared(fds, package);
        let up = &facts[package];
        let up_messages = up["messages"].as_object().expect("messages object");
        let up_enums = up["enums"].as_object().expect("enums object");
        let names: BTreeSet<String> = up_messages.keys().chain(up_enums.keys()).cloned().collect();

        if ours.messages.is_empty() {
            bad.push(format!("{package}: no messages declared (file missing?)"));
        }

        // Messages and fields.
        for (msg, fields) in &ours.messages {
            let Some(up_fields) = up_messages.get(msg).and_then(Json::as_object) else {
                bad.push(format!("{package}.{msg}: message does not exist upstream"));
                continue;
            };
            for (name, f) in fields {
                let Some(u) = up_fields.get(name) else {
                    bad.push(format!(
                        "{package}.{msg}.{name}: field does not exist upstream (ours: #{} {})",
                        f.number, f.ty
                    ));
                    continue;
                };
                let un = u["number"].as_i64().unwrap_or(-1);
                if un != i64::from(f.number) {
                    bad.push(format!(
                        "{package}.{msg}.{name}: number ours={} upstream={un}",
                        f.number
                    ));
                }
                let written = u["type"].as_str().unwrap_or("?");
                let want = resolve_upstream(&names, msg, written);
                if want != f.ty {
                    bad.push(format!(
                        "{package}.{msg}.{name}: type ours=`{}` upstream=`{written}` (= `{want}`)",
                        f.ty
                    ));
                }
                let ul = u["label"].as_str().unwrap_or("?");
                if ul != f.label {
                    bad.push(format!(
                        "{package}.{msg}.{name}: label ours=`{}` upstream=`{ul}`",
                        f.label
                    ));
                }
            }
            for (name, u) in up_fields {
                if !fields.contains_key(name) {
                    bad.push(format!(
                        "{package}.{msg}.{name}: upstream field missing from ours (#{} {} {})",
                        u["number"], u["label"], u["type"]
                    ));
                }
            }
        }

        // Enums.
        for (en, values) in &ours.enums {
            let Some(up_values) = up_enums.get(en).and_then(Json::as_object) else {
                bad.push(format!("{package}.{en}: enum does not exist upstream"));
                continue;
            };
            for (v, n) in values {
                match up_values.get(v).and_then(Json::as_i64) {
                    None => bad.push(format!(
                        "{package}.{en}.{v}: enum value does not exist upstream"
                    )),
                    Some(un) if un != i64::from(*n) => bad.push(format!(
                        "{package}.{en}.{v}: enum value ours={n} upstream={un}"
                    )),
                    Some(_) => {}
                }
            }
            for (v, un) in up_values {
                if !values.contains_key(v) {
                    bad.push(format!(
                        "{package}.{en}.{v}: upstream enum value {un} missing from ours"
                    ));
                }
            }
        }

        // Services and RPCs we declare: they exist upstream, with the same signature.
        let up_services = up["services"].as_object().expect("services object");
        for (service, rpcs) in &ours.rpcs {
            let Some(up_rpcs) = up_services.get(service).and_then(Json::as_object) else {
                bad.push(format!(
                    "{package}.{service}: service does not exist upstream"
                ));
                continue;
            };
            for (rpc, (input, output, cs, ss)) in rpcs {
                let Some(sides) = up_rpcs.get(rpc).and_then(Json::as_array) else {
                    bad.push(format!(
                        "{package}.{service}/{rpc}: rpc does not exist upstream"
                    ));
                    continue;
                };
                let (up_cs, up_in) = rpc_side(&sides[0]);
                let (up_ss, up_out) = rpc_side(&sides[1]);
                let (want_in, want_out) = (
                    format!(".{package}.{}", resolve_upstream(&names, "", up_in)),
                    format!(".{package}.{}", resolve_upstream(&names, "", up_out)),
                );
                if *input != want_in || *output != want_out {
                    bad.push(format!(
                        "{package}.{service}/{rpc}: signature ours=({input}) -> ({output}), \
                         upstream=({want_in}) -> ({want_out})"
                    ));
                }
                if (*cs, *ss) != (up_cs, up_ss) {
                    bad.push(format!(
                        "{package}.{service}/{rpc}: streaming (client, server) ours=({cs}, {ss}) \
                         upstream=({up_cs}, {up_ss})"
                    ));
                }
            }
        }

        // Every upstream service and RPC is declared, unless listed in NOT_DECLARED.
        for (service, up_rpcs) in up_services {
            let up_rpcs = up_rpcs.as_object().expect("rpcs object");
            let declared_rpcs = ours.rpcs.get(service);
            if not_declared(package, service, "") {
                if declared_rpcs.is_some() {
                    bad.push(format!(
                        "{package}.{service}: declared, but NOT_DECLARED says it is left out"
                    ));
                }
                continue;
            }
            let Some(declared_rpcs) = declared_rpcs else {
                bad.push(format!(
                    "{package}.{service}: upstream service is not declared"
                ));
                continue;
            };
            for rpc in up_rpcs.keys() {
                match (
                    declared_rpcs.contains_key(rpc),
                    not_declared(package, service, rpc),
                ) {
                    (false, false) => bad.push(format!(
                        "{package}.{service}/{rpc}: upstream rpc is not declared"
                    )),
                    (true, true) => bad.push(format!(
                        "{package}.{service}/{rpc}: declared, but NOT_DECLARED says it is left out"
                    )),
                    _ => {}
                }
            }
        }
        for (p, service, rpc, _) in NOT_DECLARED {
            let exists = up_services
                .get(*service)
                .is_some_and(|r| rpc.is_empty() || r.get(*rpc).is_some());
            if *p == package && !exists {
                bad.push(format!(
                    "{package}.{service}/{rpc}: listed in NOT_DECLARED but not upstream"
                ));
            }
        }

        // Everything upstream that what we declare refers to is declared as well: start from
        // our messages and our RPCs' upstream request/response types, follow upstream fields.
        let mut via: BTreeMap<String, String> = BTreeMap::new();
        let mut todo: Vec<String> = Vec::new();
        for msg in ours
            .messages
            .keys()
            .filter(|m| up_messages.contains_key(*m))
        {
            via.insert(msg.clone(), "declared here".to_string());
            todo.push(msg.clone());
        }
        for (service, rpcs) in &ours.rpcs {
            let Some(up_rpcs) = up_services.get(service).and_then(Json::as_object) else {
                continue;
            };
            for rpc in rpcs.keys() {
                for side in up_rpcs
                    .get(rpc)
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                {
                    let name = resolve_upstream(&names, "", rpc_side(side).1);
                    if names.contains(&name) && !via.contains_key(&name) {
                        via.insert(name.clone(), format!("rpc {service}/{rpc}"));
                        todo.push(name);
                    }
                }
            }
        }
        while let Some(msg) = todo.pop() {
            let Some(fields) = up_messages.get(&msg).and_then(Json::as_object) else {
                continue; // an enum
            };
            for (field, u) in fields {
                let resolved = resolve_upstream(&names, &msg, u["type"].as_str().unwrap_or("?"));
                for name in type_names(&resolved, &names) {
                    if !via.contains_key(name) {
                        via.insert(name.to_string(), format!("{msg}.{field}"));
                        todo.push(name.to_string());
                    }
                }
            }
        }
        for (name, from) in &via {
            let (kind, have) = if up_messages.contains_key(name) {
                ("message", ours.messages.contains_key(name))
            } else {
                ("enum", ours.enums.contains_key(name))
            };
            if !have {
                bad.push(format!(
                    "{package}.{name}: upstream {kind} is not declared (referenced by {from})"
                ));
            }
        }

        // Oneofs.
        for (msg, oneof, members) in UPSTREAM_ONEOFS {
            if !ours.messages.contains_key(*msg) {
                continue;
            }
            let want: BTreeSet<String> = members.iter().map(|s| s.to_string()).collect();
            match ours.oneofs.get(*msg).and_then(|o| o.get(*oneof)) {
                Some(got) if *got == want => {}
                got => bad.push(format!(
                    "{package}.{msg}: oneof `{oneof}` ours={got:?} upstream={want:?}"
                )),
            }
        }
        for (msg, oneofs) in &ours.oneofs {
            for name in oneofs.keys() {
                if !UPSTREAM_ONEOFS
                    .iter()
                    .any(|(m, o, _)| m == msg && o == name)
                {
                    bad.push(format!(
                        "{package}.{msg}: oneof `{name}` does not exist upstream"
                    ));
                }
            }
        }
    }
    bad
}

fn check_plugin_package(fds: &FileDescriptorSet) -> Vec<String> {
    let mut bad = Vec::new();
    let ours = declared(fds, "plugin");
    let known: BTreeSet<&str> = PLUGIN_MESSAGES.iter().copied().collect();
    for msg in ours.messages.keys() {
        if !known.contains(msg.as_str()) {
            bad.push(format!("plugin.{msg}: message does not exist in go-plugin"));
        }
    }
    for msg in PLUGIN_MESSAGES {
        let Some(fields) = ours.messages.get(*msg) else {
            bad.push(format!("plugin.{msg}: message missing"));
            continue;
        };
        for name in fields.keys() {
            if !PLUGIN_FIELDS.iter().any(|(m, f, ..)| m == msg && f == name) {
                bad.push(format!(
                    "plugin.{msg}.{name}: field does not exist in go-plugin"
                ));
            }
        }
    }
    for (msg, name, number, ty, label) in PLUGIN_FIELDS {
        match ours.messages.get(*msg).and_then(|f| f.get(*name)) {
            None => bad.push(format!("plugin.{msg}.{name}: field missing")),
            Some(f) if (f.number, f.ty.as_str(), f.label) != (*number, *ty, *label) => {
                bad.push(format!(
                    "plugin.{msg}.{name}: ours=(#{} `{}` `{}`) go-plugin=(#{number} `{ty}` `{label}`)",
                    f.number, f.ty, f.label
                ))
            }
            Some(_) => {}
        }
    }
    for (en, values) in PLUGIN_ENUMS {
        let want: BTreeMap<String, i32> = values.iter().map(|(n, v)| (n.to_string(), *v)).collect();
        match ours.enums.get(*en) {
            Some(got) if *got == want => {}
            got => bad.push(format!(
                "plugin.{en}: values ours={got:?} go-plugin={want:?}"
            )),
        }
    }
    if ours.enums.len() != PLUGIN_ENUMS.len() {
        bad.push(format!(
            "plugin: enums ours={:?}",
            ours.enums.keys().collect::<Vec<_>>()
        ));
    }
    let mut declared_rpcs = 0;
    for (service, rpcs) in &ours.rpcs {
        for (rpc, got) in rpcs {
            declared_rpcs += 1;
            match PLUGIN_RPCS
                .iter()
                .find(|(s, r, ..)| s == service && r == rpc)
            {
                None => bad.push(format!(
                    "plugin.{service}/{rpc}: rpc does not exist in go-plugin"
                )),
                Some((_, _, i, o, cs, ss)) => {
                    let want = (i.to_string(), o.to_string(), *cs, *ss);
                    if *got != want {
                        bad.push(format!(
                            "plugin.{service}/{rpc}: ours={got:?} go-plugin={want:?}"
                        ));
                    }
                }
            }
        }
    }
    if declared_rpcs != PLUGIN_RPCS.len() {
        bad.push(format!(
            "plugin: {declared_rpcs} rpcs declared, go-plugin's services have {}",
            PLUGIN_RPCS.len()
        ));
    }
    bad
}

// ------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------

#[test]
fn tfplugin_protos_match_upstream_wire_facts() {
    let fds = compile(&manifest_dir().join("crates/tfplugin/proto"));
    fail_if_any(
        "crates/tfplugin/proto/tfplugin{5,6}.proto vs tests/data/tfplugin-wire-facts.json",
        &check_against_facts(&fds, &facts()),
    );
}

#[test]
fn plugin_proto_matches_go_plugin() {
    let fds = compile(&manifest_dir().join("crates/tfplugin/proto"));
    fail_if_any(
        "crates/tfplugin/proto/plugin.proto vs go-plugin",
        &check_plugin_package(&fds),
    );
}

/// The checker itself must notice breakage: compile deliberately damaged copies of our files
/// and expect the specific complaints.
#[test]
fn checker_reports_broken_definitions() {
    let src = manifest_dir().join("crates/tfplugin/proto");
    let dir = tempfile::tempdir().expect("tempdir");
    for f in FILES {
        std::fs::copy(src.join(f), dir.path().join(f)).expect("copy proto");
    }
    let edit = |file: &str, from: &str, to: &str| {
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(from),
            "self-test: `{from}` not found in {file}"
        );
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    // A wrong number, a wrong type, an rpc removed, an enum value renumbered, the selector
    // oneof flattened into plain fields, a field removed, a field removed together with the
    // message it refers to, a server stream made unary, and a left-out service declared.
    edit(
        "tfplugin6.proto",
        "string terraform_version = 1;",
        "string terraform_version = 9;",
    );
    edit(
        "tfplugin6.proto",
        "bool write_only = 11;",
        "string write_only = 11;",
    );
    edit(
        "tfplugin6.proto",
        "  rpc StopProvider(StopProvider.Request) returns (StopProvider.Response);\n",
        "",
    );
    edit("tfplugin5.proto", "WARNING = 2;", "WARNING = 3;");
    edit("tfplugin5.proto", "oneof selector {", "message Unused {");
    edit(
        "tfplugin6.proto",
        "  bool computed_blocks_allowed = 4;\n",
        "",
    );
    edit(
        "tfplugin5.proto",
        "    repeated ActionMetadata actions = 8;\n",
        "",
    );
    edit(
        "tfplugin5.proto",
        "  message ActionMetadata {\n    string type_name = 1;\n  }\n",
        "",
    );
    edit(
        "tfplugin5.proto",
        "returns (stream ListResource.Event);",
        "returns (ListResource.Event);",
    );
    edit(
        "tfplugin5.proto",
        "\nservice Provider {",
        "\nservice Provisioner {\n  rpc Stop(Stop.Request) returns (Stop.Response);\n}\n\nservice Provider {",
    );
    edit(
        "plugin.proto",
        "uint32 service_id = 1;",
        "uint64 service_id = 1;",
    );

    let fds = compile(dir.path());
    let mut bad = check_against_facts(&fds, &facts());
    bad.extend(check_plugin_package(&fds));
    let report = bad.join("\n");
    for expected in [
        "tfplugin6.ConfigureProvider.Request.terraform_version: number ours=9 upstream=1",
        "tfplugin6.Schema.Attribute.write_only: type ours=`string` upstream=`bool`",
        "tfplugin6.Provider/StopProvider: upstream rpc is not declared",
        "tfplugin5.Diagnostic.Severity.WARNING: enum value ours=3 upstream=2",
        "tfplugin5.AttributePath.Step: oneof `selector` ours=None",
        "tfplugin6.ClientCapabilities.computed_blocks_allowed: upstream field missing from ours (#4",
        "tfplugin5.GetMetadata.Response.actions: upstream field missing from ours (#8",
        "tfplugin5.GetMetadata.ActionMetadata: upstream message is not declared \
         (referenced by GetMetadata.Response.actions)",
        "tfplugin5.Provider/ListResource: streaming (client, server) ours=(false, false) \
         upstream=(false, true)",
        "tfplugin5.Provisioner: declared, but NOT_DECLARED says it is left out",
        "plugin.ConnInfo.service_id: ours=(#1 `uint64`",
    ] {
        assert!(
            report.contains(expected),
            "self-test: expected a complaint containing\n  {expected}\ngot:\n{report}"
        );
    }
}
