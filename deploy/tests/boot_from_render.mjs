#!/usr/bin/env node
// Boots the real binaries with the environment an overlay gives their pods:
// the ConfigMap, the literal env values, test values for the Secret keys and
// the pod name. Only what cannot be the same on one machine is changed:
// every process listens on 127.0.0.1 on a free port, and Redis and the
// upstream addresses point at those ports. A value the binaries reject (a bad
// duration, a size out of range) would crash-loop the pods; here it fails the
// test, naming the process and its message. Then each process gets SIGTERM
// and must exit 0 within its pod's grace period minus the preStop pause.
//
//   node boot_from_render.mjs OVERLAY_DIR BIN_DIR
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { render } from './kustomize_lite.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TOOLS = process.env.AFTERSALES_TOOLS_DIR || path.resolve(HERE, '../../.tools');
const SKIP = 77;
const SERVICES = ['intake', 'dispatch', 'inventory', 'followup'];
const SECRET_VALUES = {
  'redis-password': 'boot-test-redis-password',
  'jwt-secret': 'boot-test-jwt-secret-0123456789abcdef',
};

const [overlay, binDir] = process.argv.slice(2);
if (!overlay || !binDir) {
  console.error('usage: boot_from_render.mjs OVERLAY_DIR BIN_DIR');
  process.exit(2);
}

function skip(message) {
  console.log(`SKIPPED: ${message}`);
  process.exit(SKIP);
}

let YAML;
try {
  const require = createRequire(path.join(TOOLS, 'package.json'));
  YAML = await import(pathToFileURL(require.resolve('yaml')).href);
  YAML = YAML.default ?? YAML;
} catch {
  skip(`npm package yaml is not installed in ${TOOLS} (./dev installs it)`);
}
const which = (tool) => {
  try {
    return execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};
const redisServer = which('redis-server');
if (!redisServer) skip('redis-server is not installed (./dev installs it)');
for (const b of [...SERVICES, 'gateway']) {
  if (!fs.existsSync(path.join(binDir, b))) {
    console.log(`FAILED: ${path.join(binDir, b)} is not built`);
    process.exit(1);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function freePort() {
  return new Promise((resolve) => {
    const l = net.createServer().listen(0, '127.0.0.1', () => {
      const p = l.address().port;
      l.close(() => resolve(p));
    });
  });
}
function accepts(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}
function get(port, target) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: target, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => { req.destroy(); resolve(0); });
  });
}

const objects = render(overlay, YAML);
const dir = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'aftersales-boot-'));
const children = [];

function start(name, file, args, env) {
  const log = path.join(dir, `${name}.log`);
  const out = fs.openSync(log, 'a');
  const child = spawn(file, args, { env, stdio: ['ignore', out, out] });
  const entry = { name, child, log, exit: null };
  child.on('exit', (code, signal) => { entry.exit = { code, signal }; });
  children.push(entry);
  return entry;
}
const tail = (entry) => fs.readFileSync(entry.log, 'utf8').trim().split('\n').slice(-8).join('\n      ');

// The environment a pod of `deployment` gets, as Kubernetes would build it.
function podEnv(deployment) {
  const pod = deployment.spec.template.spec;
  const c = pod.containers[0];
  const env = {};
  for (const ef of c.envFrom ?? []) {
    Object.assign(env, objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === ef.configMapRef.name).data);
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) env[e.name] = SECRET_VALUES[e.valueFrom.secretKeyRef.key];
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = `${deployment.metadata.name}-boot-0`;
  }
  return env;
}

const errors = [];
const notes = [];
let exitCode = 1;
try {
  const redisPort = await freePort();
  const redis = start('redis', redisServer, ['--port', String(redisPort), '--bind', '127.0.0.1',
    '--dir', dir, '--requirepass', SECRET_VALUES['redis-password'], '--save', '', '--appendonly', 'no'], process.env);
  for (let i = 0; i < 100 && !(await accepts(redisPort)); i++) await sleep(50);

  const ports = {};
  for (const name of [...SERVICES, 'gateway']) ports[name] = { main: await freePort(), metrics: await freePort() };
  const started = [];
  for (const name of [...SERVICES, 'gateway']) {
    const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
    const env = { ...process.env, ...podEnv(d) };
    Object.assign(env, {
      AFTERSALES_LISTEN_HOST: '127.0.0.1',
      AFTERSALES_REDIS_HOST: '127.0.0.1',
      AFTERSALES_REDIS_PORT: String(redisPort),
    });
    if (name === 'gateway') env.AFTERSALES_HTTP_PORT = String(ports.gateway.main);
    else {
      env.AFTERSALES_GRPC_PORT = String(ports[name].main);
      env.AFTERSALES_METRICS_PORT = String(ports[name].metrics);
    }
    for (const s of SERVICES) {
      const key = `AFTERSALES_${s.toUpperCase()}_ADDR`;
      if (env[key] !== undefined) env[key] = `127.0.0.1:${ports[s].main}`;
    }
    const pod = d.spec.template.spec;
    const preStop = Number((pod.containers[0].lifecycle?.preStop?.exec?.command ?? []).find((a) => /^\d+$/.test(a)) ?? 0);
    const entry = start(name, path.join(binDir, name), [], env);
    entry.stopWithin = (pod.terminationGracePeriodSeconds - preStop) * 1000;
    started.push(entry);
    let up = false;
    for (let i = 0; i < 200 && !up && entry.exit === null; i++) {
      up = await accepts(ports[name].main);
      if (!up) await sleep(50);
    }
    if (!up) {
      const how = entry.exit?.code === 2 ? 'rejected its configuration' : `did not listen within 10 s (exit ${JSON.stringify(entry.exit)})`;
      errors.push(`${name} ${how}:\n      ${tail(entry)}`);
    }
  }
  if (errors.length === 0) {
    for (const name of SERVICES) {
      const status = await get(ports[name].metrics, '/healthz');
      if (status !== 200) errors.push(`${name}: GET /healthz on the metrics port answered ${status}`);
    }
    // Ready once all four services report SERVING and Redis answers.
    let ready = 0;
    for (let i = 0; i < 50 && ready !== 200; i++) {
      ready = await get(ports.gateway.main, '/readyz');
      if (ready !== 200) await sleep(200);
    }
    if (ready !== 200) notes.push(`gateway /readyz answered ${ready} within 10 s (a service may not be SERVING yet)`);
  }
  // SIGTERM, as Kubernetes sends it after the preStop pause.
  for (const entry of started.reverse()) {
    if (entry.exit !== null) continue;
    const t0 = Date.now();
    entry.child.kill('SIGTERM');
    while (entry.exit === null && Date.now() - t0 < entry.stopWithin) await sleep(50);
    if (entry.exit === null) errors.push(`${entry.name} did not exit within ${entry.stopWithin / 1000} s of SIGTERM (it would be SIGKILLed)`);
    else if (entry.exit.code !== 0) errors.push(`${entry.name} exited ${JSON.stringify(entry.exit)} after SIGTERM:\n      ${tail(entry)}`);
    else notes.push(`${entry.name} stopped ${Date.now() - t0} ms after SIGTERM`);
  }
  redis.child.kill('SIGTERM');
  exitCode = errors.length ? 1 : 0;
} finally {
  for (const c of children) if (c.exit === null) c.child.kill('SIGKILL');
  await sleep(100);
  fs.rmSync(dir, { recursive: true, force: true });
}
for (const n of notes) console.log(`note: ${n}`);
if (errors.length) {
  console.log(`${overlay}: ${errors.length} problem(s)`);
  for (const e of errors) console.log(`  - ${e}`);
} else {
  console.log(`OK: the five binaries start with ${path.basename(overlay)}'s configuration and stop cleanly on SIGTERM`);
}
process.exit(exitCode);
