
#
# Bootloader backends
#
CONFIG_BOOT_SIM=y
CONFIG_BOOT_UBOOT=y
CONFIG_BOOT_GRUB=y
# end of Bootloader backends

#
# Slot types
#
CONFIG_SLOT_BLOCK=y
CONFIG_SLOT_MTD=y
# CONFIG_SLOT_DFU is not set
# end of Slot types

#
# Features
#
CONFIG_BUNDLE_CREATE=y
# CONFIG_USB is not set
# CONFIG_FIT is not set
CONFIG_REPORT_HTTP=y
# end of Features

#
# Build options
#
CONFIG_FAULT_INJECT=y
# CONFIG_STATIC is not set
# CONFIG_SANITIZE is not set
CONFIG_WERROR=y
# end of Build options
