resource "alicloud_sas_private_registry" "harbor" {
  registry_type      = "harbor"
  registry_version   = "V2"
  protocol_type      = 2
  net_type           = 1
  registry_host_ip   = "192.0.2.50"
  domain_name        = "v0-harbor.example.com"
  port               = 8443
  user_name          = "admin"
  password           = "v0-password"
  registry_region_id = "cn-hangzhou"
  trans_per_hour     = 9007199254740993
}

resource "alicloud_sas_private_registry" "quay" {
  registry_type      = "quay"
  registry_version   = "V2"
  protocol_type      = 2
  net_type           = 2
  vpc_id             = "vpc-v0"
  registry_host_ip   = "10.0.0.50"
  domain_name        = "v0-quay.example.com"
  user_name          = "scanner"
  password           = "v0-quay-password"
  registry_region_id = "cn-hangzhou"
  extra_param        = jsonencode([{ namespace = "team", authToken = "v0-token" }])

  timeouts {
    create = "10m"
  }
}
