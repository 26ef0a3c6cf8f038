/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IS_ENABLED(CONFIG_X): 1 when build/config.h defines CONFIG_X to 1, else 0,
 * usable in plain C conditions so disabled code is still compiled and
 * type-checked (the Linux/U-Boot idiom).
 */
#ifndef FW_KCONFIG_H
#define FW_KCONFIG_H

#define __FW_ARG_PLACEHOLDER_1 0,
#define __fw_take_second_arg(__ignored, val, ...) val
#define __fw_is_defined(x) ___fw_is_defined(x)
#define ___fw_is_defined(val) ____fw_is_defined(__FW_ARG_PLACEHOLDER_##val)
#define ____fw_is_defined(arg1_or_junk) __fw_take_second_arg(arg1_or_junk 1, 0)

#define IS_ENABLED(option) __fw_is_defined(option)

#endif
