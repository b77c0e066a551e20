//! Shared test harness: Terraform-like plugin clients and certificates.
#![allow(dead_code)]

pub mod cert;
pub mod plugin_client;
pub mod terraform;
