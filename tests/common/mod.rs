//! Shared test harness: Terraform-like plugin clients and certificates, real Terraform
//! workspaces, the emulator backend, and acceptance steps.
#![allow(dead_code)]

pub mod acceptance;
pub mod backend;
pub mod cert;
pub mod emulator_binary;
pub mod emulator_control;
pub mod plan_file;
pub mod plugin_client;
pub mod registry;
pub mod terraform;
