# Rotate a registry's token on demand:
#
#   terraform apply -invoke=action.alicloud_sas_refresh_registry_token.harbor
#
action "alicloud_sas_refresh_registry_token" "harbor" {
  config {
    registry_id = alicloud_sas_private_registry.harbor.id
  }
}

# Or rotate it whenever the registry changes (a new password, say). `caller` is the registry
# that triggered the action (Terraform 1.16; with 1.14 and 1.15, name the resource).
action "alicloud_sas_refresh_registry_token" "on_change" {
  config {
    registry_id = caller.id
  }
}

resource "alicloud_sas_private_registry" "quay" {
  # ...

  lifecycle {
    action_trigger {
      events     = [after_update]
      actions    = [action.alicloud_sas_refresh_registry_token.on_change]
      on_failure = continue # a failed rotation is a warning; the registry is kept (1.16)
    }
  }
}
