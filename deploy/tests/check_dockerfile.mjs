#!/usr/bin/env node
// Checks deploy/Dockerfile statically (no container engine runs in the test
// environment, so no image is built here):
//   - every stage starts FROM debian:bookworm or debian:bookworm-slim, or from
//     an earlier stage of this file;
//   - the build stage installs exactly ./dev's APT_PACKAGES;
//   - the runtime base installs only shared-library packages, and every
//     library the built binaries link (ldd + dpkg -S, when the binaries are
//     built) is in the slim base or in that list;
//   - every binary has its own target, based on the runtime stage, that runs
//     it as a numeric non-root user.
//
//   node check_dockerfile.mjs DOCKERFILE DEV_SCRIPT [BIN_DIR]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const BINARIES = ['intake', 'dispatch', 'inventory', 'followup', 'gateway', 'aftersalesctl'];
// In debian:bookworm-slim already (Priority: required, or needed by apt).
const IN_SLIM = new Set(['libc6', 'libgcc-s1', 'libstdc++6', 'zlib1g']);

const [dockerfile, devScript, binDir] = process.argv.slice(2);
if (!dockerfile || !devScript) {
  console.error('usage: check_dockerfile.mjs DOCKERFILE DEV_SCRIPT [BIN_DIR]');
  process.exit(2);
}
const errors = [];
const notes = [];

// Joins continuation lines and drops comments.
const instructions = fs.readFileSync(dockerfile, 'utf8')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => {
    const [op, ...rest] = l.split(/\s+/);
    return { op: op.toUpperCase(), args: rest.join(' ') };
  });

const stages = [];
for (const ins of instructions) {
  if (ins.op === 'FROM') {
    const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
    stages.push({ from: m[1], name: m[2] ?? `#${stages.length}`, body: [] });
  } else if (stages.length) {
    stages.at(-1).body.push(ins);
  } else if (ins.op !== 'ARG') {
    errors.push(`${ins.op} before the first FROM`);
  }
}
const byName = Object.fromEntries(stages.map((s) => [s.name, s]));

function aptPackages(stage) {
  const pkgs = [];
  for (const ins of stage.body.filter((i) => i.op === 'RUN')) {
    for (const m of ins.args.matchAll(/apt-get install ([^&;]*)/g)) {
      const words = m[1].split(/\s+/).filter((w) => w && !w.startsWith('-'));
      if (!m[1].includes('--no-install-recommends')) errors.push(`stage ${stage.name}: apt-get install without --no-install-recommends`);
      pkgs.push(...words);
    }
  }
  return pkgs;
}

// The user a stage runs as, following its base stages.
function userOf(stage) {
  const users = stage.body.filter((i) => i.op === 'USER');
  if (users.length) return users.at(-1).args;
  return byName[stage.from] ? userOf(byName[stage.from]) : null;
}

function rootOf(stage) {
  return byName[stage.from] ? rootOf(byName[stage.from]) : stage.from;
}

for (const s of stages) {
  if (!byName[s.from] && !/^debian:bookworm(-slim)?$/.test(s.from)) {
    errors.push(`stage ${s.name}: FROM ${s.from} is not debian:bookworm(-slim) or an earlier stage`);
  }
}

// The build stage: the same packages as ./dev.
const dev = fs.readFileSync(devScript, 'utf8');
const devMatch = /APT_PACKAGES=\(([^)]*)\)/.exec(dev);
if (!devMatch) errors.push(`${devScript}: no APT_PACKAGES=(...) found`);
const devPackages = (devMatch?.[1] ?? '').split(/\s+/).filter(Boolean).sort();
const build = byName.build;
if (!build) errors.push('no stage named build');
else {
  if (build.from !== 'debian:bookworm') errors.push(`stage build: FROM ${build.from}, want debian:bookworm`);
  const got = aptPackages(build).sort();
  const missing = devPackages.filter((p) => !got.includes(p));
  const extra = got.filter((p) => !devPackages.includes(p));
  if (missing.length) errors.push(`stage build: lacks ./dev packages ${missing.join(' ')}`);
  if (extra.length) errors.push(`stage build: installs ${extra.join(' ')}, which ./dev does not`);
}

// The runtime base: slim, libraries only, a numeric non-root user.
const runtime = byName.runtime;
let runtimePackages = [];
if (!runtime) errors.push('no stage named runtime');
else {
  if (runtime.from !== 'debian:bookworm-slim') errors.push(`stage runtime: FROM ${runtime.from}, want debian:bookworm-slim`);
  runtimePackages = aptPackages(runtime);
  for (const p of runtimePackages) {
    if (!/^lib/.test(p)) errors.push(`stage runtime: installs ${p}, which is not a shared-library package`);
  }
}

for (const bin of BINARIES) {
  const s = byName[bin];
  if (!s) {
    errors.push(`no target ${bin}`);
    continue;
  }
  if (rootOf(s) !== 'debian:bookworm-slim' || s.from !== 'runtime') errors.push(`target ${bin}: not based on the runtime stage`);
  const user = userOf(s);
  const uid = user?.split(':')[0];
  if (!user) errors.push(`target ${bin}: runs as root (no USER)`);
  else if (!/^\d+$/.test(uid) || Number(uid) === 0) errors.push(`target ${bin}: USER ${user} is not a numeric non-root uid`);
  const entry = s.body.find((i) => i.op === 'ENTRYPOINT');
  if (!entry || !entry.args.includes(`/usr/local/bin/${bin}`)) errors.push(`target ${bin}: ENTRYPOINT does not run /usr/local/bin/${bin}`);
  if (!s.body.some((i) => i.op === 'COPY' && i.args.includes('--from=build') && i.args.includes(`/build/bin/${bin}`))) {
    errors.push(`target ${bin}: does not copy /build/bin/${bin} from the build stage`);
  }
}

// The libraries the binaries really link, when they are built.
if (binDir) {
  const owners = new Map();  // library path -> Debian package
  for (const bin of BINARIES) {
    const p = path.join(binDir, bin);
    if (!fs.existsSync(p)) {
      notes.push(`${p} is not built: its libraries were not checked`);
      continue;
    }
    const libs = execFileSync('ldd', [p], { encoding: 'utf8' }).split('\n')
      .map((l) => /=>\s+(\/\S+)/.exec(l)?.[1]).filter(Boolean);
    for (const lib of libs) {
      let owner = owners.get(lib) ?? null;
      for (const candidate of owner ? [] : [fs.realpathSync(lib), lib, `/usr${lib}`]) {
        try {
          owner = execFileSync('dpkg', ['-S', candidate], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
            .split(':')[0];
          owners.set(lib, owner);
          break;
        } catch { /* try the next spelling of the path */ }
      }
      if (owner && /^lib(asan|tsan|ubsan|lsan)\d*$/.test(owner)) {
        // ./dev test --asan/--tsan: images are never built from those.
        notes.push(`${bin}: a sanitizer build (links ${owner}); sanitizer runtimes not checked`);
        continue;
      }
      if (!owner) errors.push(`${bin}: links ${lib}, which no Debian package owns`);
      else if (!IN_SLIM.has(owner) && !runtimePackages.includes(owner)) {
        errors.push(`${bin}: links ${lib} from ${owner}, which the runtime stage does not install`);
      }
    }
  }
}

for (const n of notes) console.log(`note: ${n}`);
if (errors.length) {
  console.log(`${dockerfile}: ${errors.length} problem(s)`);
  for (const e of errors) console.log(`  - ${e}`);
  process.exit(1);
}
console.log(`OK: ${stages.length} stages, ${BINARIES.length} targets, runtime libraries ${runtimePackages.join(' ')}`);
