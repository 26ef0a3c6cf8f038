# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# bash completion for fwtool(8): verbs, each verb's options (from the
# binary's own --help, so it always matches the build), slot names and
# bootnames (from system.conf), bundle files.
# COMPREPLY=($(compgen ...)) is the completion idiom: words are wanted split
# shellcheck disable=SC2207

# _fwtool_conf: the system.conf this command line would load
_fwtool_conf()
{
	local i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		-c | --conf) echo "${COMP_WORDS[i + 1]}"; return ;;
		--conf=*) echo "${COMP_WORDS[i]#--conf=}"; return ;;
		esac
	done
	echo "${FWTOOL_CONF:-/etc/fwtool/system.conf}"
}

# _fwtool_slots: every [slot.CLASS.N] name and every bootname in it
_fwtool_slots()
{
	local conf
	conf=$(_fwtool_conf)
	[ -r "$conf" ] || return 0
	sed -n -e 's/^[[:space:]]*\[slot\.\([^]]*\)\].*/\1/p' \
		-e 's/^[[:space:]]*bootname[[:space:]]*=[[:space:]]*\([A-Za-z0-9_]*\).*/\1/p' \
		"$conf" | sort -u
}

_fwtool()
{
	local cur prev words cword verb="" action="" i w
	_init_completion -s || return
	local fw=${words[0]}

	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		case $w in
		-c | --conf) ((i++)); continue ;;
		-*) continue ;;
		esac
		if [ -z "$verb" ]; then
			verb=$w
		elif [ -z "$action" ] && { [ "$verb" = bundle ] || [ "$verb" = usb ]; }; then
			action=$w
		fi
	done

	case $prev in
	-c | --conf | --keyring | --cmdline | --dtb | --key | --cert | --chain | \
		-o | --output | --bundle)
		_filedir
		return
		;;
	--target-root)
		COMPREPLY=($(compgen -W "$(sed -n 's/^[[:space:]]*device[[:space:]]*=[[:space:]]*//p' \
			"$(_fwtool_conf)" 2>/dev/null)" -- "$cur"))
		return
		;;
	--image)
		_filedir
		return
		;;
	--id | --since | --timeout | --version | --security-version | --compatible | \
		--chunk-size | --description | --sign-cmd)
		return
		;;
	esac

	if [ -z "$verb" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$("$fw" --help 2>/dev/null |
				grep -oE -- '(^|[ ,])--?[a-z][a-z-]*' | tr -d ' ,' | sort -u)" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$("$fw" --help 2>/dev/null |
				sed -n '/^verbs:/,/^$/s/^  \([a-z-]*\).*/\1/p')" -- "$cur"))
		fi
		return
	fi
	case $verb in
	bundle | usb)
		if [ -z "$action" ]; then
			[ "$verb" = bundle ] && COMPREPLY=($(compgen -W create -- "$cur"))
			[ "$verb" = usb ] && COMPREPLY=($(compgen -W list -- "$cur"))
			return
		fi
		verb="$verb $action"
		;;
	esac
	if [[ $cur == -* ]]; then
		# shellcheck disable=SC2086 # "bundle create" is two words
		COMPREPLY=($(compgen -W "$("$fw" $verb --help 2>/dev/null |
			grep -oE -- '(^|[ ,[(|])--?[a-z][a-z-]*' | tr -d ' ,[(|' | sort -u)" -- "$cur"))
		return
	fi
	case $verb in
	mark-good | mark-bad | mark-active)
		COMPREPLY=($(compgen -W "booted other $(_fwtool_slots)" -- "$cur"))
		;;
	info | verify | install)
		_filedir fwb
		;;
	esac
}
complete -F _fwtool fwtool
