#!/usr/bin/env node
// No deployment runs a service on the test clock: no file under deploy/
// (base manifests, overlays, components, generated ConfigMap sources, the
// Dockerfile) names AFTERSALES_TEST_MODE or AFTERSALES_TEST_CLOCK_FILE. The
// services already refuse the clock file without test mode
// (services/common/host/service_host.h); this keeps test mode itself out of
// everything that can reach a cluster. Plain text on purpose: a variable in a
// comment, an env file or a patch is caught as surely as one in a Deployment.
//
//   node check_test_clock_absent.mjs check DEPLOY_DIR      (exit 1, naming file:line)
//   node check_test_clock_absent.mjs self-test DEPLOY_DIR  (the check catches planted files)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const FORBIDDEN = /AFTERSALES_TEST_(MODE|CLOCK_FILE)/;
// The checks themselves name the variables; installed packages are not ours.
const SKIP_DIRS = new Set(['tests', 'node_modules', '.git']);

function* files(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) yield* files(p);
    } else if (entry.isFile()) {
      yield p;
    }
  }
}

export function findTestClockSettings(deployDir) {
  const found = [];
  for (const file of files(deployDir)) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      const m = FORBIDDEN.exec(line);
      if (m) found.push(`${path.relative(deployDir, file)}:${i + 1}: ${m[0]} (${line.trim()})`);
    });
  }
  return found;
}

function check(deployDir) {
  const found = findTestClockSettings(deployDir);
  if (found.length > 0) {
    console.error('test mode or a test clock in a deployment (services/common/host/test_clock.h is for tests only):');
    for (const f of found) console.error(`  ${f}`);
    process.exit(1);
  }
  console.log(`ok: no file under ${deployDir} sets AFTERSALES_TEST_MODE or AFTERSALES_TEST_CLOCK_FILE`);
}

// Plants each way a setting could slip in into a copy-like tree and expects
// every one to be reported; the clean tree next to it must pass.
function selfTest(deployDir) {
  const clean = findTestClockSettings(deployDir);
  if (clean.length > 0) {
    console.error(`self-test needs a clean ${deployDir}:\n  ${clean.join('\n  ')}`);
    process.exit(1);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-clock-absent-'));
  try {
    const plant = (rel, text) => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    };
    plant('k8s/base/intake.yaml',
      'env:\n  - name: AFTERSALES_TEST_MODE\n    value: "true"\n');
    plant('k8s/overlays/staging/config.env', 'AFTERSALES_TEST_CLOCK_FILE=/clock\n');
    plant('Dockerfile', 'FROM debian\nENV AFTERSALES_TEST_MODE=true\n');
    plant('k8s/base/gateway.yaml', 'env:\n  - name: AFTERSALES_JWT_SECRET\n');
    plant('tests/fixture.yaml', 'AFTERSALES_TEST_MODE: "true"\n');  // the checks' own folder
    const found = findTestClockSettings(dir);
    const expected = ['Dockerfile:2', 'k8s/base/intake.yaml:2', 'k8s/overlays/staging/config.env:1'];
    const got = found.map((f) => f.split(': ')[0]).sort();
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      console.error(`self-test: expected ${JSON.stringify(expected)}, found ${JSON.stringify(found)}`);
      process.exit(1);
    }
    console.log(`ok: the check reports ${found.length} planted settings and passes ${deployDir}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, deployDir] = process.argv.slice(2);
if (!deployDir || !['check', 'self-test'].includes(mode)) {
  console.error('usage: check_test_clock_absent.mjs check|self-test DEPLOY_DIR');
  process.exit(2);
}
if (mode === 'check') check(deployDir);
else selfTest(deployDir);
