data "alicloud_sas_private_registries" "harbor" {
  registry_type     = "harbor"
  domain_name_regex = "\\.example\\.com$"
}

output "harbor_registry_ids" {
  value = data.alicloud_sas_private_registries.harbor.ids
}
