# How the suite makes an initramfs, shared by its build (initramfs/build.sh)
# and by an installed system (kjump-mkhelper, which sources it from
# /usr/share/kjump/initramfs.sh): BusyBox as every command, and the
# archive.  POSIX sh.

# STAGE: the directories of a root, and BUSYBOX as each of its applets.
# usage: initramfs_busybox STAGE BUSYBOX
initramfs_busybox() {
	for d in bin sbin usr/bin usr/sbin proc sys dev tmp run mnt root \
		etc/kjump; do
		mkdir -p "$1/$d"
	done
	cp "$2" "$1/bin/busybox"
	for applet in $("$2" --list-full); do
		[ -e "$1/$applet" ] || ln -s /bin/busybox "$1/$applet"
	done
}

# STAGE as a newc archive on standard output, the same bytes for the same
# files: sorted, owned by root, and (--reproducible) no inode or device
# numbers of the stage.
# usage: initramfs_archive STAGE
initramfs_archive() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --reproducible --quiet)
}

# The same, gzip'd into OUT, no time stamp in the gzip header.
# usage: initramfs_pack STAGE OUT
initramfs_pack() {
	initramfs_archive "$1" | gzip -9 -n >"$2.new"
	mv "$2.new" "$2"
}
