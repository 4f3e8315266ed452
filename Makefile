# PGXS build of migration_helpers: `make && make install`, `make installcheck`.
# The source list is the two-level glob below (a folder per capability:
# src/core/<capability>/, src/pg/<capability>/); CMakeLists.txt globs the
# same core folders, so there is one source list.
EXTENSION = migration_helpers
MODULE_big = migration_helpers

CORE_SRCS = $(sort $(wildcard src/core/*.cpp src/core/*/*.cpp))
PG_SRCS = $(sort $(wildcard src/pg/*.cpp src/pg/*/*.cpp))
OBJS = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

DATA = $(sort $(wildcard src/sql/migration_helpers--*.sql))

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=.
ISOLATION = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation
TAP_TESTS = 1
PROVE_TESTS = $(sort $(wildcard test/t/*.pl))
EXTRA_CLEAN = results regression.diffs regression.out output_iso tmp_check log build

# The command line for CI pipelines (src/cli/, with libpq), linked with the pure core and
# installed next to the server's programs ($(bindir)) by make install.
CLI = migration-helpers
CLI_SRCS = $(sort $(wildcard src/cli/*.cpp))
CLI_OBJS = $(CLI_SRCS:.cpp=.o)
EXTRA_CLEAN += $(CLI) $(CLI_OBJS) $(CLI_OBJS:.o=.d)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)

PG_CPPFLAGS = -Isrc -isystem $(shell $(PG_CONFIG) --includedir-server)
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Wno-unused-parameter -Wno-register -MMD -MP
# WERROR=1 (set by .ci/run): warnings in the project's own code are errors.
ifdef WERROR
PG_CXXFLAGS += -Werror
endif
SHLIB_LINK += -lstdc++
EXTRA_CLEAN += $(OBJS:.o=.d)

include $(PGXS)

COMPILE.cxx.bc += $(filter-out -MMD -MP,$(PG_CXXFLAGS))

# Header dependencies (-MMD): a changed .hpp rebuilds every object using it.
-include $(OBJS:.o=.d) $(CLI_OBJS:.o=.d)

# The command line: a client program, so libpq's headers ($(includedir)) and library, not the
# server's; the core objects are the extension's own (pure C++, no server header).
all: $(CLI)
$(CLI_OBJS): CPPFLAGS += -I$(includedir)
$(CLI): $(CLI_OBJS) $(CORE_SRCS:.cpp=.o)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ -L$(libdir) -lpq
install: install-cli
.PHONY: install-cli
install-cli: $(CLI)
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) $(CLI) '$(DESTDIR)$(bindir)/$(CLI)'

# tapcheck runs only the TAP suite against the installed extension (initdb
# refuses root: scripts/test.sh runs it as an unprivileged user).
.PHONY: tapcheck unitcheck
tapcheck:
	$(prove_installcheck)

unitcheck:
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build -j2
	cd build && ctest --output-on-failure

# format: clang-format (.clang-format) over the project's C++; lint: clang-tidy
# (.clang-tidy, every check an error) and cppcheck over src/, both must be clean.
.PHONY: format lint
CXX_FILES = $(sort $(wildcard src/*/*.[ch]pp src/*/*/*.[ch]pp test/unit/*.cpp test/unit/*/*.cpp))
format:
	clang-format -i $(CXX_FILES)
lint:
	@set -e; for f in $(CORE_SRCS) $(PG_SRCS); do \
		clang-tidy -quiet $$f -- -std=c++17 -Isrc -isystem $(includedir_server); done
	cppcheck --quiet --error-exitcode=1 --std=c++17 --language=c++ --enable=warning,performance,portability \
		--inline-suppr -Isrc -D__GNUC__ -D__x86_64__ --max-configs=1 -I$(includedir_server) \
		--suppress=missingIncludeSystem --suppress='*:$(includedir_server)/*' src/core src/pg
