#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# One worker of the real-module workload (scripts/realmod-init.sh runs two
# at once, one per CPU, on the same file system):
#
#   realmod-work.sh ID COUNT DIR create|verify|churn|prune
#
# create: COUNT files in DIR/wID, spread over 20 directories (some two
#   deep), with names of 3 to 52 characters and sizes from 0 to 300 KiB;
#   each file's bytes are its identity ("wID-N ") repeated, whatever it is
#   later renamed to. /tmp/manifest.ID lists path, identity and size.
# verify: every file of the manifest has exactly the bytes of its
#   identity; prints "VERIFIED ID n" or a "VERIFY-FAIL" line per file.
# churn: every fifth file deleted, every third renamed into another
#   directory under a new name.
# prune: four of the directories removed with everything in them.
set -u
id=$1 count=$2 root=$3 phase=$4
man=/tmp/manifest.$id
base=$root/w$id
chars=abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789.xyz

case $phase in
create)
	: >"$man"
	i=0
	while [ $i -lt "$count" ]; do
		dir=$base/d$((i % 20))
		[ $((i % 3)) = 0 ] && dir=$dir/s$((i % 7))
		mkdir -p "$dir"
		len=$((3 + (i * 7) % 50))
		name=$(echo "$chars" | cut -c1-$len)$i
		size=$(((i * 7919) % 12000))
		[ $((i % 97)) = 5 ] && size=$((100000 + (i * 131) % 200000))
		ident="w$id-$i "
		yes "$ident" | tr -d '\n' | head -c $size >"$dir/$name"
		echo "$dir/$name $ident $size" >>"$man"
		i=$((i + 1))
	done
	echo "CREATED $id $(wc -l <"$man")"
	;;
verify)
	n=0 bad=0
	while read -r path ident size; do
		if yes "$ident " | tr -d '\n' | head -c "$size" | cmp -s - "$path"; then
			n=$((n + 1))
		else
			echo "VERIFY-FAIL $id $path ($ident, $size bytes)"
			bad=$((bad + 1))
		fi
	done <"$man"
	echo "VERIFIED $id $n $bad"
	;;
churn)
	k=0
	: >"$man.new"
	while read -r path ident size; do
		k=$((k + 1))
		if [ $((k % 5)) = 0 ]; then
			rm "$path" || echo "VERIFY-FAIL $id rm $path"
			continue
		fi
		if [ $((k % 3)) = 0 ]; then
			to=$base/d$(((k + 7) % 20))/r$k-$(echo "$chars" | cut -c$((k % 30 + 1))-40)
			mv "$path" "$to" || echo "VERIFY-FAIL $id mv $path"
			path=$to
		fi
		echo "$path $ident $size" >>"$man.new"
	done <"$man"
	mv "$man.new" "$man"
	echo "CHURNED $id $(wc -l <"$man")"
	;;
prune)
	for d in 3 8 13 18; do
		rm -r "$base/d$d" || echo "VERIFY-FAIL $id rm -r d$d"
	done
	grep -v -e "^$base/d3/" -e "^$base/d8/" -e "^$base/d13/" -e "^$base/d18/" \
		"$man" >"$man.new"
	mv "$man.new" "$man"
	echo "PRUNED $id $(wc -l <"$man")"
	;;
esac
