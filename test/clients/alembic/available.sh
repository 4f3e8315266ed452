#!/bin/sh
/usr/bin/python3 -c 'import alembic, sqlalchemy, psycopg2' 2>&1 || { echo "python3-alembic / python3-psycopg2 not installed"; exit 1; }
