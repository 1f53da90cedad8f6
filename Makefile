# landcon — two commands: `make run` (set up + demo job) and `make test` (set up + whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_FEATURES ?= 20000
REALLOC_SECONDS ?= 120
export LANDCON_DATA_DIR ?= $(CURDIR)/landcon-data

CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
POSTGIS_CONTROL := /usr/share/postgresql/15/extension/postgis.control

.PHONY: run test setup fonts web-assets lint typecheck layers pytest bench clean

setup: $(STAMP) fonts web-assets

# Chinese labels on maps need Debian's Noto CJK fonts (installed once, offline from the mirror).
fonts:
	@test -f $(CJK_FONT) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk; }

# Browser assets (MapLibre GL JS 6, HTMX 2, Apache ECharts 6) come from npm and are served from /static/vendor: no CDN.
VENDOR     := landcon/web/static/vendor
NPM_PREFIX := build/npm
MAPLIBRE   := $(NPM_PREFIX)/node_modules/maplibre-gl/dist
HTMX       := $(NPM_PREFIX)/node_modules/htmx.org/dist
ECHARTS    := $(NPM_PREFIX)/node_modules/echarts/dist

web-assets: $(VENDOR)/.stamp

$(VENDOR)/.stamp: Makefile
	npm install --prefix $(NPM_PREFIX) --no-audit --no-fund --silent maplibre-gl@6.17.0 htmx.org@2.0.11 swagger-ui-dist@5.35.0 echarts@6.1.0
	mkdir -p $(VENDOR)
	cp $(MAPLIBRE)/maplibre-gl.mjs $(MAPLIBRE)/maplibre-gl-worker.mjs $(MAPLIBRE)/maplibre-gl.css $(VENDOR)/
	if [ -f $(MAPLIBRE)/maplibre-gl-shared.mjs ]; then cp $(MAPLIBRE)/maplibre-gl-shared.mjs $(VENDOR)/; fi
	cp $(HTMX)/htmx.min.js $(VENDOR)/
	cp $(ECHARTS)/echarts.min.js $(VENDOR)/
	cp $(NPM_PREFIX)/node_modules/swagger-ui-dist/swagger-ui-bundle.js $(NPM_PREFIX)/node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/
	touch $@

# Browser tests drive Debian's chromium through Playwright (never a downloaded browser).
.PHONY: chromium
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The records tests also run on PostgreSQL 15 + PostGIS (Debian's packages, installed once).
.PHONY: postgis
postgis:
	@test -f $(POSTGIS_CONTROL) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15-postgis-3; }

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: setup
	$(BIN)/landcon data synth --county 530124 --features $(DEMO_FEATURES) --seed 1 --format gpkg \
		--out $(LANDCON_DATA_DIR)/sources/demo-530124.gpkg --overwrite
	$(BIN)/landcon data validate $(LANDCON_DATA_DIR)/sources/demo-530124.gpkg
	$(BIN)/landcon data import $(LANDCON_DATA_DIR)/sources/demo-530124.gpkg --name demo --replace
	$(BIN)/landcon data info demo
	$(BIN)/landcon survey run demo --out $(LANDCON_DATA_DIR)/survey-demo
	$(BIN)/landcon plan synth demo --out $(LANDCON_DATA_DIR)/plan-demo --variant compliant
	$(BIN)/landcon plan synth demo --out $(LANDCON_DATA_DIR)/plan-demo-accepted --township-rank 2
	$(BIN)/landcon plan check $(LANDCON_DATA_DIR)/plan-demo --dataset demo
	$(BIN)/landcon plan report $(LANDCON_DATA_DIR)/plan-demo --dataset demo --out $(LANDCON_DATA_DIR)/plan-demo-report
	$(BIN)/landcon realloc synth demo --out $(LANDCON_DATA_DIR)/realloc-demo
	$(BIN)/landcon realloc run --parcels $(LANDCON_DATA_DIR)/realloc-demo/parcels.gpkg \
		--households $(LANDCON_DATA_DIR)/realloc-demo/households.csv --blocks $(LANDCON_DATA_DIR)/realloc-demo/blocks.gpkg \
		--out $(LANDCON_DATA_DIR)/realloc-demo-result --time-limit $(REALLOC_SECONDS) --name 示例村权属调整 \
		|| echo "权属调整结果有核查问题（见上表）；结果已写出"
	$(BIN)/landcon db upgrade
	$(BIN)/landcon admin seed-demo demo --plan $(LANDCON_DATA_DIR)/plan-demo --accepted-plan $(LANDCON_DATA_DIR)/plan-demo-accepted
	$(BIN)/landcon realloc save DEMO-530124-001 $(LANDCON_DATA_DIR)/realloc-demo-result --as demo_author
	$(BIN)/landcon admin seed-participation DEMO-530124-001
	$(BIN)/landcon project report DEMO-530124-001 --out $(LANDCON_DATA_DIR)/plan-DEMO-530124-001 --as demo_author
	$(BIN)/landcon project show DEMO-530124-001 --as demo_county_zrzy
	$(BIN)/landcon data synth-vintage demo --plan $(LANDCON_DATA_DIR)/plan-demo --seed 2 --format gpkg \
		--built $(LANDCON_DATA_DIR)/plan-demo-accepted --out $(LANDCON_DATA_DIR)/sources/demo-530124-vintage.gpkg --overwrite
	$(BIN)/landcon data import $(LANDCON_DATA_DIR)/sources/demo-530124-vintage.gpkg --name demo --replace
	$(BIN)/landcon plan synth-asbuilt $(LANDCON_DATA_DIR)/plan-demo-accepted --out $(LANDCON_DATA_DIR)/asbuilt-demo \
		--vintage $(LANDCON_DATA_DIR)/sources/demo-530124-vintage.gpkg --project DEMO-530124-002
	$(BIN)/landcon admin seed-acceptance DEMO-530124-002 --asbuilt $(LANDCON_DATA_DIR)/asbuilt-demo
	$(BIN)/landcon monitor run DEMO-530124-003 --as demo_supervisor
	$(BIN)/landcon supervise subproject list DEMO-530124-003 --as demo_supervisor
	$(BIN)/landcon supervise funds DEMO-530124-003 --as demo_supervisor
	$(BIN)/landcon alert scan --as demo_supervisor
	$(BIN)/landcon alert list --state open --as demo_province
	$(BIN)/landcon supervise dashboard --xlsx $(LANDCON_DATA_DIR)/dashboard.xlsx --as demo_province
	$(BIN)/landcon accept list DEMO-530124-002 --as demo_supervisor
	$(BIN)/landcon accept export DEMO-530124-002 --out $(LANDCON_DATA_DIR)/acceptance-002 --as demo_supervisor
	$(BIN)/landcon project export-baobei DEMO-530124-002 --stage 验收 --as demo_author
	$(BIN)/landcon care agreement list DEMO-530124-002 --as demo_supervisor
	$(BIN)/landcon alert list --project DEMO-530124-002 --as demo_supervisor
	$(BIN)/landcon ledger post use --kind bcgd --area-mu 1 --dlbm 0103 --grade 10 --doc 富政批〔示例〕1号 --memo 示例：县城建设占用10等旱地 --as demo_supervisor
	$(BIN)/landcon ledger balance --unit 530124 --as demo_supervisor
	$(BIN)/landcon ledger balance --as demo_province
	$(BIN)/landcon ledger revolving --as demo_province
	$(BIN)/landcon ledger check --as demo_province
	$(BIN)/landcon ledger report --unit 530124 --out $(LANDCON_DATA_DIR)/ledger-530124.xlsx --as demo_supervisor
	$(BIN)/landcon audit verify
	$(BIN)/landcon serve --host 127.0.0.1 --port 8000

lint: setup
	$(BIN)/ruff check landcon tests bench
	$(BIN)/ruff format --check landcon tests bench

typecheck: setup
	$(BIN)/mypy

layers: setup
	$(BIN)/lint-imports

pytest: setup postgis chromium
	$(BIN)/pytest

test: lint typecheck layers pytest

bench: setup
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_survey.py --postgis 300000
	$(BIN)/python bench/bench_plan.py
	$(BIN)/python bench/bench_records.py
	$(BIN)/python bench/bench_realloc.py
	$(BIN)/python bench/bench_ledger.py
	$(BIN)/python bench/cli_startup.py
	$(BIN)/python bench/bench_smoke.py

clean:
	rm -rf $(VENV) landcon-data .pytest_cache .mypy_cache .ruff_cache
