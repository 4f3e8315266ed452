#!/bin/sh
# Django from Debian's python3-django, with psycopg2: run by the system python3.
/usr/bin/python3 -c 'import django, psycopg2' 2>&1 || { echo "python3-django / python3-psycopg2 not installed"; exit 1; }
