# Sourced by the test, demo and bench scripts.
#
# cxm never touches the system's PostgreSQL installation while testing: it
# builds a private copy of it (binaries hard-linked, share/ copied), installs
# the extension into that copy with DESTDIR, and runs a throwaway server from
# it.  Several checkouts can therefore test at once without stepping on each
# other.  PostgreSQL finds share/ and lib/ relative to its own binary, so the
# copy behaves as a complete installation.

PG_CONFIG=${PG_CONFIG:-pg_config}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# the user that runs servers: initdb refuses root
if [ "$(id -u)" -eq 0 ]; then
	PG_RUN_AS=postgres
else
	PG_RUN_AS=$(id -un)
fi

# as_pg CMD...: run CMD as the server user.  As root, CMD runs from
# ${AS_PG_CWD:-/}: the clone may sit in a directory the server user cannot
# enter (root's home, a mode-700 mktemp -d), so every path given to CMD must
# be absolute and outside the clone, or readable through AS_PG_CWD.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd "${AS_PG_CWD:-/}" && runuser -u "$PG_RUN_AS" -- "$@")
	else
		"$@"
	fi
}

# private_dir NAME: where the long-lived throwaway server of this clone keeps
# its files (make demo, bench, sqlsmith, check-valgrind).  It is outside the
# clone, since the server user may not enter the clone, and named after the
# clone's path, so that several clones never share one.
private_dir() {
	echo "/tmp/cxm-$1-$(printf '%s' "$REPO" | md5sum | cut -c1-12)"
}

# server_readable_copy DEST PATH...: copy the repository's PATHs (relative to
# the clone) to DEST, readable by the server user, for the test drivers that
# run as that user and read their inputs from the current directory.
server_readable_copy() {
	local dest=$1
	shift
	mkdir -p "$dest"
	(cd "$REPO" && tar -cf - "$@") | tar -C "$dest" -xf -
	chmod -R a+rX "$dest"
}

# cxm_tree DIR: private installation in DIR with cxm installed into it.
# Prints nothing; sets PGBIN to the tree's bin directory.
cxm_tree() {
	local dir=$1 bindir pkglibdir sharedir d
	bindir=$($PG_CONFIG --bindir)
	pkglibdir=$($PG_CONFIG --pkglibdir)
	sharedir=$($PG_CONFIG --sharedir)
	rm -rf "$dir"
	mkdir -p "$dir"
	for d in "$bindir" "$pkglibdir"; do
		mkdir -p "$dir$(dirname "$d")"
		cp -al "$d" "$dir$d" 2>/dev/null || cp -a "$d" "$dir$d"
	done
	mkdir -p "$dir$(dirname "$sharedir")"
	cp -a "$sharedir" "$dir$sharedir"
	make -C "$REPO" -s install DESTDIR="$dir" >/dev/null
	chmod -R a+rX "$dir$sharedir/extension" "$dir"
	PGBIN=$dir$bindir
}

# pick a free TCP port for a server
free_port() {
	local p
	for p in $(seq "${1:-55432}" 65000); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}
