# A small module around alicloud_sas_private_registry, with the test file beside it
# (registry.tftest.hcl) that `terraform test` / `tofu test` runs against sas-emulator.
# Copy both to test a module of your own the same way.

terraform {
  required_providers {
    alicloud = { source = "alicloud-rs/alicloud" }
  }
}

variable "registry_type" {
  description = "harbor or quay."
  type        = string
  default     = "harbor"

  validation {
    condition     = contains(["harbor", "quay"], var.registry_type)
    error_message = "The registry_type must be \"harbor\" or \"quay\"."
  }
}

variable "domain_name" {
  description = "Host name of the registry."
  type        = string
}

variable "registry_host_ip" {
  description = "Address of the registry host."
  type        = string
}

variable "password" {
  description = "Password Security Center logs in with."
  type        = string
  sensitive   = true
}

resource "alicloud_sas_private_registry" "this" {
  registry_type      = var.registry_type
  registry_version   = "V2"
  protocol_type      = 2
  net_type           = 1
  registry_host_ip   = var.registry_host_ip
  domain_name        = var.domain_name
  port               = 443
  user_name          = "scanner"
  password           = var.password
  registry_region_id = "cn-hangzhou"
}

output "registry_id" {
  value = alicloud_sas_private_registry.this.id
}
