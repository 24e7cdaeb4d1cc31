# cxm: customer-experience analytics inside PostgreSQL (PGXS build).
#
#   make            build the module and the install script
#   make test       unit tests of the C core + pg_regress suite on a throwaway cluster
#   make demo       throwaway cluster with demo data and a printed showcase
#   make demo-stop  stop the demo cluster
#   make bench      performance ratios and memory bounds (not part of make test)
#   make fuzz, make sqlsmith, make check-sanitize, make check-valgrind
#                   the heavier hardening checks (doc/development.md)
#   make check-citus  every aggregate and the layer on a local Citus cluster
#                   (doc/scale-out.md; "skipped" without Citus)
#   make dashboard  the BI dashboard over the views of a running demo (doc/dashboard.md);
#                   make dashboard-stop ends it, make check-dashboard tests it in Chromium

EXTENSION  = cxm
# Versions (doc/development.md, "Versions and upgrade scripts"):
# - the current version's install script cxm--$(EXTVERSION).sql is the
#   concatenation of src/sql/<feature>.sql in SQL_ORDER: those files are the
#   source of truth and are edited in place;
# - each upgrade from..to is src/sql/upgrade/<from>--<to>.sql, or the sorted
#   concatenation of the parts in the folder src/sql/upgrade/<from>--<to>/
#   (a part may be a symbolic link to a feature file that only adds objects);
# - the install scripts of released versions are frozen in src/sql/released/
#   so that every upgrade path can be tested (test/upgrade.sh).
EXTVERSION = 1.2

MODULE_big = cxm
# Every C file under src/ is part of the module.  Files named *_core.c hold the
# statistics and algorithms and must not include postgres.h (checked by make test).
SRCS = $(sort $(wildcard src/*.c))
OBJS = $(SRCS:.c=.o)
CORE_SRCS = $(sort $(wildcard src/*_core.c))

# One SQL file per feature, joined in dependency order into the install script.
SQL_ORDER = base state_types nps journey funnel path_match attribution attribution_counts churn churn_models bandit bandit_analysis recommend layer_kinds layer layer_mapping layer_views layer_refresh churn_layer layer_recommend
SQL_PARTS = $(wildcard $(foreach f,$(SQL_ORDER),src/sql/$(f).sql))
RELEASED = $(notdir $(wildcard src/sql/released/$(EXTENSION)--*.sql))
UPGRADE_FILES = $(notdir $(wildcard src/sql/upgrade/*--*.sql))
UPGRADE_DIRS = $(notdir $(patsubst %/,%,$(wildcard src/sql/upgrade/*--*/)))
UPGRADE_SCRIPTS = $(patsubst %.sql,$(EXTENSION)--%.sql,$(UPGRADE_FILES)) \
	$(patsubst %,$(EXTENSION)--%.sql,$(UPGRADE_DIRS))
DATA_built = $(sort $(EXTENSION)--$(EXTVERSION).sql $(RELEASED) $(UPGRADE_SCRIPTS))

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

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) Makefile
	cat $(SQL_PARTS) > $@

$(RELEASED): $(EXTENSION)--%.sql: src/sql/released/$(EXTENSION)--%.sql
	cp $< $@

$(patsubst %.sql,$(EXTENSION)--%.sql,$(UPGRADE_FILES)): $(EXTENSION)--%.sql: src/sql/upgrade/%.sql
	cp $< $@

.SECONDEXPANSION:
$(patsubst %,$(EXTENSION)--%.sql,$(UPGRADE_DIRS)): $(EXTENSION)--%.sql: $$(sort $$(wildcard src/sql/upgrade/%/*.sql)) Makefile
	cat $(sort $(wildcard src/sql/upgrade/$*/*.sql)) /dev/null > $@

# ---- C unit tests of the core (no server, no postgres.h) -------------------
UNIT_CC ?= cc
UNIT_SAN ?=
UNIT_CFLAGS = -std=c99 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE -Isrc -Itest/unit $(UNIT_SAN)
UNIT_TESTS = $(patsubst test/unit/%.c,test/unit/bin/%,$(sort $(wildcard test/unit/test_*.c)))

test/unit/bin/%: test/unit/%.c $(CORE_SRCS) $(wildcard src/*_core.h) $(wildcard test/unit/*.h)
	@mkdir -p test/unit/bin
	$(UNIT_CC) $(UNIT_CFLAGS) -o $@ $< $(CORE_SRCS) -lm

unit: $(UNIT_TESTS)

.PHONY: test unit demo demo-stop bench deps check-sanitize check-valgrind fuzz sqlsmith \
	dashboard dashboard-stop check-dashboard check-citus
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

# coordinator + two workers on local ports (test/citus/check.sh, doc/scale-out.md)
check-citus:
	bash test/citus/check.sh

# the dashboard over the demo's views (dashboard/run.sh, doc/dashboard.md)
dashboard:
	bash dashboard/run.sh start

dashboard-stop:
	bash dashboard/run.sh stop

# every dashboard page in headless Chromium; screenshots in test/out/dashboard/
check-dashboard:
	bash dashboard/run.sh check
print-%: ; @echo $($*)
