// A kustomize renderer for the subset of kustomize that deploy/k8s uses, so
// that the test run can render every overlay on a machine whose only
// kustomize is Debian's kubectl 1.20 (kustomize v2, no components).
//
// Supported: resources (files and directories), components, namespace,
// patches (inline or by path; JSON 6902 operation lists, and strategic-merge
// patches that are `$patch: delete`), replicas, images. Anything else in a
// kustomization is an error, not silently ignored: when deploy/k8s starts to
// use more of kustomize, this file must learn it (and the comparison test
// against `kubectl kustomize` catches any difference where kubectl exists).
import fs from 'node:fs';
import path from 'node:path';

const KNOWN_FIELDS = new Set([
  'apiVersion', 'kind', 'resources', 'components', 'namespace', 'patches', 'replicas', 'images',
]);

// Kinds that are not namespaced, of those kustomize might meet here.
const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition',
  'PersistentVolume', 'StorageClass', 'PriorityClass', 'IngressClass',
  'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
]);

// kubectl kustomize's default ("legacy") output order.
const KIND_ORDER = [
  'Namespace', 'ResourceQuota', 'StorageClass', 'CustomResourceDefinition', 'ServiceAccount',
  'PodSecurityPolicy', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ConfigMap',
  'Secret', 'Endpoints', 'Service', 'LimitRange', 'PriorityClass', 'PersistentVolume',
  'PersistentVolumeClaim', 'Deployment', 'StatefulSet', 'CronJob', 'PodDisruptionBudget',
];
const KIND_ORDER_LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

export class RenderError extends Error {}

function groupVersion(apiVersion) {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : {
    group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1),
  };
}

function kustomizationFile(dir) {
  for (const name of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  throw new RenderError(`${dir}: no kustomization.yaml`);
}

function parseDocs(YAML, text, where) {
  const docs = YAML.parseAllDocuments(text);
  const out = [];
  for (const d of docs) {
    if (d.errors.length) throw new RenderError(`${where}: ${d.errors[0].message}`);
    const v = d.toJS();
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}

// RFC 6901 pointer into `doc`: the parent container and the last token.
function locate(doc, pointer, where) {
  if (!pointer.startsWith('/')) throw new RenderError(`${where}: bad path ${pointer}`);
  const tokens = pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  let parent = doc;
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i];
    const next = Array.isArray(parent) ? parent[Number(t)] : parent?.[t];
    if (next === undefined || next === null || typeof next !== 'object') {
      throw new RenderError(`${where}: path ${pointer} does not exist (at ${t})`);
    }
    parent = next;
  }
  return { parent, key: tokens[tokens.length - 1] };
}

function applyJson6902(doc, ops, where) {
  for (const op of ops) {
    const { parent, key } = locate(doc, op.path, where);
    const value = structuredClone(op.value);
    if (Array.isArray(parent)) {
      const index = key === '-' ? parent.length : Number(key);
      if (!Number.isInteger(index) || index < 0 || index > parent.length) {
        throw new RenderError(`${where}: index ${key} out of range in ${op.path}`);
      }
      if (op.op === 'add') parent.splice(index, 0, value);
      else if (op.op === 'replace') {
        if (index >= parent.length) throw new RenderError(`${where}: ${op.path} does not exist`);
        parent[index] = value;
      } else if (op.op === 'remove') {
        if (index >= parent.length) throw new RenderError(`${where}: ${op.path} does not exist`);
        parent.splice(index, 1);
      } else throw new RenderError(`${where}: unsupported op ${op.op}`);
    } else {
      if (op.op === 'add') parent[key] = value;
      else if (op.op === 'replace') {
        if (!(key in parent)) throw new RenderError(`${where}: ${op.path} does not exist`);
        parent[key] = value;
      } else if (op.op === 'remove') {
        if (!(key in parent)) throw new RenderError(`${where}: ${op.path} does not exist`);
        delete parent[key];
      } else throw new RenderError(`${where}: unsupported op ${op.op}`);
    }
  }
}

function matchesTarget(obj, target) {
  const { group, version } = groupVersion(obj.apiVersion);
  if (target.group !== undefined && target.group !== group) return false;
  if (target.version !== undefined && target.version !== version) return false;
  if (target.kind !== undefined && target.kind !== obj.kind) return false;
  if (target.name !== undefined && !new RegExp(`^(?:${target.name})$`).test(obj.metadata.name)) {
    return false;
  }
  if (target.namespace !== undefined && target.namespace !== (obj.metadata.namespace ?? '')) {
    return false;
  }
  for (const f of Object.keys(target)) {
    if (!['group', 'version', 'kind', 'name', 'namespace'].includes(f)) {
      throw new RenderError(`patch target field ${f} is not supported by kustomize_lite`);
    }
  }
  return true;
}

function applyPatches(objects, patches, dir, YAML, where) {
  let out = objects;
  for (const [i, p] of (patches ?? []).entries()) {
    const here = `${where}: patches[${i}]`;
    const text = p.patch ?? (p.path ? fs.readFileSync(path.join(dir, p.path), 'utf8') : null);
    if (text === null) throw new RenderError(`${here}: needs patch or path`);
    const body = YAML.parse(text);
    if (Array.isArray(body)) {
      if (!p.target) throw new RenderError(`${here}: a JSON 6902 patch needs a target`);
      const hits = out.filter((o) => matchesTarget(o, p.target));
      if (hits.length === 0) throw new RenderError(`${here}: target matches nothing`);
      for (const o of hits) applyJson6902(o, body, `${here} on ${o.kind}/${o.metadata.name}`);
      continue;
    }
    if (body && body.$patch === 'delete') {
      const target = p.target ?? {
        ...groupVersion(body.apiVersion), kind: body.kind, name: body.metadata.name,
        ...(body.metadata.namespace ? { namespace: body.metadata.namespace } : {}),
      };
      const before = out.length;
      out = out.filter((o) => !matchesTarget(o, target));
      if (out.length === before) throw new RenderError(`${here}: delete matches nothing`);
      continue;
    }
    throw new RenderError(`${here}: only JSON 6902 patches and $patch: delete are supported`);
  }
  return out;
}

function parseImage(image) {
  // name[:tag][@digest]; a registry port (host:5000/x) is not a tag.
  let rest = image;
  let digest;
  const at = rest.indexOf('@');
  if (at >= 0) { digest = rest.slice(at + 1); rest = rest.slice(0, at); }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag;
  if (colon > slash) { tag = rest.slice(colon + 1); rest = rest.slice(0, colon); }
  return { name: rest, tag, digest };
}

function applyImages(objects, images) {
  for (const o of objects) {
    const pod = o.spec?.template?.spec;
    if (!pod) continue;
    for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
      const parsed = parseImage(c.image);
      const rule = images.find((im) => im.name === parsed.name);
      if (!rule) continue;
      let image = rule.newName ?? parsed.name;
      if (rule.digest) image += `@${rule.digest}`;
      else if (rule.newTag !== undefined) image += `:${rule.newTag}`;
      else if (parsed.digest) image += `@${parsed.digest}`;
      else if (parsed.tag) image += `:${parsed.tag}`;
      c.image = image;
    }
  }
}

function build(dir, YAML, isComponent, accumulated) {
  const file = kustomizationFile(dir);
  const k = YAML.parse(fs.readFileSync(file, 'utf8')) ?? {};
  const where = path.relative(process.cwd(), file);
  for (const f of Object.keys(k)) {
    if (!KNOWN_FIELDS.has(f)) throw new RenderError(`${where}: field ${f} is not supported by kustomize_lite`);
  }
  const wantKind = isComponent ? 'Component' : 'Kustomization';
  if ((k.kind ?? 'Kustomization') !== wantKind) {
    throw new RenderError(`${where}: expected kind ${wantKind}, got ${k.kind}`);
  }
  let objects = accumulated;
  for (const r of k.resources ?? []) {
    const p = path.join(dir, r);
    if (fs.statSync(p).isDirectory()) objects = objects.concat(build(p, YAML, false, []));
    else objects = objects.concat(parseDocs(YAML, fs.readFileSync(p, 'utf8'), p));
  }
  for (const c of k.components ?? []) objects = build(path.join(dir, c), YAML, true, objects);
  objects = applyPatches(objects, k.patches, dir, YAML, where);
  if (k.namespace) {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  for (const r of k.replicas ?? []) {
    const hits = objects.filter((o) => o.metadata.name === r.name &&
      ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'].includes(o.kind));
    if (hits.length === 0) throw new RenderError(`${where}: replicas: nothing named ${r.name}`);
    for (const o of hits) o.spec.replicas = r.count;
  }
  if (k.images) applyImages(objects, k.images);
  return objects;
}

function orderKey(o) {
  const i = KIND_ORDER.indexOf(o.kind);
  const j = KIND_ORDER_LAST.indexOf(o.kind);
  const rank = i >= 0 ? i : (j >= 0 ? 1000 + j : 500);
  return [rank, o.kind, o.metadata.namespace ?? '', o.metadata.name];
}

// Renders the kustomization in `dir` to a list of objects, in kubectl's order.
export function render(dir, YAML) {
  const objects = build(path.resolve(dir), YAML, false, []);
  const seen = new Set();
  for (const o of objects) {
    const id = `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (seen.has(id)) throw new RenderError(`${dir}: ${id} is defined twice`);
    seen.add(id);
  }
  return objects.sort((a, b) => {
    const ka = orderKey(a);
    const kb = orderKey(b);
    for (let i = 0; i < ka.length; i++) {
      if (ka[i] < kb[i]) return -1;
      if (ka[i] > kb[i]) return 1;
    }
    return 0;
  });
}
