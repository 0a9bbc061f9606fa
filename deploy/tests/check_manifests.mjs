#!/usr/bin/env node
// Validates deploy/: renders an overlay, validates every object against the
// Kubernetes schemas and checks the invariants of invariants.mjs.
//
//   node check_manifests.mjs check OVERLAY_DIR [--min-replicas N]
//   node check_manifests.mjs self-test OVERLAY_DIR   (each invariant catches a broken render)
//   node check_manifests.mjs compare-kubectl OVERLAY_DIR   (kustomize_lite == kubectl kustomize)
//   node check_manifests.mjs redis-conf OVERLAY_DIR  (redis-server accepts redis.conf)
//   node check_manifests.mjs render OVERLAY_DIR      (prints the YAML)
//
// npm packages come from the project's .tools/ folder (./dev installs them);
// AFTERSALES_TOOLS_DIR overrides where. Exit 77 (ctest: skipped) only when a
// tool is truly absent, with a message saying which and how to install it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

import { render } from './kustomize_lite.mjs';
import { checkAll } from './invariants.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const TOOLS = process.env.AFTERSALES_TOOLS_DIR || path.join(ROOT, '.tools');
const SKIP = 77;

function skip(message) {
  console.log(`SKIPPED: ${message}`);
  process.exit(SKIP);
}

const toolsRequire = createRequire(path.join(TOOLS, 'package.json'));
async function importTool(spec) {
  let resolved;
  try {
    resolved = toolsRequire.resolve(spec);
  } catch {
    // ESM-only packages without a require condition: resolve by path.
    const p = path.join(TOOLS, 'node_modules', `${spec}.js`);
    if (!fs.existsSync(p)) return null;
    resolved = p;
  }
  return import(pathToFileURL(resolved).href);
}

async function loadYaml() {
  const YAML = await importTool('yaml');
  if (!YAML) skip(`npm package yaml is not installed in ${TOOLS} (./dev installs it: npm install --prefix .tools yaml@2.9.1)`);
  return YAML.default ?? YAML;
}

// --- schema validation --------------------------------------------------------

// Wraps `value` so that every property the schema validator reads is recorded:
// a property it never reads is one the schema does not know (a typo such as
// `readinesProbe` would otherwise pass, since the Kubernetes schemas allow
// unknown fields). Maps (labels, data) are enumerated and count as read.
function track(value, where, log) {
  if (value === null || typeof value !== 'object') return value;
  const entry = { where, value, read: new Set(), enumerated: false };
  if (!Array.isArray(value)) log.push(entry);
  const children = new Map();
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key !== 'string') return Reflect.get(target, key, receiver);
      entry.read.add(key);
      const v = target[key];
      if (v === null || typeof v !== 'object') return v;
      if (!children.has(key)) children.set(key, track(v, `${where}/${key}`, log));
      return children.get(key);
    },
    has(target, key) {
      entry.read.add(key);
      return key in target;
    },
    ownKeys(target) {
      entry.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

async function modelFor(obj) {
  const i = obj.apiVersion.indexOf('/');
  const dir = i < 0 ? obj.apiVersion : `${obj.apiVersion.slice(0, i)}/${obj.apiVersion.slice(i + 1)}`;
  const mod = await importTool(`kubernetes-models/${dir}/${obj.kind}`);
  return mod?.[obj.kind] ?? null;
}

export async function validateSchemas(objects) {
  const probe = await importTool('kubernetes-models/v1/Service');
  if (!probe) skip(`npm package kubernetes-models is not installed in ${TOOLS} (./dev installs it: npm install --prefix .tools kubernetes-models@5.1.0)`);
  const errors = [];
  for (const obj of objects) {
    const id = `${obj.kind}/${obj.metadata?.name}`;
    const Model = await modelFor(obj);
    if (!Model) {
      errors.push(`${id}: no schema for ${obj.apiVersion} ${obj.kind}`);
      continue;
    }
    const log = [];
    try {
      Model.prototype.validate.call(track(obj, '', log));
    } catch (e) {
      errors.push(`${id}: ${e.message}`);
      continue;
    }
    for (const entry of log) {
      if (entry.enumerated) continue;
      for (const key of Object.keys(entry.value)) {
        if (!entry.read.has(key)) errors.push(`${id}: ${entry.where}/${key}: unknown field`);
      }
    }
  }
  return errors;
}

// --- commands -------------------------------------------------------------------

function parseArgs(argv) {
  const [command, overlay, ...rest] = argv;
  const options = { minReplicas: 2 };
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--min-replicas') options.minReplicas = Number(rest[++i]);
    else throw new Error(`unknown argument ${rest[i]}`);
  }
  if (!command || !overlay) {
    console.error('usage: check_manifests.mjs check|self-test|compare-kubectl|render OVERLAY_DIR [--min-replicas N]');
    process.exit(2);
  }
  return { command, overlay, options };
}

function report(title, errors) {
  if (errors.length === 0) return true;
  console.log(`${title}: ${errors.length} problem(s)`);
  for (const e of errors) console.log(`  - ${e}`);
  return false;
}

function summary(objects) {
  const counts = {};
  for (const o of objects) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
  return Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ');
}

async function cmdCheck(overlay, options, YAML) {
  const objects = render(overlay, YAML);
  const schema = await validateSchemas(objects);
  const invariants = checkAll(objects, options);
  const ok = report('schema', schema) & report('invariants', invariants);
  console.log(`${path.relative(ROOT, path.resolve(overlay))}: ${objects.length} objects (${summary(objects)})`);
  console.log(ok ? 'OK: every object is valid and every invariant holds' : 'FAILED');
  return ok ? 0 : 1;
}

// Each mutation breaks one thing an operator would trip over; the checker must
// name it. A checker that passes a broken render is worse than none.
const MUTATIONS = [
  {
    what: 'a service without a readiness probe',
    expect: /Deployment\/intake: container intake has no readinessProbe/,
    apply: (objs) => { delete find(objs, 'Deployment', 'intake').spec.template.spec.containers[0].readinessProbe; },
  },
  {
    what: 'a single replica in production',
    expect: /Deployment\/dispatch: 1 replicas, want at least 2/,
    apply: (objs) => { find(objs, 'Deployment', 'dispatch').spec.replicas = 1; },
  },
  {
    what: 'a writable root filesystem',
    expect: /Deployment\/followup: container followup: readOnlyRootFilesystem is not true/,
    apply: (objs) => { find(objs, 'Deployment', 'followup').spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false; },
  },
  {
    what: 'a container without limits',
    expect: /Deployment\/gateway: container gateway has no resources.limits.memory/,
    apply: (objs) => { delete find(objs, 'Deployment', 'gateway').spec.template.spec.containers[0].resources.limits.memory; },
  },
  {
    what: 'a grace period shorter than the shutdown bound',
    expect: /Deployment\/dispatch: container dispatch: terminationGracePeriodSeconds 10 is not above/,
    apply: (objs) => { find(objs, 'Deployment', 'dispatch').spec.template.spec.terminationGracePeriodSeconds = 10; },
  },
  {
    what: 'a Service targeting a port the pods do not have',
    expect: /Service\/dispatch: port grpc targets grcp, which pods of Deployment\/dispatch do not have/,
    apply: (objs) => { find(objs, 'Service', 'dispatch').spec.ports[0].targetPort = 'grcp'; },
  },
  {
    what: 'a misspelt upstream address',
    expect: /AFTERSALES_INVENTORY_ADDR names inventroy, which is not a Service in the render/,
    apply: (objs) => { find(objs, 'ConfigMap', 'aftersales-config').data.AFTERSALES_INVENTORY_ADDR = 'inventroy:50053'; },
  },
  {
    what: 'a Redis host that is not a Service',
    expect: /Deployment\/followup: AFTERSALES_REDIS_HOST\/PORT names redis-master, which is not a Service in the render/,
    apply: (objs) => { find(objs, 'ConfigMap', 'aftersales-config').data.AFTERSALES_REDIS_HOST = 'redis-master'; },
  },
  {
    what: 'a wrong upstream port',
    expect: /AFTERSALES_FOLLOWUP_ADDR port 50055 is not a port of Service followup/,
    apply: (objs) => { find(objs, 'ConfigMap', 'aftersales-config').data.AFTERSALES_FOLLOWUP_ADDR = 'followup:50055'; },
  },
  {
    what: 'a NetworkPolicy allowing a call the architecture does not have',
    expect: /allows followup -> inventory:50053, which is not a call in the architecture/,
    apply: (objs) => {
      find(objs, 'NetworkPolicy', 'inventory').spec.ingress[0].from.push({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'followup' } } });
    },
  },
  {
    what: 'a NetworkPolicy missing a call the architecture has',
    expect: /dispatch -> inventory:50053 \(dispatch reserves parts\) is not allowed out by any egress rule/,
    apply: (objs) => { find(objs, 'NetworkPolicy', 'dispatch').spec.egress = []; },
  },
  {
    what: 'no default deny',
    expect: /no default deny-all/,
    apply: (objs) => { objs.splice(objs.indexOf(find(objs, 'NetworkPolicy', 'default-deny')), 1); },
  },
  {
    what: 'a committed Secret',
    expect: /Secret\/aftersales-secrets: carries data/,
    apply: (objs) => {
      objs.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'aftersales-secrets' }, data: { 'jwt-secret': 'c2VjcmV0' } });
    },
  },
  {
    what: 'Redis without AOF',
    expect: /redis.conf: appendonly is not yes/,
    apply: (objs) => {
      const cm = find(objs, 'ConfigMap', 'redis-config');
      cm.data['redis.conf'] = cm.data['redis.conf'].replace(/^appendonly yes$/m, 'appendonly no');
    },
  },
  {
    what: 'a misspelt field (the schemas allow unknown fields)',
    expect: /Deployment\/inventory: \/spec\/template\/spec\/containers\/0\/readinesProbe: unknown field/,
    schema: true,
    apply: (objs) => { find(objs, 'Deployment', 'inventory').spec.template.spec.containers[0].readinesProbe = {}; },
  },
  {
    what: 'a wrongly typed field',
    expect: /Deployment\/gateway: .*replicas must be integer/,
    schema: true,
    apply: (objs) => { find(objs, 'Deployment', 'gateway').spec.replicas = 'two'; },
  },
];

function find(objects, kind, name) {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`self-test: ${kind}/${name} is not in the render`);
  return o;
}

async function cmdSelfTest(overlay, options, YAML) {
  const clean = render(overlay, YAML);
  const baseline = [...(await validateSchemas(clean)), ...checkAll(clean, options)];
  if (!report('the unmodified render', baseline)) return 1;
  let failed = 0;
  for (const m of MUTATIONS) {
    const objects = structuredClone(clean);
    m.apply(objects);
    const errors = m.schema ? await validateSchemas(objects) : checkAll(objects, options);
    if (errors.some((e) => m.expect.test(e))) {
      console.log(`caught: ${m.what}`);
    } else {
      failed++;
      console.log(`MISSED: ${m.what}; want an error matching ${m.expect}, got:`);
      for (const e of errors) console.log(`  - ${e}`);
    }
  }
  console.log(`${MUTATIONS.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

function kubectlKustomize(overlay) {
  let version;
  try {
    version = execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    skip('kubectl is not installed, so there is nothing to compare kustomize_lite with (the render itself is checked by the other deploy tests)');
  }
  const m = /Kustomize Version: v(\d+)\./.exec(version);
  if (!m || Number(m[1]) < 4) {
    skip(`kubectl's kustomize is too old for components (need v4+): ${version.trim().split('\n').join('; ')}`);
  }
  return execFileSync('kubectl', ['kustomize', overlay], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

async function cmdCompare(overlay, YAML) {
  const theirs = YAML.parseAllDocuments(kubectlKustomize(overlay)).map((d) => d.toJS()).filter(Boolean);
  const ours = render(overlay, YAML);
  const key = (o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const errors = [];
  const mine = new Map(ours.map((o) => [key(o), o]));
  for (const t of theirs) {
    const o = mine.get(key(t));
    if (!o) errors.push(`kubectl renders ${key(t)}, kustomize_lite does not`);
    else if (!isDeepStrictEqual(JSON.parse(JSON.stringify(o)), t)) errors.push(`${key(t)} differs: kubectl ${JSON.stringify(t)} vs kustomize_lite ${JSON.stringify(o)}`);
    mine.delete(key(t));
  }
  for (const k of mine.keys()) errors.push(`kustomize_lite renders ${k}, kubectl does not`);
  if (!report('kubectl kustomize vs kustomize_lite', errors)) return 1;
  console.log(`OK: kubectl kustomize and kustomize_lite agree on all ${theirs.length} objects`);
  return 0;
}

// Starts the real redis-server with the rendered redis.conf (on a free
// loopback port, in a temporary directory) and reads back what it promises: a
// typo in redis.conf would otherwise only show as a crash-looping pod.
async function cmdRedisConf(overlay, YAML) {
  const objects = render(overlay, YAML);
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'redis-config');
  if (!cm) {
    console.log('FAILED: the render has no ConfigMap redis-config');
    return 1;
  }
  const which = (tool) => {
    try {
      return execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const server = which('redis-server');
  const cli = which('redis-cli');
  if (!server || !cli) skip('redis-server or redis-cli is not installed (./dev installs redis-server and redis-tools)');
  const net = await import('node:net');
  const port = await new Promise((resolve) => {
    const l = net.createServer().listen(0, '127.0.0.1', () => {
      const p = l.address().port;
      l.close(() => resolve(p));
    });
  });
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'aftersales-redis-conf-'));
  fs.writeFileSync(path.join(dir, 'redis.conf'), cm.data['redis.conf']);
  const { spawn } = await import('node:child_process');
  // The StatefulSet's own arguments, with what differs here: the config's
  // path, the data directory, the password, and loopback on a free port.
  const sts = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'redis');
  const container = sts.spec.template.spec.containers.find((c) => c.name === 'redis');
  const mount = container.volumeMounts.find((m) => m.name === 'config').mountPath;
  const args = container.args.map((a, i, all) => {
    if (a === `${mount}/redis.conf`) return path.join(dir, 'redis.conf');
    if (all[i - 1] === '--dir') return dir;
    return a.replace('$(REDIS_PASSWORD)', 'test-password');
  });
  const child = spawn(server, [...args, '--port', String(port), '--bind', '127.0.0.1',
    '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  // Errors in the config file go to stderr: the log file is not open yet.
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  let exited = null;
  child.on('exit', (code) => { exited = code; });
  const redis = (...args) => execFileSync(cli, ['-p', String(port), '--no-auth-warning', '-a', 'test-password', ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const errors = [];
  try {
    let up = false;
    for (let i = 0; i < 100 && !up && exited === null; i++) {
      try {
        up = redis('PING') === 'PONG';
      } catch { /* not listening yet */ }
      if (!up) await new Promise((r) => setTimeout(r, 50));
    }
    if (!up) {
      const log = fs.existsSync(path.join(dir, 'redis.log')) ? fs.readFileSync(path.join(dir, 'redis.log'), 'utf8') : '';
      errors.push(`redis-server did not start with the rendered redis.conf (exit ${exited}):\n${log.split('\n').slice(-15).join('\n')}${stderr}`);
    } else {
      // appendfsync always is the documented stricter choice.
      const want = { appendonly: ['yes'], appendfsync: ['everysec', 'always'], 'maxmemory-policy': ['noeviction'], 'no-appendfsync-on-rewrite': ['no'] };
      for (const [k, v] of Object.entries(want)) {
        const got = redis('CONFIG', 'GET', k).split('\n')[1];
        if (!v.includes(got)) errors.push(`redis.conf: ${k} is ${got}, want ${v.join(' or ')}`);
      }
      const flush = redis('FLUSHALL');
      if (!/unknown command/i.test(flush)) errors.push(`FLUSHALL is not disabled: it answered ${flush}`);
      let noauth = '';
      try {
        noauth = execFileSync(cli, ['-p', String(port), 'SET', 'k', 'v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) { noauth = String(e.stdout ?? e.message); }
      if (!/NOAUTH/.test(noauth)) errors.push(`a client without the password could write: ${noauth.trim()}`);
      redis('SET', 'aftersales:probe', '1');
      if (!fs.existsSync(path.join(dir, 'appendonlydir'))) errors.push('no appendonlydir/ in the data directory: AOF is not on');
    }
  } finally {
    child.kill('SIGTERM');
    for (let i = 0; i < 100 && exited === null; i++) await new Promise((r) => setTimeout(r, 50));
    if (exited === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (!report('redis-server with the rendered redis.conf', errors)) return 1;
  console.log('OK: redis-server accepts the rendered redis.conf and StatefulSet arguments: AOF on, noeviction, password required, FLUSHALL disabled');
  return 0;
}

const { command, overlay, options } = parseArgs(process.argv.slice(2));
const YAML = await loadYaml();
let code;
try {
  if (command === 'check') code = await cmdCheck(overlay, options, YAML);
  else if (command === 'self-test') code = await cmdSelfTest(overlay, options, YAML);
  else if (command === 'compare-kubectl') code = await cmdCompare(overlay, YAML);
  else if (command === 'redis-conf') code = await cmdRedisConf(overlay, YAML);
  else if (command === 'render') {
    process.stdout.write(render(overlay, YAML).map((o) => YAML.stringify(o)).join('---\n'));
    code = 0;
  } else {
    console.error(`unknown command ${command}`);
    code = 2;
  }
} catch (e) {
  console.log(`FAILED: ${e.message}`);
  code = 1;
}
process.exit(code);
