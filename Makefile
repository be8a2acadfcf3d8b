# The commands of the README. Each goes through scripts/toolchain.sh, which installs what is
# missing or says what to install: everything the tests and the local stack use for those, only a
# JDK for the commands that only build (BUILD_TOOLCHAIN).
SHELL := /bin/bash
TOOLCHAIN := scripts/toolchain.sh
BUILD_TOOLCHAIN := scripts/toolchain.sh --build
MVNW := ./mvnw -B -ntp
STACK_CLI_JAR = $(firstword $(wildcard testkit/target/cachedapi-testkit-*-cli.jar))
STACK_CLI = java -jar $(STACK_CLI_JAR)
OPERATOR_JAR = $(firstword $(wildcard operator/target/cachedapi-operator-*-all.jar))
SAMPLE ?= manifests/samples/cachedapi.yaml
STACK_ARGS := --state-dir .local --rendered .local/rendered.yaml --service-jar service/target/cachedapi-service.jar

.PHONY: test up down status stack-cli built-stack-cli crds render manifests images e2e bench drills

## test: every test, on real PostgreSQL (primary + streaming replicas) and Redis
test:
	$(TOOLCHAIN) $(MVNW) verify

## up: the sample CachedApi as local processes (Postgres primary + replica, Redis, API instances),
##     state under .local/, addresses in .local/stack.env
up: stack-cli
	@mkdir -p .local
	umask 077 && $(TOOLCHAIN) java -jar $(OPERATOR_JAR) render -f $(SAMPLE) > .local/rendered.yaml
	$(TOOLCHAIN) $(STACK_CLI) up $(STACK_ARGS)

## status: each Postgres instance's role and replication as Postgres reports them; Redis health
status: built-stack-cli
	$(TOOLCHAIN) $(STACK_CLI) status $(STACK_ARGS)

## down: stop every process of the local stack (its data stays in .local/)
down: built-stack-cli
	$(TOOLCHAIN) $(STACK_CLI) down $(STACK_ARGS)

# The local stack's command line (testkit), the operator that renders the sample, the service it runs.
stack-cli:
	$(TOOLCHAIN) $(MVNW) -q -pl testkit,operator,service -am -DskipTests package

# status and down act at once with the jars make up built; they build them only when there are none.
built-stack-cli:
	@$(if $(STACK_CLI_JAR),true,$(MAKE) --no-print-directory stack-cli)

## crds: regenerate crds/ from the CRD classes (a test fails while the committed file is stale)
crds:
	$(BUILD_TOOLCHAIN) $(MVNW) -q -pl operator -am -DskipTests package
	$(BUILD_TOOLCHAIN) java -jar "$$(ls operator/target/cachedapi-operator-*-all.jar | head -n 1)" crd \
	  > crds/cachedapis.cachedapi.io-v1.yml.new
	mv crds/cachedapis.cachedapi.io-v1.yml.new crds/cachedapis.cachedapi.io-v1.yml
	cp crds/cachedapis.cachedapi.io-v1.yml helm/cachedapi-operator/crds/

## render: every object the operator would create for the sample (SAMPLE=... for another file)
render:
	@$(BUILD_TOOLCHAIN) $(MVNW) -q -pl operator -am -DskipTests package
	@$(BUILD_TOOLCHAIN) java -jar $(OPERATOR_JAR) render -f $(SAMPLE)

## manifests: regenerate manifests/install.yaml from the chart (a test fails while it is stale)
manifests:
	$(BUILD_TOOLCHAIN) $(MVNW) -q -pl e2e -am test -Dtest=ChartTest -Dsurefire.failIfNoSpecifiedTests=false -Dcachedapi.update=true

## images: the operator and service images (Jib) in the local Docker daemon; JIB_FROM=... changes the base
JIB_FROM ?= eclipse-temurin:21-jre
images:
	@command -v docker >/dev/null && docker info >/dev/null 2>&1 || \
	  { echo "make images needs Docker with a running daemon (docker info fails here)"; exit 1; }
	$(BUILD_TOOLCHAIN) $(MVNW) -q -pl operator,service -am -DskipTests -Djib.from.image=$(JIB_FROM) package jib:dockerBuild

## e2e: the kind end-to-end suite (needs docker, kind, kubectl, helm; see e2e/run.sh --help)
e2e:
	e2e/run.sh

## bench: the benchmark scenarios on the local stack (wrk), into bench/results/latest.json and BENCHMARKS.md
BENCH_SECONDS ?= 10
bench: up
	$(TOOLCHAIN) $(MVNW) -q -pl operator -am verify -Dtest=OperatorBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dit.test=none -Dfailsafe.failIfNoSpecifiedTests=false -Dcachedapi.benchmark=true
	CACHEDAPI_EXTRA_TOOLS=wrk $(TOOLCHAIN) java -cp $(firstword $(wildcard testkit/target/cachedapi-testkit-*-cli.jar)) \
	  io.cachedapi.testkit.bench.BenchMain .local bench/results $(BENCH_SECONDS)

## drills: the fault drills under load, longer than in make test (DRILL_SECONDS each), and the failover
##         and switchover drills on the live loop (DRILL_RUNS runs each), into bench/results/drills.json
DRILL_SECONDS ?= 15
DRILL_RUNS ?= 5
drills:
	$(TOOLCHAIN) $(MVNW) -q -pl service -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dit.test=FaultDrillsIT -Dfailsafe.failIfNoSpecifiedTests=false \
	  -Ddrills.seconds=$(DRILL_SECONDS) -Ddrills.output=$(CURDIR)/bench/results/drills.json
	$(TOOLCHAIN) $(MVNW) -q -pl operator -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dit.test=FailoverDrillsIT -Dfailsafe.failIfNoSpecifiedTests=false \
	  -Ddrills.runs=$(DRILL_RUNS) -Ddrills.output=$(CURDIR)/bench/results/drills.json
	@if [ -f bench/results/latest.json ]; then $(TOOLCHAIN) java -cp $(firstword $(wildcard testkit/target/cachedapi-testkit-*-cli.jar)) \
	  io.cachedapi.testkit.bench.BenchReport bench/results BENCHMARKS.md; fi
