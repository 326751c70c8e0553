// Validates rendered Kubernetes manifests (multi-document YAML files) against the Kubernetes
// JSON schemas generated from the official OpenAPI spec (kubernetes-models), and KEDA's CRD
// schemas (@kubernetes-models/keda). Every document must be of a known apiVersion/kind: an
// unknown kind fails, so nothing passes unchecked. Types, enums, required fields and formats
// (quantities, ports) are checked; unknown fields are not (the models' schemas allow them),
// which is why the chart's own values.schema.json refuses unknown values keys.
//   node validate-manifests.mjs rendered-1.yaml [rendered-2.yaml ...]
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const MODULES = {
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
};

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const base = MODULES[apiVersion] ?? (group === '' ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`);
  try {
    const module = await import(`${base}/${kind}`);
    return module[kind];
  } catch {
    return undefined;
  }
}

let failures = 0;
let checked = 0;
for (const file of process.argv.slice(2)) {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      console.error(`${file}: YAML error: ${doc.errors[0].message}`);
      failures += 1;
      continue;
    }
    const object = doc.toJS();
    if (object === null || object === undefined) continue;
    const where = `${file}: ${object.kind ?? '?'} ${object.metadata?.name ?? '?'}`;
    const Model = object.apiVersion && object.kind ? await modelFor(object.apiVersion, object.kind) : undefined;
    if (!Model) {
      console.error(`${where}: no schema for apiVersion ${object.apiVersion} kind ${object.kind}`);
      failures += 1;
      continue;
    }
    try {
      new Model(object).validate();
      checked += 1;
    } catch (error) {
      console.error(`${where}: ${error.message}`);
      failures += 1;
    }
  }
}
console.log(`manifests: ${checked} valid, ${failures} invalid`);
process.exit(failures > 0 || checked === 0 ? 1 : 0);
