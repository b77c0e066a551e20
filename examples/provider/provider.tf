terraform {
  required_providers {
    alicloud = {
      source = "alicloud-rs/alicloud"
    }
  }
}

# Credentials come from the environment (ALIBABA_CLOUD_ACCESS_KEY_ID and
# ALIBABA_CLOUD_ACCESS_KEY_SECRET), a profile of the aliyun CLI, an assumed
# RAM role, or the ECS instance role; never write secrets into configuration.
provider "alicloud" {
  region = "cn-hangzhou"

  # Optional: assume a RAM role for every API call.
  # assume_role {
  #   role_arn     = "acs:ram::123456789012:role/terraform"
  #   session_name = "terraform"
  # }
}
