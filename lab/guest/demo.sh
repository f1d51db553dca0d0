# SPDX-License-Identifier: GPL-2.0
#
# lab/guest/demo.sh - lhvlab.mode=demo inside the lab host (sourced by
# /init, whose load/emit/say helpers it uses): load lhv and run a guest
# under it, showing its output; on failure say why, and show the same
# client on kvm-amd for comparison.  Results: demo/load, demo/lhv-hello.

demo_kvm_comparison() {
	say ""
	say "=== for comparison: the same client on kvm-amd in this lab host"
	if err=$(load kvm) && [ -c /dev/kvm ]; then
		lhv-hello --dev /dev/kvm
		say "=== lhv-hello on /dev/kvm: exit $?"
		unload kvm >/dev/null
	else
		say "=== kvm-amd did not load either: $err"
	fi
}

say ""
say "=== lhv demo: insmod /lhv.ko"
if err=$(load lhv) && [ -c /dev/lhv ]; then
	emit "RESULT PASS demo/load"
	say "=== lhv loaded: $(dmesg | grep "lhv: " | grep -v verification | tail -n 1)"
	say "=== lhv-hello: a real-mode guest at 0x1000 prints through port 0x3f8"
	say ""
	lhv-hello --dev /dev/lhv --stats
	rc=$?
	say ""
	if [ $rc -eq 0 ]; then
		emit "RESULT PASS demo/lhv-hello"
		say "=== the guest ran under lhv and halted (exit 0)"
	else
		emit "RESULT FAIL demo/lhv-hello # exit status $rc"
		say "=== lhv-hello failed under lhv (exit $rc); kernel log:"
		dmesg | tail -n 20
		demo_kvm_comparison
	fi
	if rmmod lhv; then
		say "=== rmmod lhv: ok"
	else
		say "=== rmmod lhv failed"
	fi
else
	err=$(echo "$err" | tr '\n' ' ' | sed 's/ *$//')
	emit "RESULT FAIL demo/load # $err"
	say "=== lhv did not load: $err"
	dmesg | tail -n 20
	demo_kvm_comparison
fi
if dmesg | grep -qE 'WARNING:|BUG:|Oops|general protection|Call Trace'; then
	say "=== the kernel complained:"
	dmesg | grep -E -A20 'WARNING:|BUG:|Oops|general protection|Call Trace'
	emit "RESULT FAIL demo/dmesg-clean # kernel warning, BUG or oops"
fi

# Then a real Linux guest under lhv, with lhv-run.
[ -f /lab/demo-linux.sh ] && . /lab/demo-linux.sh
