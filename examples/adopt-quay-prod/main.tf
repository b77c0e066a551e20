# Adopting a subset: only the quay registries whose name contains "prod" (Terraform 1.14 and
# later). The same commands as in examples/adopt/. A directory's list blocks should not
# overlap: `terraform query` runs all of them, and each writes an import block for what it
# finds, so a registry two blocks find would be imported twice.
terraform {
  required_providers {
    alicloud = { source = "alicloud-rs/alicloud" }
  }
}

provider "alicloud" {}
