// Checks that the dashboard and the alert rules reference only metrics the services define.
// The names come from the code itself: each service's metrics class is instantiated (with
// Node's default metrics, under the service's prefix) and its registry listed, so a renamed or
// removed metric fails CI here instead of leaving an empty panel.
//   node --import tsx deploy/ci/check-metric-names.mjs deploy/observability/leadscore-dashboard.json deploy/observability/alerts.rules.yml
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ScorerMetrics } from '@leadscore/scorer';
import { IngestMetrics } from '@leadscore/ingest';
import { LifecycleMetrics } from '@leadscore/lifecycle';
import { ReadApiMetrics } from '@leadscore/read-api';

const defined = new Set();
for (const Metrics of [ScorerMetrics, IngestMetrics, LifecycleMetrics, ReadApiMetrics]) {
  for (const metric of await new Metrics({ defaultMetrics: true }).registry.getMetricsAsJSON()) {
    defined.add(metric.name);
    if (metric.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) defined.add(metric.name + suffix);
  }
}

/** Metrics of other exporters the alert rules may use (never the dashboard). */
const FOREIGN_IN_RULES = new Set(['kube_pod_status_ready']);

function expressions(file) {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) {
    const out = [];
    const walk = (node) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        if (typeof node.expr === 'string') out.push(node.expr);
        Object.values(node).forEach(walk);
      }
    };
    walk(JSON.parse(text));
    return { exprs: out, foreignAllowed: new Set() };
  }
  const rules = parse(text).groups.flatMap((g) => g.rules);
  return { exprs: rules.map((r) => r.expr), foreignAllowed: FOREIGN_IN_RULES };
}

let problems = 0;
for (const file of process.argv.slice(2)) {
  const { exprs, foreignAllowed } = expressions(file);
  const used = new Set();
  for (const expr of exprs) {
    // Metric names: leadscore_* tokens, and any identifier directly followed by a selector.
    for (const m of expr.matchAll(/\bleadscore_[a-z0-9_]+\b/g)) used.add(m[0]);
    for (const m of expr.matchAll(/\b([a-zA-Z_][a-zA-Z0-9_]*)\s*\{/g))
      if (!/^(by|without|on|ignoring|group_left|group_right)$/.test(m[1])) used.add(m[1]);
  }
  const unknown = [...used].filter((name) => !defined.has(name) && !foreignAllowed.has(name));
  for (const name of unknown) console.error(`${file}: ${name} is not a metric any service defines`);
  problems += unknown.length;
  console.log(`${file}: ${exprs.length} expressions, ${used.size} metric names, ${unknown.length} unknown`);
}
if (problems > 0) process.exit(1);
