#!/usr/bin/env node
// Validates the Kubernetes manifests under k8s/ offline. See --help.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const HELP = `Usage: node scripts/validate-k8s.mjs [options] [kustomization-dir ...]

Validates RingDB's Kubernetes manifests offline (npm run k8s:validate). For each kustomization
directory (default: k8s/base and every k8s/overlays/*) it renders the kustomization itself — the
subset this repository uses: resources (files and directories), namespace, images and
strategic-merge patches; any other field is an error rather than silently ignored — then checks
every rendered object:

  1. against the Kubernetes OpenAPI schema of its apiVersion and kind (the validators the npm
     package kubernetes-models generates from the Kubernetes OpenAPI document: types, required
     fields, formats, int-or-string);
  2. strictly: a field the schema does not define is an error (a typo such as readinesProbe), using
     the same package's type declarations and the TypeScript compiler's excess-property check;
  3. for consistency across objects: selectors match pod labels, Services, ConfigMaps, StatefulSet
     governing Services, PodDisruptionBudget and HorizontalPodAutoscaler targets exist, probes hit
     /ready and /health on a declared admin port, Prometheus scrape annotations, $(VAR) references
     in args are defined, and every RingDB zone has a storage StatefulSet whose RINGDB_ZONE,
     zone label, node affinity and advertised DNS name agree.

Then (unless --no-self-test) it breaks the rendered base in several known ways and fails unless
each broken variant is rejected, so a validator that lets everything through cannot pass.

Options:
  --no-self-test    skip the broken-variant self test
  --print           print the rendered YAML of each kustomization
  -h, --help        show this help
`;

// ---------------------------------------------------------------------------------------------
// Rendering: a small kustomize.

const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'patches']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition', 'PriorityClass']);

function readYamlDocs(file) {
  const docs = YAML.parseAllDocuments(readFileSync(file, 'utf8'));
  const out = [];
  for (const d of docs) {
    if (d.errors.length) throw new Error(`${rel(file)}: ${d.errors[0].message}`);
    const v = d.toJSON();
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}

const rel = (p) => path.relative(ROOT, p) || '.';

/** Renders a kustomization directory into a list of { doc, source } objects. */
export function render(dir) {
  const kfile = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((f) => path.join(dir, f)).find(existsSync);
  if (!kfile) throw new Error(`${rel(dir)}: no kustomization.yaml`);
  const [k] = readYamlDocs(kfile);
  for (const field of Object.keys(k)) {
    if (!SUPPORTED_FIELDS.has(field)) throw new Error(`${rel(kfile)}: field "${field}" is not supported by this renderer (supported: ${[...SUPPORTED_FIELDS].join(', ')})`);
  }
  let objects = [];
  for (const r of k.resources ?? []) {
    const p = path.resolve(dir, r);
    if (!existsSync(p)) throw new Error(`${rel(kfile)}: resource ${r} does not exist`);
    if (statSync(p).isDirectory()) objects.push(...render(p));
    else objects.push(...readYamlDocs(p).map((doc) => ({ doc, source: rel(p) })));
  }
  for (const patch of k.patches ?? []) {
    for (const f of Object.keys(patch)) if (f !== 'path') throw new Error(`${rel(kfile)}: patch field "${f}" is not supported (only path: a strategic-merge patch naming its target)`);
    const pfile = path.resolve(dir, patch.path);
    for (const p of readYamlDocs(pfile)) {
      const target = objects.find((o) => o.doc.kind === p.kind && o.doc.metadata?.name === p.metadata?.name && (o.doc.apiVersion === p.apiVersion));
      if (!target) throw new Error(`${rel(pfile)}: patch target ${p.apiVersion} ${p.kind}/${p.metadata?.name} is not among the resources`);
      target.doc = strategicMerge(target.doc, p, `${rel(pfile)}`);
      target.source += ` + ${rel(pfile)}`;
    }
  }
  if (k.namespace) {
    objects = objects.map((o) => (CLUSTER_SCOPED.has(o.doc.kind) ? o : { ...o, doc: { ...o.doc, metadata: { ...o.doc.metadata, namespace: k.namespace } } }));
  }
  for (const img of k.images ?? []) {
    for (const o of objects) {
      for (const c of podSpec(o.doc)?.containers ?? []) {
        const m = /^(.*?)(?::([^:/@]+))?(@.*)?$/.exec(c.image ?? '');
        if (!m || m[1] !== img.name) continue;
        c.image = `${img.newName ?? m[1]}${img.digest ? `@${img.digest}` : `:${img.newTag ?? m[2] ?? 'latest'}`}`;
      }
    }
  }
  return objects;
}

/**
 * A strategic-merge patch, as far as these manifests need it: maps merge recursively; lists whose
 * items all carry a `name` (containers, env, volumes, ports) merge item by item on it, as
 * Kubernetes does for those fields; other lists are replaced. `$patch` directives are refused.
 */
function strategicMerge(base, patch, where) {
  if (Array.isArray(patch)) {
    const named = (xs) => Array.isArray(xs) && xs.every((x) => x && typeof x === 'object' && typeof x.name === 'string');
    if (!named(patch) || !named(base)) return structuredClone(patch);
    const out = base.map((x) => structuredClone(x));
    for (const item of patch) {
      const i = out.findIndex((x) => x.name === item.name);
      if (i >= 0) out[i] = strategicMerge(out[i], item, where);
      else out.push(structuredClone(item));
    }
    return out;
  }
  if (patch && typeof patch === 'object') {
    if ('$patch' in patch || Object.keys(patch).some((key) => key.startsWith('$'))) throw new Error(`${where}: $patch directives are not supported`);
    const out = base && typeof base === 'object' && !Array.isArray(base) ? { ...base } : {};
    for (const [key, v] of Object.entries(patch)) out[key] = v === null ? undefined : strategicMerge(out[key], v, where);
    for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
    return out;
  }
  return patch;
}

// ---------------------------------------------------------------------------------------------
// 1. OpenAPI schema validation (kubernetes-models).

function modelPath(apiVersion, kind) {
  return `kubernetes-models/${apiVersion}/${kind}`;
}

async function schemaErrors(objects) {
  const errors = [];
  for (const { doc, source } of objects) {
    const label = `${source}: ${doc.kind}/${doc.metadata?.name}`;
    if (!doc.apiVersion || !doc.kind) {
      errors.push(`${source}: object without apiVersion or kind`);
      continue;
    }
    let Model;
    try {
      Model = (await import(modelPath(doc.apiVersion, doc.kind)))[doc.kind];
    } catch {
      errors.push(`${label}: unknown apiVersion/kind ${doc.apiVersion} ${doc.kind}`);
      continue;
    }
    try {
      new Model(structuredClone(doc)).validate();
    } catch (err) {
      errors.push(`${label}: schema: ${err.message}`);
    }
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// 2. Strict fields: every object is written as a TypeScript object literal of its kind's type;
// the compiler's excess-property check rejects any field the schema does not define.

/** Strict-field errors of several object sets at once (one compiler run): one list per set. */
function strictErrors(sets) {
  const file = path.join(ROOT, 'k8s', '__validate_k8s__.ts');
  const imports = new Map();
  const body = [];
  const owners = []; // body line -> [set index, object label]
  sets.forEach((objects, s) => {
    body.push('{');
    owners.push([s, 'k8s']);
    objects.forEach(({ doc, source }, i) => {
      if (!doc.apiVersion || !doc.kind) return;
      const spec = modelPath(doc.apiVersion, doc.kind);
      // An unknown apiVersion/kind has no type to check against: the schema check reports it.
      if (!existsSync(path.join(ROOT, 'node_modules', `${spec}.d.ts`))) return;
      if (!imports.has(spec)) imports.set(spec, `T${imports.size}`);
      for (const l of `const o${i}: ${imports.get(spec)} = ${JSON.stringify(doc, null, 2)};`.split('\n')) {
        body.push(l);
        owners.push([s, `${source}: ${doc.kind}/${doc.metadata?.name}`]);
      }
    });
    body.push('}');
    owners.push([s, 'k8s']);
  });
  const header = [...imports].map(([spec, alias]) => `import type { I${spec.split('/').pop()} as ${alias} } from ${JSON.stringify(spec)};`);
  const lines = [...header, ...body, 'export {};'];
  const source = lines.join('\n');
  const options = { strict: true, noEmit: true, skipLibCheck: true, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, target: ts.ScriptTarget.ES2022, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (path.resolve(name) === file ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  const errors = sets.map(() => []);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n').pop();
    if (d.file && path.resolve(d.file.fileName) === file && d.start !== undefined) {
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      const [s, owner] = owners[line - header.length] ?? [0, 'k8s'];
      errors[s].push(`${owner}: unknown or mistyped field near \`${(lines[line] ?? '').trim()}\`: ${message}`);
    } else for (const e of errors) e.push(`strict check: ${message}`);
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// 3. Consistency across objects.

function podSpec(doc) {
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(doc.kind)) return doc.spec?.template?.spec;
  if (doc.kind === 'Pod') return doc.spec;
  return undefined;
}
const matches = (selector, labels) => !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

function consistencyErrors(objects) {
  const errors = [];
  const docs = objects.map((o) => o.doc);
  const id = (d) => `${d.kind}/${d.metadata?.name}`;
  const seen = new Set();
  for (const d of docs) {
    const key = `${d.kind}/${d.metadata?.namespace ?? ''}/${d.metadata?.name}`;
    if (seen.has(key)) errors.push(`${id(d)}: defined twice`);
    seen.add(key);
  }
  const byKind = (kind) => docs.filter((d) => d.kind === kind);
  const workloads = docs.filter((d) => podSpec(d));
  const configMaps = new Map(byKind('ConfigMap').map((c) => [c.metadata.name, c.data ?? {}]));
  const services = new Map(byKind('Service').map((s) => [s.metadata.name, s]));
  const config = configMaps.get('ringdb-config');
  if (!config) errors.push('ConfigMap/ringdb-config: missing');
  const adminPort = Number(config?.RINGDB_ADMIN_PORT ?? 9000);

  for (const w of workloads) {
    const labels = w.spec.template?.metadata?.labels ?? {};
    if (!matches(w.spec.selector?.matchLabels, labels)) errors.push(`${id(w)}: spec.selector.matchLabels does not match the pod template's labels`);
    const pod = podSpec(w);
    if (pod.securityContext?.runAsNonRoot !== true) errors.push(`${id(w)}: pods must set securityContext.runAsNonRoot: true`);
    const ann = w.spec.template?.metadata?.annotations ?? {};
    if (ann['prometheus.io/scrape'] !== 'true' || Number(ann['prometheus.io/port']) !== adminPort || ann['prometheus.io/path'] !== '/metrics') {
      errors.push(`${id(w)}: pod template needs prometheus.io/scrape "true", prometheus.io/port "${adminPort}" and prometheus.io/path /metrics`);
    }
    const volumeNames = new Set([...(pod.volumes ?? []).map((v) => v.name), ...(w.spec.volumeClaimTemplates ?? []).map((v) => v.metadata?.name)]);
    for (const c of pod.containers ?? []) {
      const where = `${id(w)} container ${c.name}`;
      if (!c.image) errors.push(`${where}: no image`);
      const envNames = new Set((c.env ?? []).map((e) => e.name));
      for (const ef of c.envFrom ?? []) {
        if (ef.configMapRef) {
          const cm = configMaps.get(ef.configMapRef.name);
          if (!cm) errors.push(`${where}: envFrom ConfigMap ${ef.configMapRef.name} does not exist`);
          else for (const key of Object.keys(cm)) envNames.add(`${ef.prefix ?? ''}${key}`);
        }
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.configMapKeyRef;
        if (ref && !(configMaps.get(ref.name) && ref.key in configMaps.get(ref.name))) errors.push(`${where}: env ${e.name} refers to missing ConfigMap key ${ref.name}/${ref.key}`);
      }
      for (const arg of [...(c.command ?? []), ...(c.args ?? [])]) {
        for (const m of String(arg).matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) if (!envNames.has(m[1])) errors.push(`${where}: $(${m[1]}) in its arguments is not a defined environment variable`);
      }
      for (const vm of c.volumeMounts ?? []) if (!volumeNames.has(vm.name)) errors.push(`${where}: volumeMount ${vm.name} has no volume`);
      const ports = c.ports ?? [];
      const portOk = (p) => ports.some((x) => x.name === p || x.containerPort === p);
      const adminDeclared = ports.some((x) => x.containerPort === adminPort && x.name === 'admin');
      if (!adminDeclared) errors.push(`${where}: must declare containerPort ${adminPort} named admin (RINGDB_ADMIN_PORT)`);
      for (const [probe, wanted] of [['readinessProbe', '/ready'], ['livenessProbe', '/health']]) {
        const g = c[probe]?.httpGet;
        if (!g) errors.push(`${where}: no ${probe} (httpGet ${wanted} on the admin port)`);
        else {
          if (g.path !== wanted) errors.push(`${where}: ${probe} must GET ${wanted}, not ${g.path}`);
          if (!portOk(g.port) || (g.port !== 'admin' && g.port !== adminPort)) errors.push(`${where}: ${probe} must use the admin port, not ${g.port}`);
        }
      }
      if (c.startupProbe?.httpGet && !portOk(c.startupProbe.httpGet.port)) errors.push(`${where}: startupProbe port ${c.startupProbe.httpGet.port} is not declared`);
    }
  }

  for (const s of services.values()) {
    if (!s.spec?.selector) continue;
    const targets = workloads.filter((w) => matches(s.spec.selector, w.spec.template?.metadata?.labels));
    if (targets.length === 0) {
      errors.push(`${id(s)}: selector matches no workload's pods`);
      continue;
    }
    for (const p of s.spec.ports ?? []) {
      const tp = p.targetPort ?? p.port;
      for (const w of targets) {
        const declared = (podSpec(w).containers ?? []).some((c) => (c.ports ?? []).some((x) => x.name === tp || x.containerPort === tp));
        if (!declared) errors.push(`${id(s)}: targetPort ${tp} is not a port of ${id(w)}`);
      }
    }
  }
  for (const st of byKind('StatefulSet')) {
    const svc = services.get(st.spec.serviceName);
    if (!svc) errors.push(`${id(st)}: serviceName ${st.spec.serviceName} is not a Service here`);
    else {
      if (svc.spec?.clusterIP !== 'None') errors.push(`${id(st)}: its governing Service ${svc.metadata.name} must be headless (clusterIP: None)`);
      if (svc.spec?.publishNotReadyAddresses !== true) errors.push(`${id(st)}: Service ${svc.metadata.name} must publishNotReadyAddresses (peers reach pods before they are ready)`);
      if (!matches(svc.spec?.selector, st.spec.template?.metadata?.labels)) errors.push(`${id(st)}: Service ${svc.metadata.name} does not select its pods`);
    }
  }
  for (const pdb of byKind('PodDisruptionBudget')) {
    if (!workloads.some((w) => matches(pdb.spec?.selector?.matchLabels, w.spec.template?.metadata?.labels))) errors.push(`${id(pdb)}: selector matches no workload's pods`);
  }
  for (const hpa of byKind('HorizontalPodAutoscaler')) {
    const ref = hpa.spec?.scaleTargetRef ?? {};
    const target = workloads.find((w) => w.kind === ref.kind && w.metadata.name === ref.name && w.apiVersion === ref.apiVersion);
    if (!target) {
      errors.push(`${id(hpa)}: scaleTargetRef ${ref.apiVersion} ${ref.kind}/${ref.name} does not exist`);
      continue;
    }
    for (const m of hpa.spec.metrics ?? []) {
      const r = m.resource?.name;
      if (r && !(podSpec(target).containers ?? []).every((c) => c.resources?.requests?.[r])) errors.push(`${id(hpa)}: scales on ${r} but ${id(target)} does not request ${r}`);
    }
    if ((hpa.spec.minReplicas ?? 1) > hpa.spec.maxReplicas) errors.push(`${id(hpa)}: minReplicas > maxReplicas`);
  }

  // RingDB's zones: one storage StatefulSet (at least) per zone, consistent everywhere.
  const zones = (config?.RINGDB_ZONES ?? '').split(',').map((z) => z.trim()).filter(Boolean);
  if (config && zones.length === 0) errors.push('ConfigMap/ringdb-config: RINGDB_ZONES is empty');
  const storage = byKind('StatefulSet').filter((s) => s.spec.template?.metadata?.labels?.['app.kubernetes.io/component'] === 'storage');
  for (const z of zones) {
    const inZone = storage.filter((s) => s.spec.template.metadata.labels['ringdb.io/zone'] === z);
    if (inZone.length === 0 || inZone.every((s) => (s.spec.replicas ?? 1) < 1)) errors.push(`zone ${z}: no storage StatefulSet with replicas (every RingDB zone needs a storage node)`);
  }
  for (const s of storage) {
    const zone = s.spec.template.metadata.labels['ringdb.io/zone'];
    const c = (podSpec(s).containers ?? [])[0] ?? {};
    const envZone = (c.env ?? []).find((e) => e.name === 'RINGDB_ZONE')?.value;
    if (!zones.includes(zone)) errors.push(`${id(s)}: zone label ${zone} is not in RINGDB_ZONES (${zones.join(',')})`);
    if (envZone !== zone) errors.push(`${id(s)}: RINGDB_ZONE ${envZone} differs from its ringdb.io/zone label ${zone}`);
    const terms = podSpec(s).affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    const pinned = terms.length > 0 && terms.every((t) => (t.matchExpressions ?? []).some((e) => e.key === 'topology.kubernetes.io/zone' && e.operator === 'In' && e.values?.length === 1));
    if (!pinned) errors.push(`${id(s)}: must be pinned to one Kubernetes zone (required node affinity on topology.kubernetes.io/zone In [one zone])`);
    const args = c.args ?? [];
    const advertise = args[args.indexOf('--advertise') + 1];
    if (!args.includes('--advertise') || !advertise?.startsWith(`$(POD_NAME).${s.spec.serviceName}.`)) errors.push(`${id(s)}: must --advertise $(POD_NAME).${s.spec.serviceName}.<namespace>... (its stable DNS name)`);
    if (args[args.indexOf('--id') + 1] !== '$(POD_NAME)') errors.push(`${id(s)}: must pass --id $(POD_NAME) (a stable node id)`);
    if (!(s.spec.volumeClaimTemplates ?? []).some((v) => (c.volumeMounts ?? []).some((m) => m.name === v.metadata?.name && m.mountPath === '/data'))) errors.push(`${id(s)}: /data must be a volumeClaimTemplate`);
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------

/** All three checks for several object sets: one { schema, strict, consistency } per set. */
async function validate(sets) {
  const strict = strictErrors(sets);
  const out = [];
  for (let i = 0; i < sets.length; i++) out.push({ schema: await schemaErrors(sets[i]), strict: strict[i], consistency: consistencyErrors(sets[i]) });
  return out;
}
const all = (r) => [...r.schema, ...r.strict, ...r.consistency];

/** Known breakages of the base; each must be reported by the check named first. */
const BREAKAGES = [
  ['schema', 'replicas as a string', (o) => (find(o, 'StatefulSet', 'ringdb-storage-a').spec.replicas = 'two')],
  ['schema', 'a StatefulSet without its pod template', (o) => delete find(o, 'StatefulSet', 'ringdb-membership').spec.template],
  ['schema', 'an unknown apiVersion', (o) => (find(o, 'HorizontalPodAutoscaler', 'ringdb-router').apiVersion = 'autoscaling/v3')],
  ['schema', 'a port given as a name where a number is required', (o) => (find(o, 'Service', 'ringdb').spec.ports[0].port = 'http')],
  ['schema', 'an env var without a name', (o) => delete find(o, 'StatefulSet', 'ringdb-storage-a').spec.template.spec.containers[0].env[0].name],
  ['strict', 'a misspelt pod field (terminationGracePeriodSecond)', (o) => {
    const pod = find(o, 'StatefulSet', 'ringdb-storage-b').spec.template.spec;
    pod.terminationGracePeriodSecond = pod.terminationGracePeriodSeconds;
    delete pod.terminationGracePeriodSeconds;
  }],
  ['strict', 'a misspelt probe (readinesProbe)', (o) => {
    const c = find(o, 'Deployment', 'ringdb-router').spec.template.spec.containers[0];
    c.readinesProbe = c.readinessProbe;
  }],
  ['strict', 'a field at the wrong level (replicas in the pod spec)', (o) => (find(o, 'Deployment', 'ringdb-router').spec.template.spec.replicas = 3)],
  ['consistency', 'a governing Service that does not exist', (o) => (find(o, 'StatefulSet', 'ringdb-storage-b').spec.serviceName = 'ringdb-storage')],
  ['consistency', 'RINGDB_ZONE differing from the zone label', (o) => (find(o, 'StatefulSet', 'ringdb-storage-c').spec.template.spec.containers[0].env.find((e) => e.name === 'RINGDB_ZONE').value = 'a')],
  ['consistency', 'a zone without storage', (o) => (find(o, 'StatefulSet', 'ringdb-storage-b').spec.replicas = 0)],
  ['consistency', 'a ConfigMap name typo', (o) => (find(o, 'Deployment', 'ringdb-router').spec.template.spec.containers[0].envFrom[0].configMapRef.name = 'ringdb-conf')],
  ['consistency', 'a liveness probe on the wrong path', (o) => (find(o, 'StatefulSet', 'ringdb-storage-a').spec.template.spec.containers[0].livenessProbe.httpGet.path = '/healthz')],
  ['consistency', 'a missing readiness probe', (o) => delete find(o, 'StatefulSet', 'ringdb-membership').spec.template.spec.containers[0].readinessProbe],
  ['consistency', 'an undefined $(VAR) in args', (o) => (find(o, 'StatefulSet', 'ringdb-storage-a').spec.template.spec.containers[0].args[2] = '$(POD_NAM)')],
  ['consistency', 'a Service selecting nothing', (o) => (find(o, 'Service', 'ringdb').spec.selector['app.kubernetes.io/component'] = 'routers')],
  ['consistency', 'an HPA on a missing Deployment', (o) => (find(o, 'HorizontalPodAutoscaler', 'ringdb-router').spec.scaleTargetRef.name = 'router')],
  ['consistency', 'a pod selector that does not match its labels', (o) => (find(o, 'Deployment', 'ringdb-router').spec.selector.matchLabels['app.kubernetes.io/component'] = 'api')],
  ['consistency', 'a storage zone not pinned to a Kubernetes zone', (o) => delete find(o, 'StatefulSet', 'ringdb-storage-a').spec.template.spec.affinity.nodeAffinity],
  ['consistency', 'a PodDisruptionBudget selecting nothing', (o) => (find(o, 'PodDisruptionBudget', 'ringdb-storage').spec.selector.matchLabels['app.kubernetes.io/component'] = 'storge')],
  ['consistency', 'no Prometheus scrape annotation', (o) => delete find(o, 'StatefulSet', 'ringdb-storage-c').spec.template.metadata.annotations['prometheus.io/scrape']],
];

function find(objects, kind, name) {
  const o = objects.find((x) => x.doc.kind === kind && x.doc.metadata?.name === name);
  if (!o) throw new Error(`self test: ${kind}/${name} is not in the base`);
  return o.doc;
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(HELP);
    return 0;
  }
  const selfTest = !args.includes('--no-self-test');
  const print = args.includes('--print');
  const unknown = args.filter((a) => a.startsWith('-') && !['--no-self-test', '--print'].includes(a));
  if (unknown.length) {
    process.stderr.write(`unknown option ${unknown[0]}\n\n${HELP}`);
    return 2;
  }
  let dirs = args.filter((a) => !a.startsWith('-')).map((d) => path.resolve(d));
  if (dirs.length === 0) {
    dirs = [path.join(ROOT, 'k8s/base')];
    const overlays = path.join(ROOT, 'k8s/overlays');
    if (existsSync(overlays)) for (const o of readdirSync(overlays).sort()) dirs.push(path.join(overlays, o));
  }
  let failed = 0;
  const rendered = [];
  for (const dir of dirs) {
    try {
      rendered.push({ dir, objects: render(dir) });
    } catch (err) {
      console.log(`FAIL ${rel(dir)}: ${err.message}`);
      failed++;
    }
  }
  const variants = [];
  if (selfTest) {
    const base = render(path.join(ROOT, 'k8s/base'));
    for (const [check, what, breakIt] of BREAKAGES) {
      const copy = base.map((o) => ({ source: o.source, doc: structuredClone(o.doc) }));
      breakIt(copy);
      variants.push({ check, what, objects: copy });
    }
  }
  const results = await validate([...rendered.map((r) => r.objects), ...variants.map((v) => v.objects)]);
  rendered.forEach(({ dir, objects }, i) => {
    if (print) console.log(objects.map((o) => YAML.stringify(o.doc)).join('---\n'));
    const errors = all(results[i]);
    const kinds = {};
    for (const o of objects) kinds[o.doc.kind] = (kinds[o.doc.kind] ?? 0) + 1;
    if (errors.length) {
      failed++;
      console.log(`FAIL ${rel(dir)}: ${errors.length} problem(s)`);
      for (const e of errors) console.log(`  - ${e}`);
    } else console.log(`ok   ${rel(dir)}: ${objects.length} objects (${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(', ')})`);
  });
  if (selfTest) {
    let caught = 0;
    variants.forEach(({ check, what }, i) => {
      const found = results[rendered.length + i][check];
      if (found.length === 0) {
        failed++;
        console.log(`FAIL self test: ${what} was not detected by the ${check} check`);
      } else {
        caught++;
        if (process.env.VALIDATE_K8S_VERBOSE) console.log(`  self test: ${what}: ${found[0]}`);
      }
    });
    console.log(`${caught === variants.length ? 'ok  ' : 'FAIL'} self test: ${caught} of ${variants.length} broken variants of k8s/base rejected, each by the check meant to catch it`);
  }
  console.log(failed ? `k8s validation failed (${failed})` : 'k8s manifests valid');
  return failed ? 1 : 0;
}

process.exitCode = await main();
