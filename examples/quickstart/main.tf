# The configuration `make demo` applies against the local sas-emulator.
# The endpoint and credentials come from the environment the demo sets:
# ALIBABA_CLOUD_ENDPOINT_SAS, ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET.
terraform {
  required_providers {
    alicloud = { source = "alicloud-rs/alicloud" }
  }
}

provider "alicloud" {
  region   = "cn-hangzhou"
  protocol = "HTTP" # the emulator speaks plain HTTP on loopback
}

variable "registry_password" {
  type      = string
  sensitive = true
  default   = "demo-password-change-me"
}

resource "alicloud_sas_private_registry" "demo" {
  registry_type      = "harbor"
  registry_version   = "V2"
  protocol_type      = 2
  net_type           = 1
  registry_host_ip   = "192.0.2.10"
  domain_name        = "harbor.demo.example.com"
  port               = 443
  user_name          = "scanner"
  password           = var.registry_password
  registry_region_id = "cn-hangzhou"
  trans_per_hour     = 10
}

data "alicloud_sas_private_registries" "all_harbor" {
  registry_type = "harbor"
  depends_on    = [alicloud_sas_private_registry.demo]
}

output "registry_id" {
  value = alicloud_sas_private_registry.demo.id
}

output "registry_region" {
  value = alicloud_sas_private_registry.demo.region_id
}

output "harbor_registries" {
  value = data.alicloud_sas_private_registries.all_harbor.ids
}
