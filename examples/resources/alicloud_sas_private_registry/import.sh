# A registry is imported by the Id Security Center assigned to it. An import reads no secret:
# the password (which the API never returns) and a quay registry's tokens stay out of state.
# Leave them unset to keep what the registry has, or give them in the configuration: the first
# `password_wo_version` or `extra_param_wo_version`, or an `extra_param`, is then recorded
# without sending anything or replacing the registry.
terraform import alicloud_sas_private_registry.harbor 1234
