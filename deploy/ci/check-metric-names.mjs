// Checks that the dashboard and the alert rules reference only metrics the services define.
// The names come from the code itself: every metrics class of every service (each
// `class … extends ServiceMetrics` under services/*/src, found by reading the sources, so a new
// service is covered without touching this file) is instantiated with Node's default metrics,
// under the service's prefix, and its registry listed. A renamed or removed metric fails CI here
// instead of leaving an empty panel or an alert that can never fire.
//   node --import tsx deploy/ci/check-metric-names.mjs deploy/observability/leadscore-dashboard.json deploy/observability/alerts.rules.yml
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function* typescriptFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* typescriptFiles(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

const metricClasses = [];
let problems = 0;
for (const service of readdirSync(join(ROOT, 'services'))) {
  const src = join(ROOT, 'services', service, 'src');
  if (!existsSync(src)) continue;
  for (const file of typescriptFiles(src)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/^(export\s+)?class\s+(\w+)\s+extends\s+ServiceMetrics\b/gm)) {
      if (!m[1]) {
        console.error(`${relative(ROOT, file)}: ${m[2]} is not exported: its metrics cannot be checked`);
        problems += 1;
      } else metricClasses.push({ file, name: m[2] });
    }
  }
}
if (metricClasses.length === 0) throw new Error('no metrics class found under services/*/src: has ServiceMetrics moved?');

const defined = new Set();
for (const { file, name } of metricClasses) {
  const Metrics = (await import(pathToFileURL(file).href))[name];
  for (const metric of await new Metrics({ defaultMetrics: true }).registry.getMetricsAsJSON()) {
    defined.add(metric.name);
    if (metric.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) defined.add(metric.name + suffix);
  }
}
console.log(`metrics of ${metricClasses.map((c) => c.name).join(', ')}: ${defined.size} names`);

/** Metrics of other exporters the alert rules may use (never the dashboard). */
const FOREIGN_IN_RULES = new Set([
  'kube_pod_status_ready',
  'kube_deployment_status_replicas_available',
  'kube_deployment_spec_replicas',
]);

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
    // the variables' queries too (label_values(<metric>, <label>)): a renamed metric empties the drop-down
    for (const variable of JSON.parse(text).templating?.list ?? []) {
      if (typeof variable.definition === 'string') out.push(variable.definition);
      if (typeof variable.query?.query === 'string') out.push(variable.query.query);
    }
    return { exprs: out, foreignAllowed: new Set() };
  }
  const rules = parse(text).groups.flatMap((g) => g.rules);
  return { exprs: rules.map((r) => r.expr), foreignAllowed: FOREIGN_IN_RULES };
}

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
