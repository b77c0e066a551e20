variable "harbor_password" {
  type      = string
  sensitive = true
}

variable "quay_password" {
  type      = string
  sensitive = true
}

variable "quay_token" {
  type      = string
  sensitive = true
}

# A Harbor registry reached over the Internet with HTTPS.
resource "alicloud_sas_private_registry" "harbor" {
  registry_type      = "harbor"
  registry_version   = "V2"
  protocol_type      = 2
  net_type           = 1
  registry_host_ip   = "192.0.2.10"
  domain_name        = "harbor.example.com"
  port               = 443
  user_name          = "scanner"
  password           = var.harbor_password
  registry_region_id = "cn-hangzhou"
  trans_per_hour     = 10
}

# A Quay registry inside a VPC; quay needs namespaces and auth tokens.
resource "alicloud_sas_private_registry" "quay" {
  registry_type      = "quay"
  registry_version   = "V2"
  protocol_type      = 2
  net_type           = 2
  vpc_id             = "vpc-bp1example0000000000"
  registry_host_ip   = "10.0.0.20"
  domain_name        = "quay.internal.example.com"
  user_name          = "scanner"
  password           = var.quay_password
  registry_region_id = "cn-hangzhou"
  extra_param = jsonencode([
    { namespace = "platform", authToken = var.quay_token },
  ])

  timeouts {
    create = "10m"
  }
}
