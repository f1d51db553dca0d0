# SPDX-License-Identifier: GPL-2.0
#
# lab/guest/demo-linux.sh - the Linux half of lhvlab.mode=demo (sourced by
# demo.sh, or on its own as lhvlab.mode=demo-linux; it uses /init's load,
# unload, emit and say): Debian's unmodified kernel, the lab host's own,
# boots as a guest under lhv with lhv-run and its console shows here.
# When that fails, the same command on kvm-amd, for comparison.
# Result: demo/lhv-run.

demo_linux_run() {	# demo_linux_run DEVICE
	say "\$ lhv-run --dev $1 --kernel /guest/vmlinuz --initrd /guest/initrd.cpio --mem 128M --cmdline \"$demo_linux_cmdline\""
	timeout 120 lhv-run --dev "$1" --kernel /guest/vmlinuz \
		--initrd /guest/initrd.cpio --mem 128M \
		--cmdline "$demo_linux_cmdline" --debug </dev/null
}

demo_linux_cmdline="console=ttyS0 reboot=k panic=-1 pci=off quiet"
say ""
say "=== lhv-run: Debian's kernel $(uname -r) boots as a guest under lhv"
if [ ! -r /guest/vmlinuz ] || ! command -v lhv-run >/dev/null; then
	emit "RESULT FAIL demo/lhv-run # no lhv-run or /guest/vmlinuz in the image"
	say "=== lhv-run or the guest kernel is missing from the image"
elif err=$(load lhv) && [ -c /dev/lhv ]; then
	demo_linux_run /dev/lhv
	rc=$?
	if [ $rc -eq 0 ]; then
		emit "RESULT PASS demo/lhv-run"
		say "=== the Linux guest ran under lhv and powered off (lhv-run exit 0)"
	else
		emit "RESULT FAIL demo/lhv-run # exit status $rc"
		say "=== lhv-run on lhv: exit $rc; kernel log:"
		dmesg | tail -n 10
	fi
	rmmod lhv 2>/dev/null
	if [ $rc -ne 0 ] && err=$(load kvm) && [ -c /dev/kvm ]; then
		say ""
		say "=== for comparison: the same command on kvm-amd"
		demo_linux_run /dev/kvm
		say "=== lhv-run on /dev/kvm: exit $?"
		unload kvm >/dev/null
	fi
else
	emit "RESULT FAIL demo/lhv-run # lhv did not load"
	say "=== lhv did not load: $err"
fi
