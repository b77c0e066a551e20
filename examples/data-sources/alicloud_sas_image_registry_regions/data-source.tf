data "alicloud_sas_image_registry_regions" "all" {
  lang = "en"
}

# The regions a registry's `registry_region_id` may name, with their names.
output "registry_regions" {
  value = {
    for r in data.alicloud_sas_image_registry_regions.all.regions : r.region_id => r.region_name
  }
}
