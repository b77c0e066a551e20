# Every harbor and quay registry Security Center knows (up to 1000; Terraform's default
# limit is 100).
list "alicloud_sas_private_registry" "all" {
  provider = alicloud
  limit    = 1000
}
