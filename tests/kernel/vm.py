#!/usr/bin/python3
"""vm.py - run a test script inside Debian's own kernel under QEMU (TCG).

    vm.py [--timeout SECS] [--kernel VER] SCRIPT [ARG...]

The machine this runs on has no loadable-module support, so rtpgate's kernel
tests boot the Debian kernel that linux-image-amd64 installed
(/boot/vmlinuz-VER, with /lib/modules/VER/build from linux-headers-amd64)
in qemu-system-x86_64 without KVM:

    host                                   guest (Debian kernel VER)
    ----                                   -------------------------
    build/kernel/initrd.cpio  ---------->  /init: insmod virtio + 9p modules
    /  (9p export "hostroot", read-only)   mount hostroot on /mnt (ro),
                                           tmpfs on /mnt/tmp and /mnt/run,
                                           proc, sys, dev inside; chroot;
                                           timeout SCRIPT ARG... (from the
                                           repository root); dmesg; power off
    serial console  <-------------------   everything printed, on ttyS0

Inside, every host tool is there (bash, ip, nft, python3, build/rtpgated, a
built .ko) and modprobe finds the Debian kernel's other modules in the
host's /lib/modules/VER over 9p.

The console is parsed here: the script's "ok - ", "FAIL - " and "skip - "
lines and its "N passed, M failed[, K skipped]" line are passed on, and the
harness adds its own checks: the script ran to its summary line, and the
kernel logged no oops, BUG, WARNING, call trace, KASAN report or panic (the
guest prints its whole dmesg after the script, since loglevel=3 keeps
warnings off the console). The last line is the sum. When QEMU or the
Debian kernel is not there, or QEMU cannot start at all, it says why and
the suite counts as skipped, never as passed. The whole console goes to
build/test-logs/kernel-console.log, or the file --console names there.
"""

import argparse
import glob
import lzma
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "ng"))
from ngclient import Report  # noqa: E402

QEMU = "qemu-system-x86_64"
BUSYBOX = "/bin/busybox"
# What /init needs to mount the host over virtio-9p; modules.dep adds their
# dependencies (virtio, virtio_ring, netfs, fscache, 9pnet...) in order.
BOOT_MODULES = ["virtio_pci", "9pnet_virtio", "9p"]
MARK = "rtpgate-vm:"
KERNEL_TROUBLE = re.compile(r"Oops|BUG:|WARNING:|Call Trace|KASAN|"
                            r"Kernel panic|general protection fault|"
                            r"UBSAN:|kernel BUG")
RESULT = re.compile(r"^(ok|FAIL|skip) - ")
SUMMARY = re.compile(r"^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$")
# A printk line on the console: "[    1.234567] ...".
PRINTK = re.compile(r"^\[ *[0-9]+\.[0-9]+\] ")


class Skip(Exception):
    """The suite cannot run here; the message says why."""


def version_key(ver):
    """Sorts "6.1.0-56-amd64" after "6.1.0-9-amd64"."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p)
            for p in re.split(r"[.-]", ver)]


def pick_kernel(wanted=None):
    """The newest VER with both /boot/vmlinuz-VER and /lib/modules/VER/build
    (image and headers of the same version). Raises Skip when none is."""
    found = []
    for image in glob.glob("/boot/vmlinuz-*"):
        ver = image[len("/boot/vmlinuz-"):]
        if os.path.isdir("/lib/modules/%s/build" % ver) and \
                os.path.isfile("/lib/modules/%s/modules.dep" % ver):
            found.append(ver)
    if wanted:
        if wanted not in found:
            raise Skip("kernel %s: no /boot/vmlinuz-%s with a matching "
                       "/lib/modules/%s/build" % (wanted, wanted, wanted))
        return wanted
    if not found:
        raise Skip("no Debian kernel: no /boot/vmlinuz-VER with a matching "
                   "/lib/modules/VER/build (apt-get install linux-image-amd64 "
                   "linux-headers-amd64)")
    return max(found, key=version_key)


def module_order(ver, names):
    """Paths (relative to /lib/modules/VER) of @names and everything they
    depend on, each after its dependencies. Built-in modules are left out."""
    base = "/lib/modules/%s/" % ver
    deps = {}
    with open(base + "modules.dep") as f:
        for line in f:
            path, _, rest = line.partition(":")
            deps[mod_name(path)] = (path, [mod_name(d) for d in rest.split()])
    builtin = set()
    if os.path.exists(base + "modules.builtin"):
        with open(base + "modules.builtin") as f:
            builtin = {mod_name(l.strip()) for l in f if l.strip()}
    order, done = [], set(builtin)

    def visit(name, depth=0):
        name = name.replace("-", "_")
        if name in done:
            return
        if name not in deps or depth > 32:
            raise Skip("kernel %s has no module %s" % (ver, name))
        done.add(name)
        path, needs = deps[name]
        for d in needs:
            visit(d, depth + 1)
        order.append(path)
    for n in names:
        visit(n)
    return order


def mod_name(path):
    base = os.path.basename(path)
    return re.sub(r"\.ko(\.xz|\.zst|\.gz)?$", "", base).replace("-", "_")


def initrd_name(rel):
    """The module's file name in the initramfs: always a plain .ko."""
    return re.sub(r"\.xz$", "", os.path.basename(rel))


def module_bytes(ver, rel):
    """The module file's ELF bytes, decompressed if the package ships it
    compressed (.ko.xz; .ko.gz and .ko.zst are refused: not in stdlib)."""
    path = "/lib/modules/%s/%s" % (ver, rel)
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".xz"):
        return lzma.decompress(data)
    if not path.endswith(".ko"):
        raise Skip("%s: compressed in a format this harness cannot read"
                   % path)
    return data


# --- the initramfs -------------------------------------------------------------

def cpio_entry(name, mode, data=b"", rdev=(0, 0)):
    """One "newc" (SVR4, no CRC) cpio member."""
    name_b = name.encode() + b"\0"
    head = "070701" + "".join("%08X" % v for v in (
        0, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
        len(name_b), 0))
    out = head.encode() + name_b
    out += b"\0" * (-len(out) % 4)
    out += data + b"\0" * (-len(data) % 4)
    return out


# The host's root, read-only over 9p (cache=loose: nothing changes it from
# this side), with the writable and virtual file systems a chroot needs.
HOST_MOUNTS = [
    "if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,"
    "cache=loose hostroot /mnt; then",
    "  echo '%s cannot mount the host root over 9p'" % MARK,
    "  echo o > /proc/sysrq-trigger; sleep 5; poweroff -f",
    "fi",
    "@KEEP_REPO@",
    "mount -t tmpfs -o mode=1777 tmpfs /mnt/tmp",
    "mount -t tmpfs -o mode=755 tmpfs /mnt/run",
    "@RESTORE_REPO@",
    "mount -t proc proc /mnt/proc",
    "mount -t sysfs sysfs /mnt/sys",
    "mount -t devtmpfs devtmpfs /mnt/dev",
    "mkdir -p /mnt/dev/pts /mnt/dev/shm",
    "mount -t devpts devpts /mnt/dev/pts",
    "mount -t tmpfs tmpfs /mnt/dev/shm",
    "ln -s /proc/self/fd /mnt/dev/fd",
    "ln -s /proc/self/fd/0 /mnt/dev/stdin",
    "ln -s /proc/self/fd/1 /mnt/dev/stdout",
    "ln -s /proc/self/fd/2 /mnt/dev/stderr",
]


def host_mounts(repo):
    """HOST_MOUNTS for a repository at @repo. The chroot gets fresh tmpfs
    on /tmp and /run; a repository cloned under one of them (as CI may do)
    would vanish beneath it, so it is bound aside first and bound back at
    the same path afterwards."""
    under = any(repo == d or repo.startswith(d + "/") for d in ("/tmp", "/run"))
    keep = ("mkdir -p /keep && mount -o bind /mnt%s /keep" % shlex.quote(repo)
            if under else ":")
    restore = ("mkdir -p /mnt%s && mount -o bind /keep /mnt%s"
               % (shlex.quote(repo), shlex.quote(repo)) if under else ":")
    return [keep if l == "@KEEP_REPO@" else restore if l == "@RESTORE_REPO@"
            else l for l in HOST_MOUNTS]


def init_script(mods, script, args, guest_timeout):
    """/init: load @mods, mount the host, run @script from the repository
    in a chroot, print dmesg, power off."""
    command = "cd %s && exec timeout -k 5 %d %s" % (
        shlex.quote(REPO), guest_timeout,
        " ".join(shlex.quote(a) for a in [script] + list(args)))
    lines = [
        "#!/bin/busybox sh",
        "/bin/busybox --install -s /bin",
        "export PATH=/bin",
        "echo '%s init started'" % MARK,
        "mount -t proc proc /proc",
        "mount -t sysfs sysfs /sys",
        "mount -t devtmpfs devtmpfs /dev",
    ]
    for m in mods:
        lines.append("insmod /modules/%s || echo '%s insmod %s failed'"
                     % (initrd_name(m), MARK, initrd_name(m)))
    lines += host_mounts(REPO) + [
        "echo '%s running %s'" % (MARK, script),
        "chroot /mnt /usr/bin/env -i HOME=/tmp TERM=dumb LANG=C.UTF-8 "
        "RTPGATE_IN_VM=1 "
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "
        "/bin/bash -c %s < /dev/null 2>&1" % shlex.quote(command),
        "echo \"%s script exited $?\"" % MARK,
        "echo '%s dmesg begin'" % MARK,
        "dmesg",
        "echo '%s dmesg end'" % MARK,
        "echo o > /proc/sysrq-trigger",
        "sleep 5",
        "poweroff -f",
    ]
    return "\n".join(lines) + "\n"


def build_initrd(ver, path, script, args, guest_timeout):
    """Writes the initramfs (cpio, newc) to @path."""
    mods = module_order(ver, BOOT_MODULES)
    with open(BUSYBOX, "rb") as f:
        busybox = f.read()
    if b"/lib64/ld-linux" in busybox[:4096]:
        raise Skip("%s is not statically linked (apt-get install "
                   "busybox-static)" % BUSYBOX)
    out = [cpio_entry(d, 0o40755) for d in
           ("bin", "dev", "proc", "sys", "mnt", "modules")]
    out.append(cpio_entry("dev/console", 0o20600, rdev=(5, 1)))
    out.append(cpio_entry("bin/busybox", 0o100755, busybox))
    for m in mods:
        out.append(cpio_entry("modules/" + initrd_name(m), 0o100644,
                              module_bytes(ver, m)))
    init = init_script(mods, script, args, guest_timeout).encode()
    out.append(cpio_entry("init", 0o100755, init))
    out.append(cpio_entry("TRAILER!!!", 0))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"".join(out))


# --- running QEMU ----------------------------------------------------------------

def run_qemu(ver, initrd, timeout, log_path):
    """Boots the VM; returns (console text, exit code or None on timeout,
    seconds until /init printed its first line or None). The QEMU process
    is always stopped by its PID."""
    # -nic none: no network card, so no iPXE option ROM to load at boot.
    cmd = [QEMU, "-accel", "tcg", "-m", "1024", "-smp", "2", "-nographic",
           "-no-reboot", "-nic", "none", "-kernel", "/boot/vmlinuz-" + ver,
           "-initrd", initrd,
           "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,"
           "readonly=on,multidevs=remap",
           "-append", "console=ttyS0 panic=-1 loglevel=3"]
    start = time.monotonic()
    boot = None
    chunks = []
    log = open(log_path, "w")
    log.write("# %s\n" % " ".join(shlex.quote(c) for c in cmd))
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    code = None
    try:
        fd = proc.stdout.fileno()
        while True:
            left = start + timeout - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not ready:
                continue
            data = os.read(fd, 65536)
            if data:
                text = data.decode("utf-8", "replace").replace("\r", "")
                chunks.append(text)
                log.write(text)
                log.flush()
                if boot is None and \
                        MARK + " init started" in "".join(chunks[-2:]):
                    boot = time.monotonic() - start
            else:
                code = proc.wait()
                break
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    return "".join(chunks), code, boot


def kernel_trouble(lines):
    """Console lines that are the kernel's (printk lines, and the whole dmesg
    dump) and report an oops, BUG, WARNING, call trace, KASAN or panic."""
    bad, in_dmesg = [], False
    for line in lines:
        if line.startswith(MARK + " dmesg "):
            in_dmesg = line.endswith("begin")
            continue
        if (in_dmesg or PRINTK.match(line) or "Kernel panic" in line) \
                and KERNEL_TROUBLE.search(line):
            bad.append(line)
    return bad


def script_output(lines):
    """What the guest printed after /init started, without the kernel's
    lines and the dmesg dump."""
    out, started, in_dmesg = [], False, False
    for line in lines:
        if line.startswith(MARK + " dmesg "):
            in_dmesg = line.endswith("begin")
        elif MARK + " init started" in line:
            started = True
        elif started and not in_dmesg and not PRINTK.match(line) \
                and line.strip():
            out.append(line)
    return out


def pass_results(lines, tally):
    """Prints and counts the script's result lines (and their indented
    details). Returns (its summary line's match or None, (ok, FAIL, skip)
    lines seen)."""
    summary, in_dmesg, seen = None, False, [0, 0, 0]
    for line in lines:
        if line.startswith(MARK + " dmesg "):
            in_dmesg = line.endswith("begin")
        if in_dmesg:
            continue
        m = RESULT.match(line)
        if m:
            seen[("ok", "FAIL", "skip").index(m.group(1))] += 1
            print(line, flush=True)
        elif line.startswith("    "):
            print(line, flush=True)
        m = SUMMARY.match(line.strip())
        if m:
            summary = m
    tally.passed += seen[0]
    tally.failed += seen[1]
    tally.skipped += seen[2]
    return summary, tuple(seen)


def check_summary(lines, summary, seen, code, ver, tally):
    """The script must end with a summary that agrees with the result lines
    the console carried and with its exit status."""
    exited = [l for l in lines if l.startswith(MARK + " script exited ")]
    status = exited[-1].split()[-1] if exited else None
    sentence = "the test script runs to its summary line inside Debian's " \
        "kernel %s" % ver
    if summary is None:
        if code is None:
            why = "QEMU did not finish within the host's timeout"
        elif status == "124":
            why = "the script was stopped by its timeout"
        elif status is None:
            why = "the VM stopped before the script ended"
        else:
            why = "the script exited %s, QEMU %s" % (status, code)
        tally.fail("%s (%s)" % (sentence, why),
                   "\n".join(script_output(lines)[-20:]))
        return
    counts = (int(summary.group(1)), int(summary.group(2)),
              int(summary.group(4) or 0))
    if counts != seen or (status == "0") != (seen[1] == 0):
        tally.fail(sentence + ", and its summary agrees with its result "
                   "lines and exit status",
                   "summary: %s\nlines: %d ok, %d FAIL, %d skip; exit "
                   "status %s" % ((summary.group(0),) + seen + (status,)))
    else:
        tally.ok(sentence)


def parse_console(text, code, boot, ver, tally):
    """Passes on the script's results and adds the harness's own checks."""
    lines = text.split("\n")
    summary, seen = pass_results(lines, tally)
    if boot is not None:
        print("# boot: /init ran %.1f s after QEMU started (kernel %s, TCG)"
              % (boot, ver), flush=True)
    check_summary(lines, summary, seen, code, ver, tally)
    bad = kernel_trouble(lines)
    sentence = "the kernel logs no oops, BUG, WARNING, call trace, KASAN " \
        "report or panic"
    if bad:
        tally.fail(sentence, "\n".join(bad[:20]))
    elif not any(l.startswith(MARK + " dmesg end") for l in lines):
        # (the kernel's "sysrq: Power Off" can land on the same line)
        tally.skip("kernel log check: the VM never printed its dmesg")
    else:
        tally.ok(sentence)


def preflight():
    if shutil.which(QEMU) is None:
        raise Skip("%s is not installed (apt-get install qemu-system-x86)"
                   % QEMU)
    if not os.path.exists(BUSYBOX):
        raise Skip("%s is not installed (apt-get install busybox-static)"
                   % BUSYBOX)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--timeout", type=int, default=170,
                    help="seconds for the whole VM run (host side)")
    ap.add_argument("--kernel", help="kernel version (default: newest "
                    "installed with headers)")
    ap.add_argument("--console", default="kernel-console.log",
                    help="file in build/test-logs/ for the whole console")
    ap.add_argument("script", help="test script, relative to the repository")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    opt = ap.parse_args()
    tally = Report()
    logdir = os.path.join(REPO, "build", "test-logs")
    os.makedirs(logdir, exist_ok=True)
    try:
        preflight()
        ver = pick_kernel(opt.kernel)
        # One per run: two runs at once must not share it.
        initrd = os.path.join(REPO, "build", "kernel", "initrd-%s.%d.cpio"
                              % (ver, os.getpid()))
        try:
            build_initrd(ver, initrd, opt.script, opt.args,
                         max(opt.timeout - 40, 20))
            text, code, boot = run_qemu(
                ver, initrd, opt.timeout,
                os.path.join(logdir, os.path.basename(opt.console)))
        finally:
            if os.path.exists(initrd):
                os.unlink(initrd)
        if boot is None and code is not None and code != 0:
            raise Skip("QEMU cannot boot here (exit %s): %s" % (
                code, " / ".join(text.strip().split("\n")[-3:])))
        if boot is None and not text.strip():
            raise Skip("QEMU printed nothing within %d s: this machine is "
                       "too slow or QEMU cannot run here" % opt.timeout)
    except Skip as e:
        tally.skip("kernel tests: %s" % e)
        return tally.finish()
    parse_console(text, code, boot, ver, tally)
    return tally.finish()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(128 + s))
    sys.exit(main())
