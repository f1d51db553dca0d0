# SPDX-License-Identifier: GPL-2.0
#
# lab/bochs/vmx-mode.sh - /lab/vmx.sh in the Bochs lab image, run (sourced)
# by lab/guest/init for lhvlab.mode=vmx.  It uses init's helpers (emit,
# say, check_target, dmesg_check) and its TARGETS list, which may also hold
#   lhv-probe   load lhv.ko and accept either success (/dev/lhv appears,
#               then unload) or a clean refusal with ENODEV ("no backend
#               for this CPU"), as long as dmesg stays clean.  Until lhv
#               has a VMX backend this stands in for the lhv target.
# Per-target test lists come as lhvvmx.tests.<target>=a,b,c on the kernel
# command line (lab/vmx.sh drops tests lab/bochs/TESTS excludes for a
# target); without one, init's lhvlab.tests list applies.
# It also stamps init's console lines with the guest uptime (Bochs ticks
# 1e8 per virtual second), so the log shows where the time goes.

# say: as init's, with the uptime in front (read, a builtin: no fork).
say() {
	read -r up _ </proc/uptime
	echo "[$up] $*"
}

lhv_probe() {
	say "=== target lhv-probe (lhv loads or refuses cleanly)"
	if [ ! -f /lhv.ko ]; then
		emit "RESULT FAIL lhv/load-or-refuse # lhv.ko is not in the image"
		return
	fi
	if err=$(insmod /lhv.ko 2>&1); then
		if [ -c /dev/lhv ]; then
			emit "RESULT PASS lhv/load-or-refuse # loaded, /dev/lhv present"
		else
			emit "RESULT FAIL lhv/load-or-refuse # loaded, but /dev/lhv did not appear"
		fi
		if err=$(rmmod lhv 2>&1); then
			emit "RESULT PASS lhv/unload"
		else
			emit "RESULT FAIL lhv/unload # $(echo "$err" | tr '\n' ' ')"
		fi
	else
		err=$(echo "$err" | tr '\n' ' ')
		say "=== lhv-probe: insmod: $err"
		case "$err" in
		*"No such device"*)
			emit "RESULT PASS lhv/load-or-refuse # refused with ENODEV (no VMX backend)"
			;;
		*)
			emit "RESULT FAIL lhv/load-or-refuse # $err"
			;;
		esac
		dmesg | tail -n 5
	fi
	dmesg_check lhv
}

# The result stream's port at 115200 baud, like the console: Bochs times
# the UART, and at 9600 the output lags far behind a hang.
[ "$SPLIT" = 1 ] && stty -F "$OUT" 115200 2>/dev/null

for arg in $(cat /proc/cmdline); do
	case "$arg" in
	lhvvmx.tests.*=*)
		k=${arg%%=*}
		k=${k#lhvvmx.tests.}
		case "$k" in *[!a-z0-9_]*|"") continue ;; esac
		eval "VMX_TESTS_$k=\${arg#*=}"
		;;
	esac
done

read -r up _ </proc/uptime
say "=== vmx lab: init started at uptime $up s"
say "=== vmx lab: cpu flags: $(grep -m1 -o -w -E 'vmx|ept|vpid|flexpriority|svm' /proc/cpuinfo | tr '\n' ' ')"
for target in $(echo "$TARGETS" | tr , ' '); do
	case "$target" in
	lhv-probe) lhv_probe ;;
	*)
		saved=$ONLY
		case "$target" in
		*[!a-z0-9_]*) ;;
		*) eval "ONLY=\${VMX_TESTS_$target:-\$ONLY}" ;;
		esac
		check_target "$target"
		ONLY=$saved
		;;
	esac
done
say "=== vmx lab: done"
