#!/bin/sh
command -v sqitch >/dev/null || { echo "Debian package sqitch not installed"; exit 1; }
perl -MDBD::Pg -e 1 2>/dev/null || { echo "libdbd-pg-perl (DBD::Pg, Sqitch's registry driver) not installed"; exit 1; }
