# Only the quay registries whose name (the domain they were added with) contains "prod".
list "alicloud_sas_private_registry" "quay_prod" {
  provider = alicloud
  limit    = 1000

  config {
    registry_type = "quay"
    name_contains = "prod"
  }
}
