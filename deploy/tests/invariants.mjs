// What must hold across one rendered overlay, beyond each object being valid
// on its own: probes, resources and security contexts; ports that Services
// target exist on the pods; every configured address is a Service of the same
// render; NetworkPolicies allow exactly the calls of the architecture; no
// Secret carries data. Each check returns human-readable error strings.

// The calls of ../shared/spec/architecture.md. `redis` is whatever Redis the
// render points at: the in-cluster StatefulSet, or an external address.
const SERVICES = ['intake', 'dispatch', 'inventory', 'followup'];
const PROCESSES = ['gateway', ...SERVICES];
export const ARCHITECTURE_CALLS = [
  ...SERVICES.map((s) => ({ from: 'gateway', to: s, port: 'grpc', why: 'client commands' })),
  { from: 'dispatch', to: 'inventory', port: 'grpc', why: 'dispatch reserves parts' },
  { from: 'dispatch', to: 'intake', port: 'grpc', why: 'dispatch reads the site and asset of a maintenance visit' },
  ...[...PROCESSES, 'aftersalesctl'].map((p) => ({ from: p, to: 'redis', port: 'redis', why: 'state and events' })),
  { from: 'ns:ingress-nginx', to: 'gateway', port: 'http', why: 'public API through the ingress controller' },
  ...SERVICES.map((s) => ({ from: 'ns:monitoring', to: s, port: 'metrics', why: 'Prometheus scrape' })),
  { from: 'ns:monitoring', to: 'gateway', port: 'http', why: 'Prometheus scrape of /metrics' },
];
// Operator CLI pods (kubectl run ... -l app.kubernetes.io/name=aftersalesctl)
// exist only while an operator runs one; policies may name them.
const VIRTUAL_PODS = [{
  name: 'aftersalesctl', labels: { 'app.kubernetes.io/name': 'aftersalesctl' }, ports: {},
}];
// Secrets the operator creates (deploy/README.md); the render only refers to them.
export const OPERATOR_SECRETS = { 'aftersales-secrets': ['jwt-secret', 'redis-password'] };

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];

function workloads(objects) {
  return objects.filter((o) => WORKLOAD_KINDS.includes(o.kind)).map((o) => {
    const pod = o.spec.template.spec;
    const ports = {};
    for (const c of pod.containers) {
      for (const p of c.ports ?? []) {
        ports[p.containerPort] = p;
        if (p.name) ports[p.name] = p;
      }
    }
    return { obj: o, name: o.metadata.name, labels: o.spec.template.metadata?.labels ?? {}, pod, ports };
  });
}

export function selects(selector, labels) {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (e.operator === 'In' && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function durationSeconds(text) {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text ?? '');
  if (!m) return null;
  const n = Number(m[1]);
  return { ms: n / 1000, s: n, m: n * 60, h: n * 3600, undefined: n / 1000 }[m[2]];
}

function configFor(objects, pod) {
  // The environment a container sees from ConfigMaps (envFrom) and env values.
  const env = {};
  for (const c of pod.containers) {
    for (const ef of c.envFrom ?? []) {
      const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === ef.configMapRef?.name);
      Object.assign(env, cm?.data ?? {});
    }
    for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  }
  return env;
}

export function checkWorkloads(objects, { minReplicas }) {
  const errors = [];
  for (const w of workloads(objects)) {
    const id = `${w.obj.kind}/${w.name}`;
    const { pod } = w;
    if (w.obj.kind === 'Deployment') {
      // An autoscaled Deployment leaves the count to its HPA's minimum.
      const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler' &&
        o.spec.scaleTargetRef.kind === 'Deployment' && o.spec.scaleTargetRef.name === w.name);
      const replicas = w.obj.spec.replicas ?? hpa?.spec.minReplicas ?? 1;
      if (replicas < minReplicas) errors.push(`${id}: ${replicas} replicas, want at least ${minReplicas}`);
      if (hpa && w.obj.spec.replicas !== undefined) {
        errors.push(`${id}: sets replicas although HorizontalPodAutoscaler/${hpa.metadata.name} owns the count`);
      }
    }
    if (!pod.securityContext?.runAsNonRoot) errors.push(`${id}: pod securityContext.runAsNonRoot is not true`);
    if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') {
      errors.push(`${id}: pod seccompProfile is not RuntimeDefault`);
    }
    if (pod.automountServiceAccountToken !== false) errors.push(`${id}: mounts a service account token`);
    if (w.obj.kind === 'Deployment' && !(pod.topologySpreadConstraints ?? []).some((t) => t.topologyKey === 'kubernetes.io/hostname')) {
      errors.push(`${id}: no topologySpreadConstraint over kubernetes.io/hostname`);
    }
    const env = configFor(objects, pod);
    const grace = durationSeconds(env.AFTERSALES_SHUTDOWN_GRACE ?? '10s');
    for (const c of pod.containers) {
      const cid = `${id}: container ${c.name}`;
      for (const probe of ['readinessProbe', 'livenessProbe']) {
        if (!c[probe]) errors.push(`${cid} has no ${probe}`);
      }
      const r = c.resources ?? {};
      for (const kind of ['requests', 'limits']) {
        for (const res of ['cpu', 'memory']) {
          if (!r[kind]?.[res]) errors.push(`${cid} has no resources.${kind}.${res}`);
        }
      }
      const sc = c.securityContext ?? {};
      if (sc.allowPrivilegeEscalation !== false) errors.push(`${cid}: allowPrivilegeEscalation is not false`);
      if (sc.readOnlyRootFilesystem !== true) errors.push(`${cid}: readOnlyRootFilesystem is not true`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) errors.push(`${cid}: capabilities do not drop ALL`);
      if (sc.privileged) errors.push(`${cid}: privileged`);
      // Probe ports must be ports of this container (by name or number).
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        const p = c[probe];
        const port = p?.grpc?.port ?? p?.httpGet?.port ?? p?.tcpSocket?.port;
        if (port !== undefined && !(c.ports ?? []).some((cp) => cp.name === port || cp.containerPort === port)) {
          errors.push(`${cid}: ${probe} port ${port} is not a port of the container`);
        }
      }
      // Aftersales processes: the probes that mean what they say.
      if (SERVICES.includes(w.name)) {
        const grpcPort = (c.ports ?? []).find((p) => p.name === 'grpc')?.containerPort;
        if (c.readinessProbe?.grpc?.port !== grpcPort) {
          errors.push(`${cid}: readinessProbe is not the native gRPC probe on the grpc port ${grpcPort}`);
        }
        if (c.livenessProbe?.grpc?.port !== grpcPort || c.livenessProbe?.grpc?.service !== 'liveness') {
          errors.push(`${cid}: livenessProbe is not the native gRPC probe of "liveness" on port ${grpcPort}`);
        }
        if (env.AFTERSALES_GRPC_PORT !== String(grpcPort)) {
          errors.push(`${cid}: AFTERSALES_GRPC_PORT=${env.AFTERSALES_GRPC_PORT} but the grpc port is ${grpcPort}`);
        }
        const metricsPort = (c.ports ?? []).find((p) => p.name === 'metrics')?.containerPort;
        if (env.AFTERSALES_METRICS_PORT !== String(metricsPort)) {
          errors.push(`${cid}: AFTERSALES_METRICS_PORT=${env.AFTERSALES_METRICS_PORT} but the metrics port is ${metricsPort}`);
        }
      }
      if (w.name === 'gateway') {
        if (c.readinessProbe?.httpGet?.path !== '/readyz') errors.push(`${cid}: readinessProbe is not GET /readyz`);
        if (c.livenessProbe?.httpGet?.path !== '/healthz') errors.push(`${cid}: livenessProbe is not GET /healthz`);
        const http = (c.ports ?? []).find((p) => p.name === 'http')?.containerPort;
        if (env.AFTERSALES_HTTP_PORT !== String(http)) errors.push(`${cid}: AFTERSALES_HTTP_PORT does not match the http port`);
      }
      if (PROCESSES.includes(w.name)) {
        if (env.AFTERSALES_LISTEN_HOST !== '0.0.0.0') errors.push(`${cid}: AFTERSALES_LISTEN_HOST is not 0.0.0.0`);
        const preStop = Number((c.lifecycle?.preStop?.exec?.command ?? []).find((a) => /^\d+$/.test(a)) ?? 0);
        if (grace === null) errors.push(`${cid}: AFTERSALES_SHUTDOWN_GRACE=${env.AFTERSALES_SHUTDOWN_GRACE} is not a duration`);
        else if (!(pod.terminationGracePeriodSeconds > grace + preStop)) {
          errors.push(`${cid}: terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} is not above AFTERSALES_SHUTDOWN_GRACE (${grace}s) + preStop (${preStop}s)`);
        }
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref && !(OPERATOR_SECRETS[ref.name] ?? []).includes(ref.key)) {
          errors.push(`${cid}: env ${e.name} refers to secret ${ref.name} key ${ref.key}, which deploy/README.md does not tell the operator to create`);
        }
      }
      for (const ef of c.envFrom ?? []) {
        if (ef.configMapRef && !objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === ef.configMapRef.name)) {
          errors.push(`${cid}: envFrom ConfigMap ${ef.configMapRef.name} is not in the render`);
        }
      }
    }
    for (const v of pod.volumes ?? []) {
      if (v.configMap && !objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === v.configMap.name)) {
        errors.push(`${id}: volume ${v.name} mounts ConfigMap ${v.configMap.name}, which is not in the render`);
      }
    }
  }
  const deployments = objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name).sort();
  if (deployments.join() !== [...PROCESSES].sort().join()) {
    errors.push(`Deployments are [${deployments}], want one per process [${[...PROCESSES].sort()}]`);
  }
  return errors;
}

export function checkReferences(objects) {
  const errors = [];
  const ws = workloads(objects);
  const services = objects.filter((o) => o.kind === 'Service');
  for (const s of services) {
    const id = `Service/${s.metadata.name}`;
    if (s.spec.type === 'ExternalName') continue;
    const pods = ws.filter((w) => selects({ matchLabels: s.spec.selector }, w.labels));
    if (pods.length === 0) {
      errors.push(`${id}: selector ${JSON.stringify(s.spec.selector)} matches no pods`);
      continue;
    }
    for (const p of s.spec.ports) {
      const target = p.targetPort ?? p.port;
      for (const w of pods) {
        if (!w.ports[target]) errors.push(`${id}: port ${p.name} targets ${target}, which pods of ${w.obj.kind}/${w.name} do not have`);
      }
    }
  }
  for (const o of objects) {
    if (o.kind === 'HorizontalPodAutoscaler') {
      const t = o.spec.scaleTargetRef;
      if (!objects.some((x) => x.kind === t.kind && x.metadata.name === t.name)) {
        errors.push(`HorizontalPodAutoscaler/${o.metadata.name}: target ${t.kind}/${t.name} is not in the render`);
      }
    }
    if (o.kind === 'PodDisruptionBudget' && !ws.some((w) => selects(o.spec.selector, w.labels))) {
      errors.push(`PodDisruptionBudget/${o.metadata.name}: selects no pods`);
    }
    if (o.kind === 'Ingress') {
      for (const rule of o.spec.rules ?? []) {
        for (const p of rule.http?.paths ?? []) {
          const b = p.backend.service;
          const s = services.find((x) => x.metadata.name === b.name);
          if (!s) errors.push(`Ingress/${o.metadata.name}: backend Service ${b.name} is not in the render`);
          else if (!s.spec.ports.some((sp) => sp.name === b.port.name || sp.port === b.port.number)) {
            errors.push(`Ingress/${o.metadata.name}: Service ${b.name} has no port ${b.port.name ?? b.port.number}`);
          }
        }
      }
    }
    if (o.kind === 'StatefulSet' && !services.some((s) => s.metadata.name === o.spec.serviceName)) {
      errors.push(`StatefulSet/${o.metadata.name}: serviceName ${o.spec.serviceName} is not a Service in the render`);
    }
  }
  for (const w of ws) {
    const sa = w.pod.serviceAccountName;
    if (sa && !objects.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === sa)) {
      errors.push(`${w.obj.kind}/${w.name}: serviceAccountName ${sa} is not in the render`);
    }
  }
  // Every address a process is configured to call is a Service of this render
  // (a DNS name in the pod's own namespace) with that port.
  for (const w of ws) {
    const env = configFor(objects, w.pod);
    const calls = Object.entries(env)
      .filter(([k]) => /^AFTERSALES_[A-Z]+_ADDR$/.test(k))
      .map(([k, v]) => {
        const i = v.lastIndexOf(':');
        return { name: k, host: v.slice(0, i), port: Number(v.slice(i + 1)) };
      });
    if (PROCESSES.includes(w.name)) {
      calls.push({ name: 'AFTERSALES_REDIS_HOST/PORT', host: env.AFTERSALES_REDIS_HOST, port: Number(env.AFTERSALES_REDIS_PORT) });
    }
    for (const c of calls) {
      const s = services.find((x) => x.metadata.name === c.host);
      if (!s) errors.push(`${w.obj.kind}/${w.name}: ${c.name} names ${c.host}, which is not a Service in the render`);
      else if (!s.spec.ports.some((p) => p.port === c.port)) {
        errors.push(`${w.obj.kind}/${w.name}: ${c.name} port ${c.port} is not a port of Service ${c.host}`);
      }
    }
  }
  return errors;
}

export function checkSecrets(objects) {
  return objects.filter((o) => o.kind === 'Secret' && (Object.keys(o.data ?? {}).length || Object.keys(o.stringData ?? {}).length))
    .map((o) => `Secret/${o.metadata.name}: carries data; secrets are created by the operator, never committed`);
}

export function checkRedis(objects) {
  const errors = [];
  const sts = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'redis');
  if (!sts) return errors;  // external Redis (components/external-redis)
  if (!(sts.spec.volumeClaimTemplates ?? []).length) errors.push('StatefulSet/redis: no volumeClaimTemplates: its data would not survive the pod');
  const conf = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'redis-config')?.data?.['redis.conf'] ?? '';
  const setting = (k) => (conf.split('\n').find((l) => l.trim().startsWith(`${k} `)) ?? '').trim().split(/\s+/)[1];
  if (setting('appendonly') !== 'yes') errors.push('redis.conf: appendonly is not yes');
  if (!['everysec', 'always'].includes(setting('appendfsync'))) errors.push('redis.conf: appendfsync is neither everysec nor always');
  if (setting('maxmemory-policy') !== 'noeviction') errors.push('redis.conf: maxmemory-policy is not noeviction: Redis could drop state');
  return errors;
}

// --- NetworkPolicies --------------------------------------------------------

function peerNames(peer, ws) {
  if (peer.ipBlock) return [`cidr:${peer.ipBlock.cidr}`];
  if (peer.namespaceSelector) {
    const ns = peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'] ?? JSON.stringify(peer.namespaceSelector);
    if (ns === 'kube-system' && peer.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns') return ['dns'];
    return [`ns:${ns}${peer.podSelector ? `/${JSON.stringify(peer.podSelector)}` : ''}`];
  }
  return ws.filter((w) => selects(peer.podSelector, w.labels)).map((w) => w.name);
}

function resolvePort(port, w) {
  if (typeof port === 'number') return port;
  return w?.ports[port]?.containerPort ?? port;
}

// Every connection the policies allow, as "from -> to:port/protocol" with
// ports resolved to numbers on the destination pods.
export function allowedEdges(objects) {
  const ws = [...workloads(objects), ...VIRTUAL_PODS.map((v) => ({ ...v, pod: null }))];
  const byName = Object.fromEntries(ws.map((w) => [w.name, w]));
  const ingress = [];
  const egress = [];
  for (const np of objects.filter((o) => o.kind === 'NetworkPolicy')) {
    const selected = ws.filter((w) => selects(np.spec.podSelector, w.labels));
    for (const rule of np.spec.ingress ?? []) {
      const froms = (rule.from ?? [{ any: true }]).flatMap((p) => (p.any ? ['*'] : peerNames(p, ws)));
      for (const to of selected) {
        for (const from of froms) {
          for (const p of rule.ports ?? [{ port: '*' }]) {
            ingress.push({ policy: np.metadata.name, from, to: to.name, port: resolvePort(p.port, to), protocol: p.protocol ?? 'TCP' });
          }
        }
      }
    }
    for (const rule of np.spec.egress ?? []) {
      const tos = (rule.to ?? [{ any: true }]).flatMap((p) => (p.any ? ['*'] : peerNames(p, ws)));
      for (const from of selected) {
        for (const to of tos) {
          for (const p of rule.ports ?? [{ port: '*' }]) {
            egress.push({ policy: np.metadata.name, from: from.name, to, port: resolvePort(p.port, byName[to]), protocol: p.protocol ?? 'TCP' });
          }
        }
      }
    }
  }
  return { ingress, egress, byName };
}

export function checkNetworkPolicies(objects) {
  const errors = [];
  const nps = objects.filter((o) => o.kind === 'NetworkPolicy');
  const denyAll = nps.find((np) => Object.keys(np.spec.podSelector ?? {}).length === 0 &&
    ['Ingress', 'Egress'].every((t) => (np.spec.policyTypes ?? []).includes(t)) &&
    !(np.spec.ingress ?? []).length && !(np.spec.egress ?? []).length);
  if (!denyAll) errors.push('NetworkPolicy: no default deny-all (empty podSelector, Ingress and Egress, no rules)');

  const { ingress, egress, byName } = allowedEdges(objects);
  const inCluster = Boolean(byName.redis);
  const portOf = (name, port) => resolvePort(port, byName[name]);
  const expected = ARCHITECTURE_CALLS.map((c) => ({ ...c, number: portOf(c.to, c.port) }))
    .map((c) => (c.to === 'redis' && !inCluster ? { ...c, number: 6379 } : c));
  const isCall = (e, side) => {
    if (e.to === 'dns') return e.port === 53 && side === 'egress';
    return expected.some((c) => c.from === e.from && c.number === e.port && e.protocol === 'TCP' &&
      (c.to === e.to || (c.to === 'redis' && !inCluster && side === 'egress' && e.to.startsWith('cidr:'))));
  };
  for (const e of ingress) {
    if (e.from === '*' || e.port === '*') errors.push(`NetworkPolicy/${e.policy}: ingress to ${e.to} from ${e.from} on port ${e.port} is open-ended`);
    else if (!isCall(e, 'ingress')) errors.push(`NetworkPolicy/${e.policy}: allows ${e.from} -> ${e.to}:${e.port}, which is not a call in the architecture`);
  }
  for (const e of egress) {
    if (e.to === '*' || e.port === '*') errors.push(`NetworkPolicy/${e.policy}: egress from ${e.from} to ${e.to} on port ${e.port} is open-ended`);
    else if (!isCall(e, 'egress')) errors.push(`NetworkPolicy/${e.policy}: allows ${e.from} -> ${e.to}:${e.port}, which is not a call in the architecture`);
  }
  // And the converse: every call of the architecture gets through, both out of
  // the caller (egress) and into the callee (ingress).
  for (const c of expected) {
    const callerHere = c.from.startsWith('ns:') || byName[c.from];
    const calleeHere = Boolean(byName[c.to]);
    if (!calleeHere && !(c.to === 'redis' && !inCluster)) continue;
    if (calleeHere && !ingress.some((e) => e.from === c.from && e.to === c.to && e.port === c.number)) {
      errors.push(`NetworkPolicy: ${c.from} -> ${c.to}:${c.number} (${c.why}) is not allowed in by any ingress rule`);
    }
    if (callerHere && !c.from.startsWith('ns:') &&
        !egress.some((e) => e.from === c.from && e.port === c.number && (e.to === c.to || (!inCluster && c.to === 'redis' && e.to.startsWith('cidr:'))))) {
      errors.push(`NetworkPolicy: ${c.from} -> ${c.to}:${c.number} (${c.why}) is not allowed out by any egress rule`);
    }
  }
  for (const w of Object.values(byName)) {
    if (!w.pod) continue;
    if (!egress.some((e) => e.from === w.name && e.to === 'dns')) errors.push(`NetworkPolicy: ${w.name} cannot reach DNS`);
  }
  return errors;
}

export function checkAll(objects, options) {
  return [
    ...checkWorkloads(objects, options),
    ...checkReferences(objects),
    ...checkSecrets(objects),
    ...checkRedis(objects),
    ...checkNetworkPolicies(objects),
  ];
}
