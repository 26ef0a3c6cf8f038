# SPDX-License-Identifier: GPL-2.0-only
# A/B boot for the router board, RAUC's variables as fwtool's uboot backend
# writes them: BOOT_ORDER="B A", BOOT_<x>_LEFT in hex. The state lives in a raw
# env block on partition 5, a logical one (this QEMU cannot save U-Boot's
# flash env).
# Build: mkimage -A arm64 -O linux -T script -C none -n ab-boot -d boot.cmd boot.scr
#
# Each boot: the first slot in BOOT_ORDER with tries left is taken and one
# try is counted down and saved BEFORE the kernel starts. A slot outside
# BOOT_ORDER never boots (fwtool takes a slot out before writing it). When
# no slot has tries left, every slot in BOOT_ORDER gets 3 again and the
# first boots; with an empty or missing order, slot A (the factory slot).
echo "AB: boot.scr start"
setenv abenv_size 0x20000
part start virtio 0 5 abenv_blk
if virtio read ${loadaddr} ${abenv_blk} 0x100 && env import -c ${loadaddr} ${abenv_size} BOOT_ORDER BOOT_A_LEFT BOOT_B_LEFT; then
  echo "AB: state loaded"
else
  echo "AB: no valid state, factory default"
  setenv BOOT_ORDER A; setenv BOOT_A_LEFT 3; setenv BOOT_B_LEFT 0
fi
test -n "${BOOT_ORDER}" || setenv BOOT_ORDER A
test -n "${BOOT_A_LEFT}" || setenv BOOT_A_LEFT 3
test -n "${BOOT_B_LEFT}" || setenv BOOT_B_LEFT 0
echo "AB: before BOOT_ORDER=${BOOT_ORDER} BOOT_A_LEFT=${BOOT_A_LEFT} BOOT_B_LEFT=${BOOT_B_LEFT}"
setenv bootslot
for s in ${BOOT_ORDER}; do
  if test -z "${bootslot}"; then
    if test "${s}" = "A"; then
      if test 0x${BOOT_A_LEFT} -gt 0; then setexpr BOOT_A_LEFT ${BOOT_A_LEFT} - 1; setenv bootslot A; setenv bootpart 2; fi
    elif test "${s}" = "B"; then
      if test 0x${BOOT_B_LEFT} -gt 0; then setexpr BOOT_B_LEFT ${BOOT_B_LEFT} - 1; setenv bootslot B; setenv bootpart 3; fi
    fi
  fi
done
if test -z "${bootslot}"; then
  echo "AB: no slot has tries left: counters of the ordered slots reset"
  for s in ${BOOT_ORDER}; do
    if test "${s}" = "A"; then setenv BOOT_A_LEFT 3; fi
    if test "${s}" = "B"; then setenv BOOT_B_LEFT 3; fi
  done
  setenv bootslot A; setenv bootpart 2
  for s in ${BOOT_ORDER}; do
    if test "${s}" = "B"; then if test "${bootslot}" = "A"; then if test "${BOOT_ORDER}" = "B" -o "${BOOT_ORDER}" = "B A"; then setenv bootslot B; setenv bootpart 3; fi; fi; fi
  done
  if test "${bootslot}" = "A"; then setexpr BOOT_A_LEFT ${BOOT_A_LEFT} - 1; else setexpr BOOT_B_LEFT ${BOOT_B_LEFT} - 1; fi
fi
echo "AB: chose slot ${bootslot} (partition ${bootpart}); now BOOT_A_LEFT=${BOOT_A_LEFT} BOOT_B_LEFT=${BOOT_B_LEFT}"
env export -c -s ${abenv_size} ${loadaddr} BOOT_ORDER BOOT_A_LEFT BOOT_B_LEFT
virtio write ${loadaddr} ${abenv_blk} 0x100
load virtio 0:${bootpart} ${kernel_addr_r} /boot/Image
load virtio 0:${bootpart} ${ramdisk_addr_r} /boot/initrd.img
setenv bootargs "console=ttyAMA0 fwtool.slot=${bootslot} panic=5 loglevel=4"
echo "AB: booting kernel"
booti ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdtcontroladdr}
