// Validates every document of the given multi-document YAML files against the Kubernetes API
// schemas (kubernetes-models, and the Prometheus Operator's for ServiceMonitor): types, required
// fields, enums and formats. Prints one JSON line per document {file, kind, name, errors} and
// exits 1 when a document is invalid or of a kind without a schema.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const packages = { 'monitoring.coreos.com': '@kubernetes-models/prometheus-operator' };

async function model(apiVersion, kind) {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const pkg = packages[group] ?? 'kubernetes-models';
  const path = group === '' ? `${pkg}/${version}` : `${pkg}/${group}/${version}`;
  try {
    return (await import(path))[kind];
  } catch {
    return undefined;
  }
}

let failed = false;
for (const file of process.argv.slice(2)) {
  const documents = parseAllDocuments(readFileSync(file, 'utf8'));
  for (const document of documents) {
    if (document.errors.length > 0) {
      failed = true;
      console.log(JSON.stringify({ file, errors: document.errors.map(e => e.message) }));
      continue;
    }
    const manifest = document.toJS();
    if (manifest == null) continue;
    const { apiVersion, kind } = manifest;
    const name = manifest.metadata?.name;
    const Model = apiVersion && kind ? await model(apiVersion, kind) : undefined;
    let errors = [];
    if (!Model) {
      errors = [`no schema for ${apiVersion} ${kind}`];
    } else {
      try {
        new Model(manifest).validate();
      } catch (e) {
        errors = (e.errors ?? [e]).map(x => x.instancePath !== undefined ? `${x.instancePath} ${x.message}` : String(x.message ?? x));
      }
    }
    if (errors.length > 0) failed = true;
    console.log(JSON.stringify({ file, kind, name, errors }));
  }
}
process.exit(failed ? 1 : 0);
