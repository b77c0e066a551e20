# A registry is imported by the Id Security Center assigned to it.
terraform import alicloud_sas_private_registry.harbor 1234
