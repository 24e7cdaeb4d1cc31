# cxm: customer-experience analytics inside PostgreSQL (PGXS build).
#
#   make            build the module and the install script
#   make test       unit tests of the C core + pg_regress suite on a throwaway cluster
#   make demo       throwaway cluster with demo data and a printed showcase
#   make demo-stop  stop the demo cluster
#   make bench      performance ratios and memory bounds (not part of make test)
#   make fuzz, make sqlsmith, make check-sanitize, make check-valgrind
#                   the heavier hardening checks (doc/development.md)

EXTENSION  = cxm
# The current version.  1.0 is the first release: its script is the
# concatenation of src/sql/<feature>.sql.  Each later change ships as an
# upgrade script src/sql/upgrade/<from>--<to>.sql (installed as
# cxm--<from>--<to>.sql); the full script of a later version is the 1.0
# script followed by every upgrade script in version order.
EXTVERSION = 1.1
BASEVERSION = 1.0

MODULE_big = cxm
# Every C file under src/ is part of the module.  Files named *_core.c hold the
# statistics and algorithms and must not include postgres.h (checked by make test).
SRCS = $(sort $(wildcard src/*.c))
OBJS = $(SRCS:.c=.o)
CORE_SRCS = $(sort $(wildcard src/*_core.c))

# One SQL file per feature, joined in dependency order into the install script.
SQL_ORDER = base nps journey funnel pathmatch attribution churn bandit layer
SQL_PARTS = $(wildcard $(foreach f,$(SQL_ORDER),src/sql/$(f).sql))
UPGRADE_SRCS = $(shell ls src/sql/upgrade/*--*.sql 2>/dev/null | sort -V)
UPGRADE_SCRIPTS = $(patsubst src/sql/upgrade/%.sql,$(EXTENSION)--%.sql,$(UPGRADE_SRCS))
DATA_built = $(sort $(EXTENSION)--$(BASEVERSION).sql $(EXTENSION)--$(EXTVERSION).sql $(UPGRADE_SCRIPTS))
DATA = $(filter-out $(DATA_built),$(wildcard $(EXTENSION)--*--*.sql))

# pg_regress: one test per feature, sql/<name>.sql against expected/<name>.out.
REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
ISOLATION = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
# also usable as `make installcheck` against an installed server
REGRESS_OPTS = --load-extension=cxm
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=cxm

PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
EXTRA_CLEAN = test/unit/bin test/.tree test/fuzz/bin

# No LLVM bitcode: the module does not need JIT inlining, and clang is not
# always present where the server headers are.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)
else
# Server headers are not installed yet: only the entry points that install
# them are usable (make test / make demo run test/deps.sh first).
all:
	@echo "postgresql-server-dev is missing; run 'make test' or 'make demo' (they install it)" >&2; exit 1
endif

# PGXS tracks no header dependencies: rebuild every object when a header changes.
$(OBJS): $(wildcard src/*.h)

$(EXTENSION)--$(BASEVERSION).sql: $(SQL_PARTS) Makefile
	cat $(SQL_PARTS) > $@

$(EXTENSION)--%.sql: src/sql/upgrade/%.sql
	cp $< $@

ifneq ($(EXTVERSION),$(BASEVERSION))
$(EXTENSION)--$(EXTVERSION).sql: $(EXTENSION)--$(BASEVERSION).sql $(UPGRADE_SRCS) Makefile
	cat $(EXTENSION)--$(BASEVERSION).sql $(UPGRADE_SRCS) > $@
endif

# ---- C unit tests of the core (no server, no postgres.h) -------------------
UNIT_CC ?= cc
UNIT_SAN ?=
UNIT_CFLAGS = -std=c99 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE -Isrc -Itest/unit $(UNIT_SAN)
UNIT_TESTS = $(patsubst test/unit/%.c,test/unit/bin/%,$(sort $(wildcard test/unit/test_*.c)))

test/unit/bin/%: test/unit/%.c $(CORE_SRCS) $(wildcard src/*_core.h) $(wildcard test/unit/*.h)
	@mkdir -p test/unit/bin
	$(UNIT_CC) $(UNIT_CFLAGS) -o $@ $< $(CORE_SRCS) -lm

unit: $(UNIT_TESTS)

.PHONY: test unit demo demo-stop bench deps check-sanitize check-valgrind fuzz sqlsmith
test:
	bash test/run_tests.sh

demo:
	bash test/demo.sh start

demo-stop:
	bash test/demo.sh stop

bench:
	bash test/bench.sh

# make test with sanitizers (see test/sanitize.sh)
check-sanitize:
	bash test/sanitize.sh

# the regression suite with the server under valgrind memcheck (see test/valgrind.sh)
check-valgrind:
	bash test/valgrind.sh

# libFuzzer targets of the core, FUZZ_SECONDS each (default 60)
fuzz:
	bash test/fuzz.sh

# random SQL against a server with the demo data; SMITH_QUERIES (default 20000)
sqlsmith:
	bash test/sqlsmith.sh
print-%: ; @echo $($*)
