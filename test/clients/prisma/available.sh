#!/bin/sh
# Prisma is not tested here: its CLI downloads its schema engine from the internet at
# install (postinstall) or on first run (tried with prisma 6.19: "request to .../schema-engine.gz.sha256
# failed, reason: getaddrinfo ENOTFOUND"), and this machine reaches only the Debian and npm
# registries. With the engine available (PRISMA_SCHEMA_ENGINE_BINARY), the guard applies to
# `prisma migrate deploy` like to any client: see ../README.md, "Prisma".
echo "Prisma downloads its schema engine from the internet at install or first run; this machine reaches only the Debian and npm registries"
exit 1
