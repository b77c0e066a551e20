# Adopting registries made in the console or by scripts (Terraform 1.14 and later):
#
#   terraform init
#   terraform query                                      # what exists
#   terraform query -generate-config-out=generated.tf    # configuration and import blocks
#   terraform plan                                       # N to import, nothing else
#   terraform apply
#
# The provider block needs no more than it does for a plan; `terraform query` only reads.
terraform {
  required_providers {
    alicloud = { source = "alicloud-rs/alicloud" }
  }
}

provider "alicloud" {}
