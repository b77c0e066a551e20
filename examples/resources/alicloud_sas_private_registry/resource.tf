variable "harbor_password" {
  type      = string
  ephemeral = true
}

variable "quay_password" {
  type      = string
  ephemeral = true
}

variable "quay_token" {
  type      = string
  ephemeral = true
}

# The secrets come in through ephemeral variables (Terraform 1.10+, OpenTofu 1.11+): a plain
# or `sensitive` variable's value is written into saved plan files (`plan -out`). Set them
# from the environment (TF_VAR_harbor_password=...) at plan and again at apply.

# A Harbor registry reached over the Internet with HTTPS. The password is write-only: it is
# sent to the API and never stored in state or plan (Terraform 1.11+, OpenTofu 1.11+). Bump
# password_wo_version to send a new password.
resource "alicloud_sas_private_registry" "harbor" {
  registry_type       = "harbor"
  registry_version    = "V2"
  protocol_type       = 2
  net_type            = 1
  registry_host_ip    = "192.0.2.10"
  domain_name         = "harbor.example.com"
  port                = 443
  user_name           = "scanner"
  password_wo         = var.harbor_password
  password_wo_version = 1
  registry_region_id  = "cn-hangzhou"
  trans_per_hour      = 10
}

# A Quay registry inside a VPC; quay needs namespaces and auth tokens. With a client older
# than Terraform 1.11 / OpenTofu 1.11, use `password` and `extra_param` instead of the `_wo`
# arguments (they work everywhere, and are kept in state).
resource "alicloud_sas_private_registry" "quay" {
  registry_type       = "quay"
  registry_version    = "V2"
  protocol_type       = 2
  net_type            = 2
  vpc_id              = "vpc-bp1example0000000000"
  registry_host_ip    = "10.0.0.20"
  domain_name         = "quay.internal.example.com"
  user_name           = "scanner"
  password_wo         = var.quay_password
  password_wo_version = 1
  registry_region_id  = "cn-hangzhou"
  extra_param_wo = jsonencode([
    { namespace = "platform", authToken = var.quay_token },
  ])
  extra_param_wo_version = 1

  timeouts {
    create = "10m"
  }
}
