# `terraform test` (1.6 and later) or `tofu test` against sas-emulator, no cloud account:
#
#   sas-emulator --listen 127.0.0.1:0 --access-key-id demo --access-key-secret demo-secret
#   export ALIBABA_CLOUD_ENDPOINT_SAS=127.0.0.1:<port> ALIBABA_CLOUD_REGION=cn-hangzhou \
#          ALIBABA_CLOUD_ACCESS_KEY_ID=demo ALIBABA_CLOUD_ACCESS_KEY_SECRET=demo-secret
#   terraform init && terraform test
#
# Every registry a run creates is destroyed when the file's runs are done.

# The emulator speaks plain HTTP on loopback; drop this block to test against the real API.
provider "alicloud" {
  protocol = "HTTP"
}

variables {
  domain_name      = "tftest.example.com"
  registry_host_ip = "192.0.2.30"
  password         = "tftest-password"
}

run "plan_shows_the_registry" {
  command = plan

  assert {
    condition     = alicloud_sas_private_registry.this.domain_name == "tftest.example.com"
    error_message = "The registry must use the domain name it was given."
  }

  assert {
    condition     = alicloud_sas_private_registry.this.registry_type == "harbor"
    error_message = "A registry is harbor unless told otherwise."
  }
}

run "apply_creates_the_registry" {
  command = apply

  assert {
    condition     = output.registry_id == alicloud_sas_private_registry.this.id && output.registry_id != ""
    error_message = "The module must output the ID Security Center assigned."
  }

  assert {
    condition     = alicloud_sas_private_registry.this.region_id == "cn-hangzhou"
    error_message = "The registry must be registered in cn-hangzhou."
  }

  assert {
    condition     = alicloud_sas_private_registry.this.registry_host_ip == "192.0.2.30"
    error_message = "Security Center must reach the registry at the address it was given."
  }
}

run "refuses_an_unknown_registry_type" {
  command = plan

  variables {
    registry_type = "docker"
  }

  expect_failures = [var.registry_type]
}
